"""Activation modules: ReLU, LeakyReLU, ELU, SiLU, Softplus, Tanh, Sigmoid, GELU, Softmax and
LogSoftmax."""
from __future__ import annotations

from typing import Optional
from . import functional as F
from .module import Module
from ..tensor import Tensor

__all__ = ["ReLU", "LeakyReLU", "ELU", "SiLU", "Softplus", "Tanh", "Sigmoid", "GELU", "Softmax",
           "LogSoftmax"]


class ReLU(Module):
    """Rectified linear unit, elementwise: `ReLU(x) = max(0, x)`.

    Args:
        inplace: if True, overwrite the input with the result. Default: False.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.ReLU()(minigrad.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """relu(input)."""
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """Leaky ReLU, elementwise: `x` where `x > 0`, else `negative_slope · x`.

    Args:
        negative_slope: slope for negative inputs. Default: 0.01.
        inplace: if True, overwrite the input with the result. Default: False.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.LeakyReLU(0.1)(minigrad.tensor([-2.0, 3.0]))
        tensor([-0.2000,  3.0000])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """leaky_relu(input)."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """Exponential linear unit, elementwise: `x` where `x > 0`, else `α (exp(x) - 1)`.

    Args:
        alpha: the value the negative side tends to is `-α`. Default: 1.0.
        inplace: if True, overwrite the input with the result. Default: False.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.ELU()(minigrad.tensor([-1.0, 1.0]))
        tensor([-0.6321,  1.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """elu(input)."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SiLU(Module):
    """Sigmoid-weighted linear unit (swish), elementwise: `SiLU(x) = x · σ(x)`.

    Args:
        inplace: if True, overwrite the input with the result. Default: False.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.SiLU()(minigrad.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7311])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """silu(input)."""
        return F.silu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """Smooth ReLU, elementwise: `Softplus(x) = log(1 + exp(β x)) / β`.

    Where `β x > threshold` the result is `x` itself (the two agree to float
    precision there, and the exponential would overflow).

    Args:
        beta: sharpness `β`. Default: 1.0.
        threshold: above it, the function is linear. Default: 20.0.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.Softplus()(minigrad.tensor([0.0, 30.0]))
        tensor([ 0.6931, 30.0000])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """softplus(input)."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Tanh(Module):
    """Hyperbolic tangent, elementwise: `tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))`.

    Its gradient is `1 - tanh^2(x)`, computed from the saved output.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.Tanh()(minigrad.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7616])
    """

    def forward(self, input: Tensor) -> Tensor:
        """tanh(input)."""
        return F.tanh(input)


class Sigmoid(Module):
    """Logistic sigmoid, elementwise: `σ(x) = 1 / (1 + exp(-x))`.

    Its gradient is `σ(x)(1 - σ(x))`, computed from the saved output.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.Sigmoid()(minigrad.tensor([0.0, 2.0]))
        tensor([0.5000, 0.8808])
    """

    def forward(self, input: Tensor) -> Tensor:
        """sigmoid(input)."""
        return F.sigmoid(input)


class GELU(Module):
    """Gaussian error linear unit, elementwise: `GELU(x) = x · Φ(x)`.

    `Φ` is the standard normal CDF, `Φ(x) = (1 + erf(x / √2)) / 2`.
    With ``approximate='tanh'``:
    `x / 2 (1 + tanh(√(2/π) (x + 0.044715 x^3)))`.

    Args:
        approximate: ``'none'`` (exact, default) or ``'tanh'``.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.GELU()(minigrad.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """gelu(input)."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Softmax along one dim: `Softmax(x_i) = exp(x_i) / Σ_j exp(x_j)`.

    Every slice along ``dim`` becomes a probability vector (entries in [0, 1], summing to 1). The
    maximum is subtracted first, so large inputs do not overflow.

    Args:
        dim: the dim to normalise over. None picks PyTorch's legacy default (0 for 0-, 1- and 3-D
            input, else 1) and warns.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.Softmax(dim=1)(minigrad.tensor([[1.0, 2.0, 3.0]]))
        tensor([[0.0900, 0.2447, 0.6652]])
    """

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """softmax(input, dim)."""
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log of softmax along one dim: `LogSoftmax(x_i) = x_i - log Σ_j exp(x_j)`.

    Computed as above (with the maximum subtracted), which is more accurate than ``log(softmax(x))``;
    pair it with `NLLLoss`, or use `CrossEntropyLoss` on the logits directly.

    Args:
        dim: the dim to normalise over (None: PyTorch's legacy default, with a warning).

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> nn.LogSoftmax(dim=1)(minigrad.tensor([[1.0, 2.0, 3.0]]))
        tensor([[-2.4076, -1.4076, -0.4076]])
    """

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """log_softmax(input, dim)."""
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


# PyTorch keeps MultiheadAttention in nn/modules/activation.py; code names it by that path
from .attention import MultiheadAttention  # noqa: E402,F401
