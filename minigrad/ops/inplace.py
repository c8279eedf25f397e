"""The in-place Tensor methods (add_, mul_, clamp_, copy_, fill_, uniform_, ...), bound by the table
in `minigrad.ops.methods`.  Each either writes the array directly (nothing to record) or, when autograd
must see the change, computes the out-of-place result and makes the tensor take its place
(`ViewTracking._rebase` in `minigrad/views.py`)."""
import numbers
import warnings

from .. import backend as B
from ..tensor import Tensor
from .elementwise import add, clamp, div, mul, sub
from .index import masked_fill


def _inplace(self, fn, other, xp_fn):
    """Run `self op= other`: in the graph when autograd must see it, else as a plain array write."""
    if self._check_inplace(other):
        return self._rebase(fn(self, other))
    o = other.array if isinstance(other, Tensor) else other
    try:
        xp_fn(self.array, o)
    except ValueError:
        if not getattr(self.array.flags, "writeable", True):
            raise RuntimeError(f"in-place operation on a read-only (expanded) tensor of shape "
                               f"{self.shape}; clone() it first") from None
        raise RuntimeError(f"in-place op: the shape {tuple(getattr(o, 'shape', ()))} cannot be "
                           f"broadcast to the output shape {self.shape}") from None
    self._bump()
    return self


def _legacy_alpha_first(name, other, alpha):
    """PyTorch still accepts the old order add_(alpha, other), with a deprecation warning."""
    if isinstance(alpha, Tensor) and isinstance(other, numbers.Number):
        warnings.warn(f"This overload of {name} is deprecated: {name}(Number alpha, Tensor other); "
                      f"use {name}(Tensor other, *, Number alpha=1)", UserWarning, stacklevel=3)
        return alpha, other
    return other, alpha


def add_(self, other, alpha=1):
    """In-place add: `self_i ← self_i + alpha · other_i` (also ``self += other``); returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        other: a Tensor or a number.
        alpha: a number multiplying other. Default: 1.

    Shape:
        self keeps its shape; other must broadcast to it.

    Example:
        >>> x = minigrad.tensor([1.0, 2.0])
        >>> x.add_(minigrad.tensor([1.0, 1.0]), alpha=10)
        tensor([11., 12.])
    """
    other, alpha = _legacy_alpha_first("add_", other, alpha)
    if alpha != 1:
        other = other * alpha
    return _inplace(self, add, other, _iadd)


def sub_(self, other, alpha=1):
    """In-place subtract: `self_i ← self_i - alpha · other_i` (also ``self -= other``); returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        other: a Tensor or a number.
        alpha: a number multiplying other. Default: 1.

    Shape:
        self keeps its shape; other must broadcast to it.

    Example:
        >>> x = minigrad.tensor([5.0, 5.0])
        >>> x.sub_(2)
        tensor([3., 3.])
    """
    other, alpha = _legacy_alpha_first("sub_", other, alpha)
    if alpha != 1:
        other = other * alpha
    return _inplace(self, sub, other, _isub)


def mul_(self, other):
    """In-place multiply: `self_i ← self_i · other_i` (also ``self *= other``); returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        other: a Tensor or a number.

    Shape:
        self keeps its shape; other must broadcast to it.

    Example:
        >>> x = minigrad.tensor([1.0, 2.0])
        >>> x.mul_(3)
        tensor([3., 6.])
    """
    return _inplace(self, mul, other, _imul)


def div_(self, other):
    """In-place true division: `self_i ← self_i / other_i` (also ``self /= other``); returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        other: a Tensor or a number.

    Shape:
        self keeps its shape; other must broadcast to it.

    Example:
        >>> x = minigrad.tensor([1.0, 2.0])
        >>> x.div_(4)
        tensor([0.2500, 0.5000])
    """
    return _inplace(self, div, other, _idiv)


