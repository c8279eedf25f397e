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

__all__ = ["Linear", "Identity", "Flatten", "Unflatten"]


def _empty(shape, device, dtype):
    """An uninitialised (zero-filled) Parameter of `shape` on device/dtype (defaults when None)."""
    dt = B.to_dtype(dtype) if dtype is not None else B.default_float()
    return Parameter(B.xp_for(device).zeros(shape, dtype=dt.np))


class Linear(Module):
    """y = x W^T + b: input (*, in_features) -> (*, out_features); weight (out, in), bias (out,)."""

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


class Identity(Module):
    """Returns its input unchanged (constructor arguments are ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """input -> input."""
        return input


class Flatten(Module):
    """Merges dims start_dim..end_dim into one: (N, *dims) -> (N, prod(dims)) by default."""

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
    """Splits dimension `dim` into `unflattened_size`: (*, prod(sizes), *) -> (*, *sizes, *)."""

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
