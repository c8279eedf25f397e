"""Elementwise public functions with broadcasting: arithmetic, exp/log family, activations, clamp,
maximum/minimum and where (dtype promotion from `promotion`, the math in `primitives.elementwise`)."""
import builtins
import numbers

from .. import backend as B
from ..primitives import elementwise as E
from ..tensor import Tensor
from . import promotion as P
from .compare import nonzero


def add(a, b, alpha=1):
    """Adds b, scaled by alpha, to a: `out_i = a_i + alpha · b_i`, with broadcasting.

    Also ``a + b`` and ``a.add(b)``. Mixed dtypes promote as in PyTorch (e.g. int + float gives float).

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.
        alpha: a number multiplying b. Default: 1.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.add(minigrad.tensor([1.0, 2.0]), minigrad.tensor([10.0]), alpha=2)
        tensor([21., 22.])
        >>> minigrad.tensor([[1], [2]]) + minigrad.tensor([10, 20])
        tensor([[11, 21],
                [12, 22]])
    """
    return P.binary(E.Add, a, b if alpha == 1 else mul(b, alpha), "add")


def sub(a, b, alpha=1):
    """Subtracts b, scaled by alpha, from a: `out_i = a_i - alpha · b_i`, with broadcasting.

    Also ``a - b``. Not defined for bool tensors, as in PyTorch.

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.
        alpha: a number multiplying b. Default: 1.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.sub(minigrad.tensor([5.0, 7.0]), minigrad.tensor([1.0, 2.0]))
        tensor([4., 5.])
    """
    if builtins.any(isinstance(x, bool) or isinstance(x, Tensor) and x.array.dtype == bool for x in (a, b)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return P.binary(E.Sub, a, b if alpha == 1 else mul(b, alpha), "sub")


def mul(a, b):
    """Multiplies elementwise: `out_i = a_i · b_i`, with broadcasting (also ``a * b``).

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.mul(minigrad.tensor([1.0, 2.0, 3.0]), 2)
        tensor([2., 4., 6.])
        >>> minigrad.tensor([[1.0], [2.0]]) * minigrad.tensor([1.0, 10.0])
        tensor([[ 1., 10.],
                [ 2., 20.]])
    """
    return P.binary(E.Mul, a, b, "mul")


def div(a, b):
    """True division, elementwise: `out_i = a_i / b_i`, with broadcasting (also ``a / b``).

    Integer inputs give the default float dtype, as in PyTorch.

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.div(minigrad.tensor([1, 3]), 2)
        tensor([0.5000, 1.5000])
    """
    if isinstance(a, Tensor) and a.array.dtype.kind in "biu" and not (
            isinstance(b, Tensor) and b.array.dtype.kind == "f"):
        a = a.to(B.default_float())
    if isinstance(b, Tensor) and b.array.dtype.kind in "biu" and not (
            isinstance(a, Tensor) and a.array.dtype.kind == "f"):
        b = b.to(B.default_float())
    return P.binary(E.Div, a, b, "div")


true_divide = div


def pow(a, b):
    """Raises to a power, elementwise: `out_i = a_i ^ b_i`, with broadcasting (also ``a ** b``).

    Gradient: `b · a^(b-1)` for a, and `a^b · log(a)` for b.

    Args:
        a: the base, a Tensor (or a number).
        b: the exponent, a Tensor or a number.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.pow(minigrad.tensor([1.0, 2.0, 3.0]), 2)
        tensor([1., 4., 9.])
        >>> 2 ** minigrad.tensor([0.0, 3.0])
        tensor([1., 8.])
    """

    def integral(x):
        return x.array.dtype.kind in "biu" if isinstance(x, Tensor) else isinstance(x, numbers.Integral)
    if integral(a) and integral(b):
        negative = bool((b.array < 0).any()) if isinstance(b, Tensor) else b < 0
        if negative:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
    return P.binary(E.Pow, a, b, "pow")


def floor_divide(a, b):
    """Division rounded down, elementwise: `out_i = ⌊a_i / b_i⌋` (Python's ``//``); no gradient.

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.floor_divide(minigrad.tensor([7, -7]), 2)
        tensor([ 3, -4])
    """
    return P.binary(E.FloorDivide, a, b, "floor_divide")


def remainder(a, b):
    """Remainder with the sign of the divisor (Python's ``%``): `out_i = a_i - ⌊a_i / b_i⌋ · b_i`.

    Differentiable in a and b.

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.remainder(minigrad.tensor([7, -7]), 3)
        tensor([1, 2])
    """
    return P.binary(E.Remainder, a, b, "remainder")


def neg(a):
    """Negates, elementwise: `out_i = -a_i` (also ``-a``).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.neg(minigrad.tensor([1.0, -2.0]))
        tensor([-1.,  2.])
    """
    return E.Neg.apply(a)


def exp(a):
    """Exponential, elementwise: `out_i = e^(a_i)`; its gradient is the output itself.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.exp(minigrad.tensor([0.0, 1.0]))
        tensor([1.0000, 2.7183])
    """
    return P.float_unary(E.Exp, a)


def log(a):
    """Natural logarithm, elementwise: `out_i = ln(a_i)` (-inf at 0, nan below); gradient `1 / a_i`.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.log(minigrad.tensor([1.0, 2.718281828]))
        tensor([0., 1.])
    """
    return P.float_unary(E.Log, a)


def sqrt(a):
    """Square root, elementwise: `out_i = √a_i`; gradient `1 / (2 √a_i)`.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.sqrt(minigrad.tensor([4.0, 9.0]))
        tensor([2., 3.])
    """
    return P.float_unary(E.Sqrt, a)


def abs(a):
    """Absolute value, elementwise: `out_i = |a_i|`; the gradient is sign(a_i) (0 at 0).

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.abs(minigrad.tensor([-1.5, 2.0]))
        tensor([1.5000, 2.0000])
    """
    return E.Abs.apply(a)


def sin(a):
    """Sine, elementwise: `out_i = sin(a_i)`; gradient `cos(a_i)`.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.sin(minigrad.tensor([0.0, 1.5707964]))
        tensor([0., 1.])
    """
    return P.float_unary(E.Sin, a)


def cos(a):
    """Cosine, elementwise: `out_i = cos(a_i)`; gradient `-sin(a_i)`.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.cos(minigrad.tensor([0.0, 3.1415927]))
        tensor([ 1., -1.])
    """
    return P.float_unary(E.Cos, a)


def tanh(a):
    """Hyperbolic tangent, elementwise: `out_i = tanh(a_i)`; gradient `1 - out_i²`.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.tanh(minigrad.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7616])
    """
    return P.float_unary(E.Tanh, a)


def sigmoid(a):
    """Logistic sigmoid, elementwise: `out_i = 1 / (1 + e^(-a_i))`, computed without overflow.

    Gradient: `out_i (1 - out_i)`.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.sigmoid(minigrad.tensor([-20.0, 0.0, 20.0]))
        tensor([2.0612e-09, 5.0000e-01, 1.0000e+00])
    """
    return P.float_unary(E.Sigmoid, a)


def relu(a):
    """Rectified linear unit, elementwise: `out_i = max(a_i, 0)`; gradient 1 where a_i > 0, else 0.

    Args:
        a: the input Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.relu(minigrad.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    return E.Relu.apply(a)


def gelu(a, approximate="none"):
    """Gaussian error linear unit, elementwise: `out_i = a_i · Φ(a_i)`, Φ the standard normal CDF.

    Args:
        a: the input Tensor.
        approximate: 'none' (exact, with erf) or 'tanh' (the tanh approximation). Default: 'none'.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.gelu(minigrad.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return P.float_unary(E.Gelu, a) if approximate == "none" else E.Gelu.apply(a, "tanh")


def clamp(a, min=None, max=None):
    """Limits every element to [min, max]: `out_i = min(max(a_i, min), max)` (also ``clip``).

    The gradient is 1 where the element lies inside the bounds, else 0. An integer tensor with
    float bounds gives floats, as in PyTorch.

    Args:
        a: the input Tensor.
        min: the lower bound (a number or a Tensor), or None for none.
        max: the upper bound (a number or a Tensor), or None for none; not both None.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> minigrad.clamp(minigrad.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = a
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if a.array.dtype.kind != "f" and builtins.any(isinstance(v, float) for v in (min, max)):
        a = a.to(B.default_float())  # an int tensor clamped to float bounds gives floats, as in PyTorch
    return E.Clamp.apply(a, min, max)


clip = clamp


def maximum(a, b):
    """Elementwise maximum of two tensors: `out_i = max(a_i, b_i)`; ties share the gradient.

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.maximum(minigrad.tensor([1.0, 5.0]), minigrad.tensor([3.0, 2.0]))
        tensor([3., 5.])
    """
    return P.binary(E.Maximum, a, P.as_tensor_like(b, a), "maximum")


def minimum(a, b):
    """Elementwise minimum of two tensors: `out_i = min(a_i, b_i)`; ties share the gradient.

    Args:
        a: a Tensor (or a number).
        b: a Tensor or a number, broadcast against a.

    Shape:
        a and b broadcast to a common shape, which is the output's shape.

    Example:
        >>> minigrad.minimum(minigrad.tensor([1.0, 5.0]), minigrad.tensor([3.0, 2.0]))
        tensor([1., 2.])
    """
    return P.binary(E.Minimum, a, P.as_tensor_like(b, a), "minimum")


def where(condition, input=None, other=None):
    """Chooses elementwise between two tensors: `out_i = input_i if condition_i else other_i`.

    All three broadcast together; the gradient flows to input where the condition holds and to
    other elsewhere. With only the condition, returns the indices of its non-zero elements, as
    ``nonzero(condition, as_tuple=True)``.

    Args:
        condition: a bool Tensor.
        input: the values taken where condition is True (a Tensor or a number).
        other: the values taken where condition is False (a Tensor or a number).

    Shape:
        condition, input and other broadcast to a common shape, which is the output's shape.

    Example:
        >>> x = minigrad.tensor([-1.0, 2.0, -3.0])
        >>> minigrad.where(x > 0, x, 0.0)
        tensor([0., 2., 0.])
        >>> minigrad.where(x > 0)
        (tensor([1]),)
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition.array if isinstance(condition, Tensor) else condition
    if not B.is_array(cond) or cond.dtype != bool:
        raise TypeError(f"where: expected condition to be a bool tensor, got "
                        f"{getattr(cond, 'dtype', type(cond).__name__)}")
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        if input.dtype != other.dtype:
            ki, ko = P.category(input.array.dtype), P.category(other.array.dtype)
            if ki > ko or ki == ko and other.ndim == 0 and input.ndim:
                other = other.to(input.dtype)
            elif ko > ki or other.ndim and input.ndim == 0:
                input = input.to(other.dtype)
            else:
                dt = B.to_dtype(B.np.promote_types(input.array.dtype, other.array.dtype))
                input, other = input.to(dt), other.to(dt)
    elif isinstance(input, Tensor):
        input, other = P.scalar_promote(input, other)
        other = B.np.asarray(other, dtype=input.array.dtype)[()]
    elif isinstance(other, Tensor):
        other, input = P.scalar_promote(other, input)
        input = B.np.asarray(input, dtype=other.array.dtype)[()]
    return E.Where.apply(cond, input, other)
