"""Comparisons, tests and rounding: public functions whose results carry no gradient."""
import numbers

from .. import backend as B
from ..tensor import Tensor


_SYMBOLS = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">="}


def _compare(a, b, name):
    if name in _SYMBOLS and not _comparable(b):  # Python's own message (NumPy's would be a ufunc's)
        raise TypeError(f"'{_SYMBOLS[name]}' not supported between instances of 'Tensor' and "
                        f"'{type(b).__name__}'")
    xp = B.get_array_module(a.array)
    bd = b.array if isinstance(b, Tensor) else b
    try:
        out = getattr(xp, name)(a.array, bd)
    except ValueError:
        raise RuntimeError(f"{name}: the shapes {a.shape} and {tuple(getattr(bd, 'shape', ()))} cannot "
                           f"be broadcast together") from None
    return Tensor._make(xp.asarray(out), False, None, 0)


def eq(a, b):
    """a == b elementwise (bool, no gradient)."""
    return _compare(a, b, "equal")


def ne(a, b):
    """a != b elementwise (bool, no gradient)."""
    return _compare(a, b, "not_equal")


def lt(a, b):
    """a < b elementwise (bool, no gradient)."""
    return _compare(a, b, "less")


def le(a, b):
    """a <= b elementwise (bool, no gradient)."""
    return _compare(a, b, "less_equal")


def gt(a, b):
    """a > b elementwise (bool, no gradient)."""
    return _compare(a, b, "greater")


def ge(a, b):
    """a >= b elementwise (bool, no gradient)."""
    return _compare(a, b, "greater_equal")


def _nograd(a, fn):
    return Tensor._make(fn(B.get_array_module(a.array), a.array), False, None, 0)


def isnan(a):
    """True where a is NaN."""
    return _nograd(a, lambda xp, x: xp.isnan(x))


def isinf(a):
    """True where a is +-inf."""
    return _nograd(a, lambda xp, x: xp.isinf(x))


def isfinite(a):
    """True where a is finite."""
    return _nograd(a, lambda xp, x: xp.isfinite(x))


def sign(a):
    """-1, 0 or 1 by the sign of each element (no gradient)."""
    return _nograd(a, lambda xp, x: xp.sign(x))


def floor(a):
    """Round down (no gradient)."""
    return _nograd(a, lambda xp, x: xp.floor(x))


def ceil(a):
    """Round up (no gradient)."""
    return _nograd(a, lambda xp, x: xp.ceil(x))


def round(a, decimals=0):
    """Round half to even (no gradient)."""
    return _nograd(a, lambda xp, x: xp.round(x, decimals))


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True when |a - b| <= atol + rtol * |b| everywhere."""
    xp = B.get_array_module(a.array)
    _broadcast_shape(a, b, "allclose")
    return bool(xp.allclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _broadcast_shape(a, b, op):
    try:
        return B.np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"{op}: the shapes {a.shape} and {b.shape} cannot be broadcast "
                           f"together") from None


def equal(a, b):
    """True when both tensors have the same shape and elements."""
    return a.shape == b.shape and bool((a.array == b.array).all())


def nonzero(a, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    xp = B.get_array_module(a.array)
    idx = xp.nonzero(a.array.reshape(1) if a.ndim == 0 else a.array)
    if as_tuple:
        return tuple(Tensor._make(i.astype(xp.int64)) for i in idx)
    return Tensor._make(xp.stack(idx, axis=1).astype(xp.int64) if idx else xp.zeros((0, 0), xp.int64))


# ----------------------------------------------------------------------- operator forms
def _comparable(x):
    return isinstance(x, (Tensor, numbers.Number, list, tuple)) or B.is_array(x)


def eq_operator(a, b):
    """`a == b`: elementwise for tensors, numbers and sequences; NotImplemented otherwise, so that
    Python falls back to identity (t == None is False)."""
    if not _comparable(b):
        return NotImplemented
    return eq(a, b)


def ne_operator(a, b):
    """`a != b`, with the same fallback as eq_operator."""
    if not _comparable(b):
        return NotImplemented
    return ne(a, b)


def bitwise_not(a):
    """`~a` for integer and bool tensors (no gradient)."""
    if a.array.dtype.kind == "f":
        raise TypeError(f"~ (bitwise not) is only supported on integer and bool tensors, got "
                        f"{a.dtype}")
    return Tensor._make(~a.array)


def bitwise_and(a, b):
    """`a & b` (no gradient)."""
    return Tensor._make(a.array & (b.array if isinstance(b, Tensor) else b))


def bitwise_or(a, b):
    """`a | b` (no gradient)."""
    return Tensor._make(a.array | (b.array if isinstance(b, Tensor) else b))


def bitwise_xor(a, b):
    """`a ^ b` (no gradient)."""
    return Tensor._make(a.array ^ (b.array if isinstance(b, Tensor) else b))
