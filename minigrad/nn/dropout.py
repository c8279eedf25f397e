"""Dropout: inverted dropout during training, the identity in eval mode."""
import numbers

from . import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zeroes each element with probability p in training and scales the rest by 1 / (1 - p); any shape."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not isinstance(p, numbers.Real) or p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        """Dropout of input (unchanged in eval mode)."""
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
