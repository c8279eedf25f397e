"""Reductions and sorts: sum, mean, var/std, max/min, prod, norm, arg-reductions, logsumexp,
softmax, all/any, topk/sort and cumsum."""
import numbers

from .. import backend as B
from ..primitives import reduce as R
from ..primitives.base import normalize_dim, normalize_dims
from ..tensor import Tensor
from . import promotion as P
from .compare import _nograd
from .elementwise import maximum, minimum, sqrt
from .index import gather


def _dims(a, dim, op):
    return normalize_dims(dim, a.ndim, op)


def sum(a, dim=None, keepdim=False, dtype=None):
    """Sum of the elements over dim: `out = Σ_i a_i`; the gradient is 1 for every element.

    Integer and bool inputs sum to int64, as in PyTorch.

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints, the dims to reduce (None: all).
        keepdim: keep each reduced dim with size 1. Default: False.
        dtype: cast the input to this dtype first (optional).

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.sum(x)
        tensor(21.)
        >>> x.sum(dim=0)
        tensor([5., 7., 9.])
        >>> x.sum(1, keepdim=True)
        tensor([[ 6.],
                [15.]])
    """
    if dtype is not None:
        a = a.to(dtype)
    elif a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    return R.Sum.apply(a, _dims(a, dim, "sum"), keepdim)


def mean(a, dim=None, keepdim=False, dtype=None):
    """Arithmetic mean over dim: `out = (1/n) Σ_i a_i`, n the number of reduced elements.

    Args:
        a: a floating Tensor (or give a floating dtype).
        dim: an int or a tuple of ints, the dims to reduce (None: all).
        keepdim: keep each reduced dim with size 1. Default: False.
        dtype: cast the input to this dtype first (optional).

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.mean(x)
        tensor(3.5000)
        >>> x.mean(dim=1)
        tensor([2., 5.])
    """
    if dtype is not None:
        a = a.to(dtype)
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {a.dtype.name}")
    return R.Mean.apply(a, _dims(a, dim, "mean"), keepdim)


