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
    """self += alpha * other."""
    other, alpha = _legacy_alpha_first("add_", other, alpha)
    if alpha != 1:
        other = other * alpha
    return _inplace(self, add, other, _iadd)


def sub_(self, other, alpha=1):
    """self -= alpha * other."""
    other, alpha = _legacy_alpha_first("sub_", other, alpha)
    if alpha != 1:
        other = other * alpha
    return _inplace(self, sub, other, _isub)


def mul_(self, other):
    """self *= other."""
    return _inplace(self, mul, other, _imul)


def div_(self, other):
    """self /= other."""
    return _inplace(self, div, other, _idiv)


def clamp_(self, min=None, max=None):
    """Clamp in place."""
    if self._check_inplace():
        return self._rebase(clamp(self, min, max))
    self._write(clamp(self.detach(), min, max).array)
    self._bump()
    return self


def masked_fill_(self, mask, value):
    """Write `value` where mask is true, in place."""
    if self._check_inplace(value):
        return self._rebase(masked_fill(self, mask, value))
    out = masked_fill(self.detach(), mask, value)
    self.array[...] = out.array
    self._bump()
    return self


def copy_(self, src):
    """Copy src's values (broadcast, cast, moved across devices) into this tensor."""
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
    """Set every element to `value`, in place."""
    if self._check_inplace(value):
        return self._rebase(add(mul(self, 0), value))
    self.array[...] = value.item() if isinstance(value, Tensor) else value
    self._bump()
    return self


def zero_(self):
    """Set every element to zero, in place."""
    return self.fill_(0)


def uniform_(self, a=0.0, b=1.0):
    """Fill with samples from U(a, b), in place."""
    self._check_inplace()
    self.array[...] = B.random_uniform(self.shape, self.array.dtype, self.device, a, b)
    self._bump()
    return self


def normal_(self, mean=0.0, std=1.0):
    """Fill with samples from N(mean, std^2), in place."""
    self._check_inplace()
    self.array[...] = B.random_normal(self.shape, self.array.dtype, self.device, mean, std)
    self._bump()
    return self


def bernoulli_(self, p=0.5):
    """Fill with 1 with probability p, else 0, in place."""
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
