"""Dropout: inverted dropout during training, the identity in eval mode."""
from __future__ import annotations

import numbers

from . import functional as F
from .module import Module
from ..tensor import Tensor

__all__ = ["Dropout"]


class Dropout(Module):
    """Inverted dropout: in training, zeroes each element with probability p and scales the rest.

        y_i = (m_i x_i) / (1 - p),     m_i ~ Bernoulli(1 - p)

    so the expected value of every output equals its input. In eval mode (``module.eval()``) the
    layer is the identity. The mask comes from minigrad's generator (see ``minigrad.manual_seed``).

    Args:
        p: probability of zeroing an element, in [0, 1]. Default: 0.5.
        inplace: if True, overwrite the input instead of allocating the result. Default: False.

    Shape:
        - Input: `(*)`, any shape.
        - Output: `(*)`, the same shape.

    Example:
        >>> drop = nn.Dropout(p=0.5)
        >>> y = drop(minigrad.ones(4, 4))
        >>> sorted(set(y.flatten().tolist())) in ([0.0, 2.0], [0.0], [2.0])
        True
        >>> drop.eval()(minigrad.ones(2))
        tensor([1., 1.])
    """

    p: float
    inplace: bool

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(p, numbers.Real) or p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Dropout of input (unchanged in eval mode)."""
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
