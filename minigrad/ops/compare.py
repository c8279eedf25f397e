"""Comparisons, tests and rounding: public functions whose results carry no gradient."""
import numbers

from .. import backend as B
from ..tensor import Tensor


_SYMBOLS = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">="}


def _compare(a, b, name):
    if name in _SYMBOLS and not _comparable(b):  # Python's own message (NumPy's would be a ufunc's)
        raise TypeError(f"'{_SYMBOLS[name]}' not supported between instances of 'Tensor' and "
                        f"'{type(b).__name__}'")
    return _ufunc(name, a.array, b.array if isinstance(b, Tensor) else b)


def _ufunc(name, x, y):
    """The backend's ufunc `name` on arrays or numbers, as a Tensor without gradient; operands that
    do not broadcast raise a RuntimeError naming both shapes."""
    xp = B.get_array_module(x if B.is_array(x) else y)
    try:
        out = getattr(xp, name)(x, y)
    except ValueError:
        raise RuntimeError(f"{name}: the shapes {tuple(getattr(x, 'shape', ()))} and "
                           f"{tuple(getattr(y, 'shape', ()))} cannot be broadcast together") from None
    return Tensor._make(xp.asarray(out), False, None, 0)


def eq(a, b):
    """Elementwise comparison `out_i = (a_i == b_i)` (also ``a == b``): a bool Tensor, no gradient.

    Args:
        a: a Tensor.
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape (bool).

    Example:
        >>> x = minigrad.tensor([1.0, 2.0, 3.0])
        >>> minigrad.eq(x, 2.0)
        tensor([False,  True, False])
    """
    return _compare(a, b, "equal")


def ne(a, b):
    """Elementwise comparison `out_i = (a_i != b_i)` (also ``a != b``): a bool Tensor, no gradient.

    Args:
        a: a Tensor.
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape (bool).

    Example:
        >>> x = minigrad.tensor([1.0, 2.0, 3.0])
        >>> minigrad.ne(x, 2.0)
        tensor([ True, False,  True])
    """
    return _compare(a, b, "not_equal")


def lt(a, b):
    """Elementwise comparison `out_i = (a_i < b_i)` (also ``a < b``): a bool Tensor, no gradient.

    Args:
        a: a Tensor.
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape (bool).

    Example:
        >>> x = minigrad.tensor([1.0, 2.0, 3.0])
        >>> minigrad.lt(x, 2.0)
        tensor([ True, False, False])
    """
    return _compare(a, b, "less")


def le(a, b):
    """Elementwise comparison `out_i = (a_i <= b_i)` (also ``a <= b``): a bool Tensor, no gradient.

    Args:
        a: a Tensor.
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape (bool).

    Example:
        >>> x = minigrad.tensor([1.0, 2.0, 3.0])
        >>> minigrad.le(x, 2.0)
        tensor([ True,  True, False])
    """
    return _compare(a, b, "less_equal")


def gt(a, b):
    """Elementwise comparison `out_i = (a_i > b_i)` (also ``a > b``): a bool Tensor, no gradient.

    Args:
        a: a Tensor.
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape (bool).

    Example:
        >>> x = minigrad.tensor([1.0, 2.0, 3.0])
        >>> minigrad.gt(x, 2.0)
        tensor([False, False,  True])
    """
    return _compare(a, b, "greater")


def ge(a, b):
    """Elementwise comparison `out_i = (a_i >= b_i)` (also ``a >= b``): a bool Tensor, no gradient.

    Args:
        a: a Tensor.
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape (bool).

    Example:
        >>> x = minigrad.tensor([1.0, 2.0, 3.0])
        >>> minigrad.ge(x, 2.0)
        tensor([False,  True,  True])
    """
    return _compare(a, b, "greater_equal")


def _nograd(a, fn):
    return Tensor._make(fn(B.get_array_module(a.array), a.array), False, None, 0)