def clamp_(self, min=None, max=None):
    """In-place `clamp`: `self_i ← min(max(self_i, min), max)`; returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        min: the lower bound, or None.
        max: the upper bound, or None.

    Example:
        >>> x = minigrad.tensor([-1.0, 0.5, 2.0])
        >>> x.clamp_(0.0, 1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if self._check_inplace():
        return self._rebase(clamp(self, min, max))
    self._write(clamp(self.detach(), min, max).array)
    self._bump()
    return self


def masked_fill_(self, mask, value):
    """In-place `masked_fill`: `self_i ← value` where mask_i is True; returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        mask: a bool Tensor broadcastable to self.
        value: a number.

    Example:
        >>> x = minigrad.zeros(3)
        >>> x.masked_fill_(minigrad.tensor([True, False, True]), 7.0)
        tensor([7., 0., 7.])
    """
    if self._check_inplace(value):
        return self._rebase(masked_fill(self, mask, value))
    out = masked_fill(self.detach(), mask, value)
    self.array[...] = out.array
    self._bump()
    return self


def copy_(self, src):
    """Copies src's values into self (broadcast, cast to self's dtype, moved to self's device); returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        src: a Tensor broadcastable to self.

    Shape:
        self keeps its shape; src must broadcast to it.

    Example:
        >>> x = minigrad.zeros(2, 2)
        >>> x.copy_(minigrad.tensor([1, 2]))
        tensor([[1., 2.],
                [1., 2.]])
    """
    if self._check_inplace(src):
        return self._rebase(add(mul(self, 0), src.to(self.dtype)))
    s = src.array if isinstance(src, Tensor) else src
    s = B.to_device(s, self.device) if B.is_array(s) else s
    try:
        self.array[...] = s
    except ValueError:
        raise RuntimeError(f"copy_: the source of shape {tuple(getattr(s, 'shape', ()))} cannot be "
                           f"broadcast to {self.shape}") from None
    self._bump()
    return self


def fill_(self, value):
    """Sets every element to value, in place; returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        value: a number (or a 0-d Tensor).

    Example:
        >>> minigrad.zeros(3).fill_(2.5)
        tensor([2.5000, 2.5000, 2.5000])
    """
    if self._check_inplace(value):
        return self._rebase(add(mul(self, 0), value))
    self.array[...] = value.item() if isinstance(value, Tensor) else value
    self._bump()
    return self


def zero_(self):
    """Sets every element to zero, in place; returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).

    Example:
        >>> minigrad.ones(2).zero_()
        tensor([0., 0.])
    """
    return self.fill_(0)


def uniform_(self, a=0.0, b=1.0):
    """Fills self with samples from U(a, b), in place (from minigrad's generator); returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        a: the lower bound. Default: 0.
        b: the upper bound. Default: 1.

    Example:
        >>> x = minigrad.empty(1000).uniform_(-1, 1)
        >>> bool((x >= -1).all() and (x < 1).all())
        True
    """
    self._check_inplace()
    self.array[...] = B.random_uniform(self.shape, self.array.dtype, self.device, a, b)
    self._bump()
    return self


def normal_(self, mean=0.0, std=1.0):
    """Fills self with samples from N(mean, std²), in place (from minigrad's generator); returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        mean: the mean. Default: 0.
        std: the standard deviation. Default: 1.

    Example:
        >>> x = minigrad.empty(10000).normal_(2.0, 0.5)
        >>> round(x.mean().item(), 1)
        2.0
    """
    self._check_inplace()
    self.array[...] = B.random_normal(self.shape, self.array.dtype, self.device, mean, std)
    self._bump()
    return self


def bernoulli_(self, p=0.5):
    """Fills self with 1 with probability p, else 0, in place; returns self.

    Args:
        self: the Tensor to modify (its version counter is bumped; autograd records the change).
        p: the probability of a 1. Default: 0.5.

    Example:
        >>> x = minigrad.empty(1000).bernoulli_(0.0)
        >>> x.sum()
        tensor(0.)
    """
    self._check_inplace()
    self.array[...] = B.random_uniform(self.shape, B.np.float64, self.device) < p
    self._bump()
    return self


def _iadd(a, b):
    a += b


def _isub(a, b):
    a -= b


def _imul(a, b):
    a *= b


def _idiv(a, b):
    a /= b