def var(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance over dim: `out = Σ_i (a_i - ā)² / (n - correction)`, ā the mean, n the count.

    The default correction 1 is Bessel's (the unbiased estimate); unbiased=False means correction 0.

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints, the dims to reduce (None: all).
        unbiased: True for correction=1, False for correction=0 (legacy form).
        keepdim: keep each reduced dim with size 1. Default: False.
        correction: the number subtracted from n. Default: 1.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.var(dim=1)
        tensor([1., 1.])
        >>> x.var(dim=1, unbiased=False)
        tensor([0.6667, 0.6667])
    """
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"var/std: only floating point dtypes are supported, got {a.dtype}")
    return R.Var.apply(a, _dims(a, dim, "var"), keepdim, correction)


def std(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Standard deviation over dim: `out = √var(a)`, with the same correction rules as `var`.

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints, the dims to reduce (None: all).
        unbiased: True for correction=1, False for correction=0.
        keepdim: keep each reduced dim with size 1. Default: False.
        correction: the number subtracted from n. Default: 1.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.std(dim=1)
        tensor([1., 1.])
    """
    return sqrt(var(a, dim, unbiased, keepdim, correction))


def _maxmin(a, dim, keepdim, is_max):
    if isinstance(dim, Tensor):
        return maximum(a, dim) if is_max else minimum(a, dim)
    if dim is None:
        return R.MaxMinAll.apply(a, is_max)
    d = normalize_dim(dim, a.ndim, "max" if is_max else "min")
    if a.ndim == 0:
        return _MinMax(a, Tensor._make(B.get_array_module(a.array).asarray(0), False, None, 0))
    values, indices = R.MaxMinDim.apply(a, d, keepdim, is_max)
    return _MinMax(values, indices)


class _MinMax(tuple):
    """(values, indices) with attribute access, like torch.return_types.max."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def max(a, dim=None, keepdim=False):
    """The largest element, or the largest values along dim together with their positions.

    ``max(a)`` returns a 0-d Tensor; ``max(a, dim)`` returns (values, indices) with attribute access
    (``.values``, ``.indices``); ``max(a, other_tensor)`` is `maximum`. The gradient goes to the
    chosen element.

    Args:
        a: the input Tensor.
        dim: the dim to reduce (an int), or a Tensor for the elementwise maximum.
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.max(x)
        tensor(6.)
        >>> values, indices = x.max(dim=1)
        >>> values, indices
        (tensor([3., 6.]), tensor([2, 2]))
    """
    return _maxmin(a, dim, keepdim, True)


def min(a, dim=None, keepdim=False):
    """The smallest element, or the smallest values along dim together with their positions.

    The mirror image of `max`: ``min(a, dim)`` returns (values, indices).

    Args:
        a: the input Tensor.
        dim: the dim to reduce (an int), or a Tensor for the elementwise minimum.
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.min(x)
        tensor(1.)
        >>> x.min(dim=0).values
        tensor([1., 2., 3.])
    """
    return _maxmin(a, dim, keepdim, False)


def amax(a, dim=(), keepdim=False):
    """The largest values over dim (no indices); ties share the gradient evenly.

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints (empty or None: all dims).
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.amax(x, dim=0)
        tensor([4., 5., 6.])
    """
    return R.AMaxMin.apply(a, _dims(a, dim, "amax"), keepdim, True)


def amin(a, dim=(), keepdim=False):
    """The smallest values over dim (no indices); ties share the gradient evenly.

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints (empty or None: all dims).
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.amin(x, dim=1)
        tensor([1., 4.])
    """
    return R.AMaxMin.apply(a, _dims(a, dim, "amin"), keepdim, False)


def prod(a, dim=None, keepdim=False, dtype=None):
    """Product of the elements, over one dim or all: `out = Π_i a_i`.

    Integer and bool inputs give int64.

    Args:
        a: the input Tensor.
        dim: one int, or None for all elements.
        keepdim: keep each reduced dim with size 1. Default: False.
        dtype: cast the input to this dtype first (optional).

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.prod(x)
        tensor(720.)
        >>> x.prod(dim=1)
        tensor([  6., 120.])
    """
    if dtype is not None:
        a = a.to(dtype)
    elif a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    if dim is None:
        return R.Prod.apply(a, None, False)
    if a.ndim == 0:
        normalize_dim(dim, 0, "prod")
        return a.clone()
    return R.Prod.apply(a, normalize_dim(dim, a.ndim, "prod"), keepdim)


def norm(a, p="fro", dim=None, keepdim=False):
    """The vector p-norm over dim: `‖a‖_p = (Σ_i |a_i|^p)^(1/p)` (all elements when dim is None).

    p = inf gives max |a_i|, p = -inf min |a_i|, p = 0 the count of non-zeros, 'fro' the 2-norm.

    Args:
        a: the input Tensor.
        p: a number, inf, -inf or 'fro'. Default: 'fro'.
        dim: an int or a tuple of ints, the dims to reduce (None: all).
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> v = minigrad.tensor([3.0, -4.0])
        >>> minigrad.norm(v)
        tensor(5.)
        >>> minigrad.norm(v, p=1)
        tensor(7.)
        >>> minigrad.norm(v, p=float('inf'))
        tensor(4.)
    """
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"norm: expected a floating point tensor as input, got {a.dtype}")
    if p in ("fro", None):
        p = 2
    if isinstance(p, str) or not isinstance(p, numbers.Real) or p < 0:
        raise ValueError(f"norm: p must be a non-negative number, inf or 'fro', got {p!r}")
    axes = tuple(range(a.ndim)) if dim is None else _dims(a, dim, "norm")
    return R.Norm.apply(a, float(p), axes, keepdim)


def _arg(a, dim, keepdim, fn):
    xp = B.get_array_module(a.array)
    if dim is None and a.numel() == 0:
        raise IndexError(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is not None and a.ndim and a.shape[normalize_dim(dim, a.ndim, fn)] == 0:
        raise IndexError(f"{fn}(): Expected reduction dim {dim} to have non-zero size.")
    if dim is None:
        out = getattr(a.array.reshape(-1), fn)()
        out = xp.asarray(out, dtype=xp.int64)
        if keepdim:
            out = out.reshape((1,) * a.ndim)
    else:
        d = normalize_dim(dim, a.ndim, fn)
        out = getattr(a.array, fn)(axis=d).astype(xp.int64)
        if keepdim:
            out = xp.expand_dims(out, d)
    return Tensor._make(out, False, None, 0)


def argmax(a, dim=None, keepdim=False):
    """The position of the largest element along dim (of the flattened tensor when dim is None).

    The first position wins a tie. No gradient (int64 output).

    Args:
        a: the input Tensor.
        dim: an int, or None for the flattened tensor.
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> minigrad.argmax(x)
        tensor(5)
        >>> x.argmax(dim=1)
        tensor([2, 2])
    """
    return _arg(a, dim, keepdim, "argmax")


def argmin(a, dim=None, keepdim=False):
    """The position of the smallest element along dim (of the flattened tensor when dim is None).

    No gradient (int64 output).

    Args:
        a: the input Tensor.
        dim: an int, or None for the flattened tensor.
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.argmin(dim=0)
        tensor([0, 0, 0])
    """
    return _arg(a, dim, keepdim, "argmin")


def logsumexp(a, dim, keepdim=False):
    """Log of the sum of exponentials along dim: `out = log Σ_i exp(a_i)`, computed stably.

    The maximum m is factored out, `m + log Σ_i exp(a_i - m)`, so large inputs do not overflow.
    Its gradient is softmax(a).

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints.
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> minigrad.logsumexp(minigrad.tensor([1000.0, 1000.0]), dim=0)
        tensor(1000.6932)
    """
    return R.LogSumExp.apply(P.floatify(a), _dims(a, dim, "logsumexp"), keepdim)


def softmax(a, dim, dtype=None):
    """Softmax along dim: `out_i = exp(a_i) / Σ_j exp(a_j)`, computed with the maximum subtracted.

    Every slice along dim becomes a probability vector.

    Args:
        a: the input Tensor.
        dim: the dim to normalise over.
        dtype: cast the input to this dtype first (optional).

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.softmax(minigrad.tensor([[1.0, 2.0, 3.0]]), dim=1)
        tensor([[0.0900, 0.2447, 0.6652]])
    """
    if dtype is not None:
        a = a.to(dtype)
    return R.Softmax.apply(P.floatify(a), normalize_dim(dim, a.ndim, "softmax"))


def log_softmax(a, dim, dtype=None):
    """Log-softmax along dim: `out_i = a_i - log Σ_j exp(a_j)`, computed stably.

    More accurate than ``log(softmax(a))`` for very negative log-probabilities.

    Args:
        a: the input Tensor.
        dim: the dim to normalise over.
        dtype: cast the input to this dtype first (optional).

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.log_softmax(minigrad.tensor([[1.0, 2.0, 3.0]]), dim=1)
        tensor([[-2.4076, -1.4076, -0.4076]])
    """
    if dtype is not None:
        a = a.to(dtype)
    return R.LogSoftmax.apply(P.floatify(a), normalize_dim(dim, a.ndim, "log_softmax"))


def all(a, dim=None, keepdim=False):
    """True when every element is non-zero (along dim, if given); a bool Tensor.

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints (None: all elements).
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> minigrad.all(minigrad.tensor([[True, False], [True, True]]), dim=1)
        tensor([False,  True])
    """
    axes = _dims(a, dim, "all")
    return _nograd(a, lambda xp, x: xp.asarray(x.all(axis=axes, keepdims=keepdim)))


def any(a, dim=None, keepdim=False):
    """True when any element is non-zero (along dim, if given); a bool Tensor.

    Args:
        a: the input Tensor.
        dim: an int or a tuple of ints (None: all elements).
        keepdim: keep each reduced dim with size 1. Default: False.

    Shape:
        Input `(*)`; output: the input's shape without the reduced dims (size 1 with keepdim),
        a 0-d Tensor when every dim is reduced.

    Example:
        >>> minigrad.any(minigrad.tensor([0, 0, 3]))
        tensor(True)
    """
    axes = _dims(a, dim, "any")
    return _nograd(a, lambda xp, x: xp.asarray(x.any(axis=axes, keepdims=keepdim)))


def topk(a, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along dim and their positions; the values carry gradient.

    Args:
        a: the input Tensor.
        k: how many values.
        dim: the dim to search. Default: -1.
        largest: True for the largest, False for the smallest. Default: True.
        sorted: return them in sorted order. Default: True.

    Shape:
        Input `(*, n, *)`; values and indices `(*, k, *)`.

    Example:
        >>> minigrad.topk(minigrad.tensor([1.0, 5.0, 3.0, 4.0]), 2)
        (tensor([5., 4.]), tensor([1, 3]))
    """
    d = normalize_dim(dim, a.ndim, "topk")
    if k < 0 or k > a.shape[d]:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {a.shape[d]}")
    xp = B.get_array_module(a.array)
    idx = _argsort_descending(xp, a.array, d) if largest else xp.argsort(a.array, axis=d, kind="stable")
    idx = xp.take(idx, xp.arange(k), axis=d)
    return _MinMax(gather(a, d, idx), Tensor._make(idx.astype(xp.int64), False, None, 0))


def sort(a, dim=-1, descending=False, stable=False):
    """Sorts along dim; returns (values, indices) with ``values = a.gather(dim, indices)``.

    The values carry gradient (routed back through the permutation).

    Args:
        a: the input Tensor.
        dim: the dim to sort. Default: -1.
        descending: largest first. Default: False.
        stable: keep the order of equal elements. Default: False.

    Shape:
        Input `(*)`; values and indices the same shape.

    Example:
        >>> minigrad.sort(minigrad.tensor([3.0, 1.0, 2.0]))
        (tensor([1., 2., 3.]), tensor([1, 2, 0]))
    """
    d = normalize_dim(dim, a.ndim, "sort")
    xp = B.get_array_module(a.array)
    idx = (_argsort_descending(xp, a.array, d) if descending
           else xp.argsort(a.array, axis=d, kind="stable")).astype(xp.int64)
    return _MinMax(gather(a, d, idx), Tensor._make(idx, False, None, 0))


def _argsort_descending(xp, arr, d):
    """Stable argsort along d, largest first, NaN counted as the largest (PyTorch's order).

    Negating the keys would wrap unsigned ints, fail on bools and put NaN last; instead sort the
    reversed array ascending and read that order backwards, which keeps ties in their original order.
    """
    n = arr.shape[d]
    order = xp.argsort(xp.flip(arr, axis=d), axis=d, kind="stable")
    return (n - 1) - xp.flip(order, axis=d)


def argsort(a, dim=-1, descending=False, stable=False):
    """The indices that sort a along dim (the second output of `sort`); no gradient.

    Args:
        a: the input Tensor.
        dim: the dim to sort. Default: -1.
        descending: largest first. Default: False.
        stable: keep the order of equal elements. Default: False.

    Shape:
        Input `(*)`; output the same shape, int64.

    Example:
        >>> minigrad.argsort(minigrad.tensor([3.0, 1.0, 2.0]), descending=True)
        tensor([0, 2, 1])
    """
    return sort(a, dim, descending)[1]


def cumsum(a, dim):
    """Cumulative sum along dim: `out_i = Σ_(j<=i) a_j`.

    Args:
        a: the input Tensor.
        dim: the dim to accumulate along.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.cumsum(minigrad.tensor([1, 2, 3, 4]), dim=0)
        tensor([ 1,  3,  6, 10])
    """
    d = normalize_dim(dim, a.ndim, "cumsum")
    if a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    return R.Cumsum.apply(a, d) if a.ndim else a.clone()


def numel(a):
    """The number of elements, the product of the shape's sizes (a Python int).

    Args:
        a: the input Tensor.

    Example:
        >>> minigrad.numel(minigrad.zeros(2, 3, 4))
        24
    """
    return a.numel()