def isnan(a):
    """True where an element is NaN (a bool Tensor).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.isnan(minigrad.tensor([1.0, float('nan')]))
        tensor([False,  True])
    """
    return _nograd(a, lambda xp, x: xp.isnan(x))


def isinf(a):
    """True where an element is +inf or -inf (a bool Tensor).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.isinf(minigrad.tensor([1.0, float('-inf')]))
        tensor([False,  True])
    """
    return _nograd(a, lambda xp, x: xp.isinf(x))


def isfinite(a):
    """True where an element is neither NaN nor infinite (a bool Tensor).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.isfinite(minigrad.tensor([1.0, float('inf'), float('nan')]))
        tensor([ True, False, False])
    """
    return _nograd(a, lambda xp, x: xp.isfinite(x))


def sign(a):
    """The sign of each element: -1, 0 or 1 (no gradient).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.sign(minigrad.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    return _nograd(a, lambda xp, x: xp.sign(x))


def floor(a):
    """Rounds down, elementwise: `out_i = ⌊a_i⌋` (no gradient).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.floor(minigrad.tensor([-1.5, 1.5]))
        tensor([-2.,  1.])
    """
    return _nograd(a, lambda xp, x: xp.floor(x))


def ceil(a):
    """Rounds up, elementwise: `out_i = ⌈a_i⌉` (no gradient).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.ceil(minigrad.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    return _nograd(a, lambda xp, x: xp.ceil(x))


def round(a, decimals=0):
    """Rounds to the nearest value with the given decimals, halves to even (no gradient).

    Args:
        a: the input Tensor.
        decimals: the number of decimal places. Default: 0.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.round(minigrad.tensor([0.5, 1.5, 2.567]))
        tensor([0., 2., 3.])
        >>> minigrad.round(minigrad.tensor([2.567]), decimals=2)
        tensor([2.5700])
    """
    return _nograd(a, lambda xp, x: xp.round(x, decimals))


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True when `|a_i - b_i| <= atol + rtol · |b_i|` for every element (a Python bool).

    Args:
        a: a Tensor.
        b: a Tensor broadcastable with a.
        rtol: the relative tolerance. Default: 1e-5.
        atol: the absolute tolerance. Default: 1e-8.
        equal_nan: count NaN == NaN as close. Default: False.

    Example:
        >>> minigrad.allclose(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 2.0000001]))
        True
    """
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
    """True when both tensors have the same shape and the same elements (a Python bool).

    Args:
        a: a Tensor.
        b: a Tensor.

    Example:
        >>> minigrad.equal(minigrad.tensor([1, 2]), minigrad.tensor([1, 2]))
        True
    """
    return a.shape == b.shape and bool((a.array == b.array).all())


def nonzero(a, as_tuple=False):
    """The indices of the non-zero elements, in row-major order.

    Args:
        a: the input Tensor.
        as_tuple: return one 1-D index Tensor per dim instead of an (n, ndim) matrix. Default: False.

    Shape:
        Input `(*)` with n non-zero elements; output `(n, ndim)` int64, or ndim Tensors `(n)`.

    Example:
        >>> x = minigrad.tensor([[0, 1], [2, 0]])
        >>> minigrad.nonzero(x)
        tensor([[0, 1],
                [1, 0]])
        >>> minigrad.nonzero(x, as_tuple=True)
        (tensor([0, 1]), tensor([1, 0]))
    """
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
    """Bitwise NOT, `~a`, for integer and bool tensors (no gradient).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> ~minigrad.tensor([True, False])
        tensor([False,  True])
    """
    if a.array.dtype.kind == "f":
        raise TypeError(f"~ (bitwise not) is only supported on integer and bool tensors, got "
                        f"{a.dtype}")
    return Tensor._make(~a.array)


def _integral(x, op):
    """The array (or Python number) of a bitwise operand; floating operands are refused as PyTorch
    refuses them (NotImplementedError, a RuntimeError)."""
    if isinstance(x, Tensor):
        if x.array.dtype.kind == "f":
            raise NotImplementedError(f"{op}: only integer and bool tensors are supported, got {x.dtype}")
        return x.array
    if isinstance(x, (bool, int)) or isinstance(x, B.np.integer):
        return x
    if isinstance(x, float):
        raise NotImplementedError(f"{op}: only integer and bool operands are supported, got a float")
    raise TypeError(f"{op}: expected a Tensor or an int, got {type(x).__name__}")


def _bitwise(name, a, b):
    x, y = _integral(a, name), _integral(b, name)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{name}: expected at least one Tensor operand")
    return _ufunc(name, x, y)


def bitwise_and(a, b):
    """Bitwise AND, `a & b`, for integer and bool tensors (no gradient).

    Args:
        a: a Tensor.
        b: a Tensor or an int, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape.

    Example:
        >>> minigrad.tensor([True, True]) & minigrad.tensor([True, False])
        tensor([ True, False])
        >>> minigrad.bitwise_and(minigrad.tensor([6]), 3)
        tensor([2])
    """
    return _bitwise("bitwise_and", a, b)


def bitwise_or(a, b):
    """Bitwise OR, `a | b`, for integer and bool tensors (no gradient).

    Args:
        a: a Tensor.
        b: a Tensor or an int, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape.

    Example:
        >>> minigrad.tensor([5]) | minigrad.tensor([2])
        tensor([7])
    """
    return _bitwise("bitwise_or", a, b)


def bitwise_xor(a, b):
    """Bitwise XOR, `a ^ b`, for integer and bool tensors (no gradient).

    Args:
        a: a Tensor.
        b: a Tensor or an int, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape.

    Example:
        >>> minigrad.tensor([5]) ^ minigrad.tensor([1])
        tensor([4])
    """
    return _bitwise("bitwise_xor", a, b)


def _truth(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument must be Tensor, not {type(x).__name__}")
    return x.array


def logical_not(a):
    """Elementwise NOT of the truth values (nonzero is true): a bool tensor (no gradient).

    Args:
        a: a Tensor of any dtype.

    Shape:
        Input `(*)`; output the same shape, dtype bool.

    Example:
        >>> minigrad.logical_not(minigrad.tensor([0.0, 2.0]))
        tensor([ True, False])
    """
    x = _truth(a, "logical_not")
    return Tensor._make(B.get_array_module(x).logical_not(x))


def _logical(name, a, b):
    return _ufunc(name, _truth(a, name), _truth(b, name))


def logical_and(a, b):
    """Elementwise AND of the truth values of two tensors (nonzero is true): a bool tensor.

    Args:
        a: a Tensor of any dtype.
        b: a Tensor of any dtype, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape.

    Example:
        >>> minigrad.logical_and(minigrad.tensor([1, 0, 2]), minigrad.tensor([3.0, 1.0, 0.0]))
        tensor([ True, False, False])
    """
    return _logical("logical_and", a, b)


def logical_or(a, b):
    """Elementwise OR of the truth values of two tensors (nonzero is true): a bool tensor.

    Args:
        a: a Tensor of any dtype.
        b: a Tensor of any dtype, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape.

    Example:
        >>> minigrad.logical_or(minigrad.tensor([1, 0]), minigrad.tensor([0, 0]))
        tensor([ True, False])
    """
    return _logical("logical_or", a, b)


def logical_xor(a, b):
    """Elementwise XOR of the truth values of two tensors (nonzero is true): a bool tensor.

    Args:
        a: a Tensor of any dtype.
        b: a Tensor of any dtype, broadcast against a.

    Shape:
        a and b broadcast to a common shape, the output's shape.

    Example:
        >>> minigrad.logical_xor(minigrad.tensor([1, 0]), minigrad.tensor([1, 1]))
        tensor([False,  True])
    """
    return _logical("logical_xor", a, b)
