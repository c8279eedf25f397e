"""Linear, Identity, Flatten and Unflatten layers."""
from __future__ import annotations

from typing import Any, Optional
import math

from .. import backend as B
from .. import ops
from . import functional as F
from . import init
from .module import Module, Parameter
from ..tensor import Tensor

__all__ = ["Linear", "Identity", "Flatten", "Unflatten", "NonDynamicallyQuantizableLinear"]


def _empty(shape, device, dtype):
    """An uninitialised (zero-filled) Parameter of `shape` on device/dtype (defaults when None)."""
    dt = B.to_dtype(dtype) if dtype is not None else B.default_float()
    return Parameter(B.xp_for(device).zeros(shape, dtype=dt.np))


class Linear(Module):
    """Applies an affine map to the last dimension: `y = x W^T + b`.

    Args:
        in_features: size of each input sample (the last dimension of the input).
        out_features: size of each output sample.
        bias: if False, the layer learns no additive bias. Default: True.
        device: where the parameters live (None: the default device).
        dtype: dtype of the parameters (None: the default float dtype).

    Shape:
        - Input: `(*, H_in)`, where `*` is any number of leading dims (also none)
          and `H_in = in_features`.
        - Output: `(*, H_out)`, the leading dims unchanged, `H_out = out_features`.

    Attributes:
        weight: learnable, shape (out_features, in_features), drawn from
            `U(-√k, √k)` with `k = 1 / in_features`.
        bias: learnable, shape (out_features,), same distribution; None when bias=False.

    Example:
        >>> layer = nn.Linear(20, 30)
        >>> x = minigrad.randn(128, 20)
        >>> layer(x).shape
        (128, 30)
    """

    def __init__(self, in_features: int, out_features: int, bias: Any = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int) or isinstance(n, bool):
                raise TypeError(f"Linear: {name} must be an int, got {type(n).__name__} {n!r}")
            if n < 0:
                raise RuntimeError(f"Linear: {name} must be non-negative, got {n}")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _empty((out_features, in_features), device, dtype)
        if bias:
            self.bias = _empty((out_features,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight ~ kaiming_uniform(a=sqrt(5)), bias ~ U(+-1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """input (*, in_features) -> (*, out_features)."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """A plain Linear under the name PyTorch gives MultiheadAttention's output projection (in
    PyTorch's nn/modules/linear.py, like here)."""


class Identity(Module):
    """A placeholder layer that returns its input unchanged: `y = x`.

    Args:
        *args: accepted and ignored (so it can stand in for any layer), as in PyTorch.
        **kwargs: accepted and ignored.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape (the same Tensor object).

    Example:
        >>> x = minigrad.randn(2, 3)
        >>> nn.Identity(54, unused="ignored")(x) is x
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """input -> input."""
        return input


class Flatten(Module):
    """Flattens a contiguous range of dims into one (a reshape, no copy when possible).

    Args:
        start_dim: first dim to flatten. Default: 1 (keeps the batch dim).
        end_dim: last dim to flatten, inclusive; negative counts from the end. Default: -1.

    Shape:
        - Input: `(*, S_start, ..., S_end, *)`.
        - Output: `(*, S_start · ... · S_end, *)`.

    Example:
        >>> x = minigrad.randn(32, 1, 5, 5)
        >>> nn.Flatten()(x).shape
        (32, 25)
        >>> nn.Flatten(0, 2)(x).shape
        (160, 5)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """Flatten input over [start_dim, end_dim]."""
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits one dim into several, the inverse of `Flatten`.

    Args:
        dim: the dim to split (negative counts from the end).
        unflattened_size: the new sizes; their product must equal the size of ``dim``.

    Shape:
        - Input: `(*, S_dim, *)`.
        - Output: `(*, U_1, ..., U_n, *)` with `U_1 · ... · U_n = S_dim`.

    Example:
        >>> x = minigrad.randn(2, 50)
        >>> nn.Unflatten(1, (2, 5, 5))(x).shape
        (2, 2, 5, 5)
    """

    def __init__(self, dim: Optional[int], unflattened_size: Any) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        """Reshape dim `dim` of input into `unflattened_size`."""
        d = ops.normalize_dim(self.dim, input.ndim, "unflatten")
        return input.reshape(input.shape[:d] + self.unflattened_size + input.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
