"""Dropout: inverted dropout during training, the identity in eval mode."""
from __future__ import annotations

import numbers

from . import functional as F
from .module import Module
from ..tensor import Tensor

__all__ = ["Dropout"]


class Dropout(Module):
    """Zeroes each element with probability p in training and scales the rest by 1 / (1 - p); any shape."""

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
