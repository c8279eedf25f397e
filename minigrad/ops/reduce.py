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
    """Sum over `dim` (all dims when None)."""
    if dtype is not None:
        a = a.to(dtype)
    elif a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    return R.Sum.apply(a, _dims(a, dim, "sum"), keepdim)


def mean(a, dim=None, keepdim=False, dtype=None):
    """Mean over `dim` (all dims when None); needs a floating tensor (or a floating `dtype`)."""
    if dtype is not None:
        a = a.to(dtype)
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {a.dtype.name}")
    return R.Mean.apply(a, _dims(a, dim, "mean"), keepdim)


def var(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance over `dim` with Bessel's correction (correction=1) by default."""
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"var/std: only floating point dtypes are supported, got {a.dtype}")
    return R.Var.apply(a, _dims(a, dim, "var"), keepdim, correction)


def std(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Standard deviation: sqrt(var)."""
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
    """Largest element, or (values, indices) along `dim`; a Tensor `dim` means maximum(a, dim)."""
    return _maxmin(a, dim, keepdim, True)


def min(a, dim=None, keepdim=False):
    """Smallest element, or (values, indices) along `dim`; a Tensor `dim` means minimum(a, dim)."""
    return _maxmin(a, dim, keepdim, False)


def amax(a, dim=(), keepdim=False):
    """Largest values over `dim` (all dims when empty or None); ties share the gradient evenly."""
    return R.AMaxMin.apply(a, _dims(a, dim, "amax"), keepdim, True)


def amin(a, dim=(), keepdim=False):
    """Smallest values over `dim` (all dims when empty or None); ties share the gradient evenly."""
    return R.AMaxMin.apply(a, _dims(a, dim, "amin"), keepdim, False)


def prod(a, dim=None, keepdim=False, dtype=None):
    """Product of the elements (over one `dim`, or all); integer and bool inputs give int64."""
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
    """The vector p-norm of `a` over `dim` (all elements when None); p may be a number, inf or 'fro'."""
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
    """Index of the largest element (flattened when dim is None); no gradient."""
    return _arg(a, dim, keepdim, "argmax")


def argmin(a, dim=None, keepdim=False):
    """Index of the smallest element (flattened when dim is None); no gradient."""
    return _arg(a, dim, keepdim, "argmin")


def logsumexp(a, dim, keepdim=False):
    """log(sum(exp(a), dim)), computed stably."""
    return R.LogSumExp.apply(P.floatify(a), _dims(a, dim, "logsumexp"), keepdim)


def softmax(a, dim, dtype=None):
    """exp(a) / sum(exp(a)) along `dim`, computed stably."""
    if dtype is not None:
        a = a.to(dtype)
    return R.Softmax.apply(P.floatify(a), normalize_dim(dim, a.ndim, "softmax"))


def log_softmax(a, dim, dtype=None):
    """a - logsumexp(a, dim): log-probabilities along `dim`, computed stably."""
    if dtype is not None:
        a = a.to(dtype)
    return R.LogSoftmax.apply(P.floatify(a), normalize_dim(dim, a.ndim, "log_softmax"))


def all(a, dim=None, keepdim=False):
    """True when every element is non-zero (along `dim`, an int or a tuple, if given)."""
    axes = _dims(a, dim, "all")
    return _nograd(a, lambda xp, x: xp.asarray(x.all(axis=axes, keepdims=keepdim)))


def any(a, dim=None, keepdim=False):
    """True when any element is non-zero (along `dim`, an int or a tuple, if given)."""
    axes = _dims(a, dim, "any")
    return _nograd(a, lambda xp, x: xp.asarray(x.any(axis=axes, keepdims=keepdim)))


def topk(a, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along `dim` and their indices; values carry gradient."""
    d = normalize_dim(dim, a.ndim, "topk")
    if k < 0 or k > a.shape[d]:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {a.shape[d]}")
    xp = B.get_array_module(a.array)
    idx = _argsort_descending(xp, a.array, d) if largest else xp.argsort(a.array, axis=d, kind="stable")
    idx = xp.take(idx, xp.arange(k), axis=d)
    return _MinMax(gather(a, d, idx), Tensor._make(idx.astype(xp.int64), False, None, 0))


def sort(a, dim=-1, descending=False, stable=False):
    """Sorted values along `dim` and the permutation indices; values carry gradient."""
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
    """Indices that sort `a` along `dim`."""
    return sort(a, dim, descending)[1]


def cumsum(a, dim):
    """Cumulative sum along `dim`."""
    d = normalize_dim(dim, a.ndim, "cumsum")
    if a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    return R.Cumsum.apply(a, d) if a.ndim else a.clone()


def numel(a):
    """Number of elements."""
    return a.numel()
