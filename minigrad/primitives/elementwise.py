"""Elementwise ops with broadcasting: arithmetic, exp/log family, activations, clamp, where, casts."""
import math

from .. import backend as B
from .base import Op, broadcast_error as _broadcast_error, shape_of as _shape


class Add(Op):
    @staticmethod
    def forward(ctx, a, b):
        try:
            return a + b
        except ValueError:
            raise _broadcast_error("add", a, b) from None

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (g if na else None), (g if nb else None)


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b):
        try:
            return a - b
        except ValueError:
            raise _broadcast_error("sub", a, b) from None

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        return (g if na else None), (-g if nb else None)


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(b if na else None, a if nb else None)  # only what backward needs
        try:
            return a * b
        except ValueError:
            raise _broadcast_error("mul", a, b) from None

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (g * b if na else None), (g * a if nb else None)


class Div(Op):
    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b)
        try:
            return a / b
        except ValueError:
            raise _broadcast_error("div", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g / b if na else None
        gb = -g * a / (b * b) if nb else None
        return ga, gb


class Pow(Op):
    @staticmethod
    def forward(ctx, a, b):
        try:
            out = a ** b
            ctx.overload = int(B.is_array(b))  # tensor ** tensor is PowBackward1
        except ValueError:
            raise _broadcast_error("pow", a, b) from None
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:  # b * a^(b-1), defined as 0 where b == 0 (as PyTorch does, also at a == 0)
            xp = B.get_array_module(g)
            with B.np.errstate(divide="ignore", invalid="ignore"):
                ga = g * b * a ** (b - 1)
            ga = xp.where(b == 0, 0, ga) if B.is_array(b) or b == 0 else ga
        if nb:
            xp = B.get_array_module(out)
            # d(a^b)/db = a^b log a (nan for a < 0); PyTorch defines it as 0 where a == 0 and b >= 0
            with B.np.errstate(divide="ignore", invalid="ignore"):
                log_a = xp.log(a) if B.is_array(a) else (math.log(a) if a > 0 else -math.inf if a == 0
                                                         else math.nan)
                gb = xp.where((a == 0) & (b >= 0), 0, g * out * log_a)
        return ga, gb


def _check_int_division(op, a, b):
    """Integer // and % by zero raise (as in PyTorch) instead of giving NumPy's silent 0."""
    kinds = [getattr(x, "dtype", None) or B.np.dtype(type(x)) for x in (a, b)]
    if kinds[0].kind in "biu" and kinds[1].kind in "biu":
        if bool((b == 0).any()) if B.is_array(b) else b == 0:
            raise ZeroDivisionError(f"{op}: integer division by zero")


class FloorDivide(Op):
    """a // b, rounded down; piecewise constant, so no gradient flows."""

    @staticmethod
    def forward(ctx, a, b):
        _check_int_division("floor_divide", a, b)
        try:
            return a // b
        except ValueError:
            raise _broadcast_error("floor_divide", a, b) from None

    @staticmethod
    def backward(ctx, g):
        return None, None


class Remainder(Op):
    """a % b with the sign of b (Python's %); d/da = 1, d/db = -floor(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        _check_int_division("remainder", a, b)
        ctx.save_for_backward(a, b)
        try:
            return a % b
        except ValueError:
            raise _broadcast_error("remainder", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g if na else None
        gb = -g * (a // b) if nb else None
        return ga, gb


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Op):
    @staticmethod
    def forward(ctx, a):
        out = B.get_array_module(a).exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class Log(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with B.np.errstate(divide="ignore", invalid="ignore"):
            return B.get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / a


class Sqrt(Op):
    @staticmethod
    def forward(ctx, a):
        with B.np.errstate(invalid="ignore"):
            out = B.get_array_module(a).sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        with B.np.errstate(divide="ignore"):
            return g / (2 * out)


class Abs(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return abs(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * B.get_array_module(a).sign(a)


class Sin(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return B.get_array_module(a).sin(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * B.get_array_module(a).cos(a)


class Cos(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return B.get_array_module(a).cos(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return -g * B.get_array_module(a).sin(a)


class Tanh(Op):
    @staticmethod
    def forward(ctx, a):
        out = B.get_array_module(a).tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (1 - out * out)


def sigmoid_array(a):
    """Numerically stable logistic function on a backend array."""
    xp = B.get_array_module(a)
    e = xp.exp(-abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Op):
    @staticmethod
    def forward(ctx, a):
        out = sigmoid_array(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out * (1 - out)


class Relu(Op):
    @staticmethod
    def forward(ctx, a):
        out = B.get_array_module(a).maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (out > 0)


class Gelu(Op):
    """x * Phi(x) with the exact normal CDF (approximate='none') or the tanh form ('tanh')."""

    @staticmethod
    def forward(ctx, a, approximate="none"):
        xp = B.get_array_module(a)
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            k = (2 / xp.pi) ** 0.5
            return 0.5 * a * (1 + xp.tanh(k * (a + 0.044715 * a ** 3)))
        return 0.5 * a * (1 + B.erf(a / 2 ** 0.5))

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        xp = B.get_array_module(a)
        if ctx.approximate == "tanh":
            k = (2 / xp.pi) ** 0.5
            inner = k * (a + 0.044715 * a ** 3)
            t = xp.tanh(inner)
            return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * k * (1 + 3 * 0.044715 * a * a))
        cdf = 0.5 * (1 + B.erf(a / 2 ** 0.5))
        pdf = xp.exp(-0.5 * a * a) / (2 * xp.pi) ** 0.5
        return g * (cdf + a * pdf)


class LeakyRelu(Op):
    """x if x > 0 else negative_slope * x."""

    @staticmethod
    def forward(ctx, a, slope):
        pos = a > 0
        ctx.save_for_backward(pos)
        ctx.slope = slope
        return B.get_array_module(a).where(pos, a, a * slope).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        pos, = ctx.saved_tensors
        return B.get_array_module(g).where(pos, g, g * ctx.slope).astype(g.dtype, copy=False)


class Elu(Op):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    @staticmethod
    def forward(ctx, a, alpha):
        xp = B.get_array_module(a)
        pos, neg = a > 0, alpha * xp.expm1(xp.minimum(a, 0))
        ctx.save_for_backward(pos, neg)  # not `a`: elu(inplace=True) overwrites it
        ctx.alpha = alpha
        return xp.where(pos, a, neg).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        pos, neg = ctx.saved_tensors
        return B.get_array_module(g).where(pos, g, g * (neg + ctx.alpha)).astype(g.dtype, copy=False)


class Silu(Op):
    """x * sigmoid(x)."""

    @staticmethod
    def forward(ctx, a):
        s = sigmoid_array(a)
        out = a * s
        ctx.save_for_backward(s, out)  # not `a`: silu(inplace=True) overwrites it
        return out

    @staticmethod
    def backward(ctx, g):
        s, out = ctx.saved_tensors
        return g * (s + out * (1 - s))


class Softplus(Op):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""

    @staticmethod
    def forward(ctx, a, beta, threshold):
        xp = B.get_array_module(a)
        z = a * beta
        ctx.save_for_backward(z)
        ctx.threshold = threshold
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-abs(z)))) / beta
        return xp.where(z > threshold, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        z, = ctx.saved_tensors
        return B.get_array_module(g).where(z > ctx.threshold, g, g * sigmoid_array(z))


class Clamp(Op):
    overload = 1

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        ctx.save_for_backward(a)
        ctx.bounds = (min, max)
        xp = B.get_array_module(a)
        out = a if min is None else xp.maximum(a, min)
        out = out if max is None else xp.minimum(out, max)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        lo, hi = ctx.bounds
        mask = True
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            mask = mask & (a <= hi)
        return g * mask


class Maximum(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return B.get_array_module(a).maximum(a, b)
        except ValueError:
            raise _broadcast_error("maximum", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _tie_split(ctx, g, a > b, a < b, a, b)


class Minimum(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return B.get_array_module(a).minimum(a, b)
        except ValueError:
            raise _broadcast_error("minimum", a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _tie_split(ctx, g, a < b, a > b, a, b)


def _tie_split(ctx, g, a_wins, b_wins, a, b):
    """Gradient of max/min: to the winner, split in half on ties (as PyTorch does)."""
    xp = B.get_array_module(g)
    half = xp.where(a_wins | b_wins, g, g / 2)
    na, nb = ctx.needs_input_grad
    ga = xp.where(b_wins, 0, half) if na else None
    gb = xp.where(a_wins, 0, half) if nb else None
    return ga, gb


class Where(Op):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        try:
            return B.get_array_module(cond).where(cond, a, b)
        except ValueError:
            raise RuntimeError(f"where: the shapes of condition {tuple(cond.shape)}, input "
                               f"{tuple(_shape(a))} and other {tuple(_shape(b))} cannot be broadcast "
                               f"together") from None

    @staticmethod
    def backward(ctx, g):
        cond, = ctx.saved_tensors
        xp = B.get_array_module(g)
        _, na, nb = ctx.needs_input_grad
        ga = xp.where(cond, g, 0) if na else None
        gb = xp.where(cond, 0, g) if nb else None
        return None, ga, gb


class Cast(Op):
    node = "ToCopy"

    @staticmethod
    def forward(ctx, a, np_dtype):
        ctx.src = a.dtype
        return a.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.src)


class ToDevice(Op):
    node = "ToCopy"

    @staticmethod
    def forward(ctx, a, device):
        ctx.src = B.device_of(a)
        return B.to_device(a, device)

    @staticmethod
    def backward(ctx, g):
        return B.to_device(g, ctx.src)


class Clone(Op):
    """A copy of the data that stays in the graph."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g
