"""LayerNorm: normalisation over the trailing dimensions with a learnable affine transform."""
from __future__ import annotations

from typing import Any
import numbers

from .. import backend as B
from . import functional as F
from . import init
from .module import Module, Parameter
from ..tensor import Tensor

__all__ = ["LayerNorm"]


class LayerNorm(Module):
    """Layer normalisation (Ba et al., 2016) over the trailing dims given by ``normalized_shape``:

        y = (x - E[x]) / √(Var[x] + ε) · γ + β

    The mean and the biased variance are taken over the last ``len(normalized_shape)`` dims of each
    sample; `γ` (weight) and `β` (bias) are learnable, of shape normalized_shape.

    Args:
        normalized_shape: int or tuple, the trailing shape to normalise over.
        eps: added to the variance for numerical stability. Default: 1e-5.
        elementwise_affine: if True (default), learn weight (init 1) and bias (init 0).
        bias: if False, learn no bias (only when elementwise_affine). Default: True.
        device: where the parameters live (None: the default device).
        dtype: their floating dtype (None: the default float dtype).

    Shape:
        - Input: `(*, normalized_shape)`.
        - Output: the same shape as the input.

    Example:
        >>> ln = nn.LayerNorm(4)
        >>> y = ln(minigrad.tensor([[1.0, 2.0, 3.0, 4.0]]))
        >>> round(y.mean().item(), 6), round(y.var(unbiased=False).item(), 3)
        (0.0, 1.0)
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: Any = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = (B.to_dtype(dtype) if dtype is not None else B.default_float()).np
        xp = B.xp_for(device)
        if elementwise_affine:
            self.weight = Parameter(xp.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(xp.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """Layer-normalised input, same shape."""
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
