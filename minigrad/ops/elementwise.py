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
    """a + alpha * b, elementwise with broadcasting."""
    return P.binary(E.Add, a, b if alpha == 1 else mul(b, alpha), "add")


def sub(a, b, alpha=1):
    """a - alpha * b, elementwise with broadcasting (not defined for bool tensors, as in PyTorch)."""
    if builtins.any(isinstance(x, bool) or isinstance(x, Tensor) and x.array.dtype == bool for x in (a, b)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return P.binary(E.Sub, a, b if alpha == 1 else mul(b, alpha), "sub")


def mul(a, b):
    """a * b, elementwise with broadcasting."""
    return P.binary(E.Mul, a, b, "mul")


def div(a, b):
    """a / b (true division; integer inputs give the default float dtype)."""
    if isinstance(a, Tensor) and a.array.dtype.kind in "biu" and not (
            isinstance(b, Tensor) and b.array.dtype.kind == "f"):
        a = a.to(B.default_float())
    if isinstance(b, Tensor) and b.array.dtype.kind in "biu" and not (
            isinstance(a, Tensor) and a.array.dtype.kind == "f"):
        b = b.to(B.default_float())
    return P.binary(E.Div, a, b, "div")


true_divide = div


def pow(a, b):
    """a ** b, elementwise with broadcasting."""

    def integral(x):
        return x.array.dtype.kind in "biu" if isinstance(x, Tensor) else isinstance(x, numbers.Integral)
    if integral(a) and integral(b):
        negative = bool((b.array < 0).any()) if isinstance(b, Tensor) else b < 0
        if negative:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
    return P.binary(E.Pow, a, b, "pow")


def floor_divide(a, b):
    """a // b, rounding down (Python's //); no gradient."""
    return P.binary(E.FloorDivide, a, b, "floor_divide")


def remainder(a, b):
    """a % b with the sign of b (Python's %); differentiable in a and b."""
    return P.binary(E.Remainder, a, b, "remainder")


def neg(a):
    """-a."""
    return E.Neg.apply(a)


def exp(a):
    """e ** a, elementwise."""
    return P.float_unary(E.Exp, a)


def log(a):
    """Natural logarithm, elementwise."""
    return P.float_unary(E.Log, a)


def sqrt(a):
    """Square root, elementwise."""
    return P.float_unary(E.Sqrt, a)


def abs(a):
    """|a|, elementwise."""
    return E.Abs.apply(a)


def sin(a):
    """Sine, elementwise."""
    return P.float_unary(E.Sin, a)


def cos(a):
    """Cosine, elementwise."""
    return P.float_unary(E.Cos, a)


def tanh(a):
    """Hyperbolic tangent, elementwise."""
    return P.float_unary(E.Tanh, a)


def sigmoid(a):
    """1 / (1 + exp(-a)), elementwise and overflow-free."""
    return P.float_unary(E.Sigmoid, a)


def relu(a):
    """max(a, 0), elementwise."""
    return E.Relu.apply(a)


def gelu(a, approximate="none"):
    """Gaussian error linear unit: a * Phi(a) (exact, or the 'tanh' approximation)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return P.float_unary(E.Gelu, a) if approximate == "none" else E.Gelu.apply(a, "tanh")


def clamp(a, min=None, max=None):
    """Limit every element of `a` to [min, max] (either bound may be None)."""
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
    """Elementwise maximum of two tensors (ties share the gradient)."""
    return P.binary(E.Maximum, a, P.as_tensor_like(b, a), "maximum")


def minimum(a, b):
    """Elementwise minimum of two tensors (ties share the gradient)."""
    return P.binary(E.Minimum, a, P.as_tensor_like(b, a), "minimum")


def where(condition, input=None, other=None):
    """Pick `input` where condition is true, else `other` (broadcasting all three); with only the
    condition, the indices of its non-zero elements (as nonzero(as_tuple=True))."""
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
