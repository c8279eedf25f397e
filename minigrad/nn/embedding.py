"""Embedding: a lookup table of learnable vectors indexed by integer ids."""
from __future__ import annotations

import numbers
from typing import Any, Optional

from .. import backend as B
from ..errors import ShapeError
from ..autograd import no_grad
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table of learnable rows: `out[..., :] = weight[input[...], :]`.

    Args:
        num_embeddings: number of rows (the vocabulary size); indices must lie in [0, num_embeddings).
        embedding_dim: length of each row.
        padding_idx: if given, that row starts at zero and never receives a gradient, so it stays a
            fixed "padding" vector (negative values count from the end).
        max_norm: if given, every row looked up whose ``norm_type``-norm exceeds it is rescaled, in
            place, to norm ``max_norm`` before use.
        norm_type: the p of the p-norm used by max_norm. Default: 2.
        scale_grad_by_freq: if True, each row's gradient is divided by how often its index occurs in
            the mini-batch. Default: False.
        sparse: accepted for PyTorch compatibility; the gradient is always dense here.
        device: where the weight lives (None: the default device).
        dtype: its floating dtype (None: the default float dtype).

    Shape:
        - Input: `(*)`, an integer (int32/int64) Tensor of any shape.
        - Output: `(*, embedding_dim)`.

    Attributes:
        weight: learnable, shape (num_embeddings, embedding_dim), drawn from `N(0, 1)`.

    Example:
        >>> emb = nn.Embedding(10, 3, padding_idx=0)
        >>> ids = minigrad.tensor([[1, 2, 0], [4, 3, 9]])
        >>> emb(ids).shape
        (2, 3, 3)
        >>> emb(ids)[0, 2]
        tensor([0., 0., 0.], grad_fn=<...>)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: Optional[int] = None,
                 max_norm: Optional[float] = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Any = None,
                 _freeze: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for name, size in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(size, bool) or not isinstance(size, numbers.Integral):
                raise TypeError(f"Embedding: {name} must be an int, got {size!r}")
            if size < 0:
                raise ShapeError(f"Embedding: {name} must be non-negative, got {size} (Trying to "
                                 f"create tensor with negative dimension {size}: "
                                 f"[{num_embeddings}, {embedding_dim}])")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = F._normalize_padding_idx(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            dt = B.to_dtype(dtype) if dtype is not None else B.default_float()
            self.weight = Parameter(B.xp_for(device).zeros((num_embeddings, embedding_dim), dtype=dt.np),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Shape of weight {tuple(_weight.shape)} does not match "
                                 f"num_embeddings and embedding_dim ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), with the padding row zeroed."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight.array[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        """Integer indices (*) -> embeddings (*, embedding_dim)."""
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: Optional[int] = None,
                        max_norm: Optional[float] = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> Embedding:
        """An Embedding whose weight is the given 2-D Tensor (shared, not copied).

        Args:
            embeddings: (num_embeddings, embedding_dim) Tensor; becomes ``weight``.
            freeze: if True (default), the weight does not require grad (it is not trained).
            padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse: as in `Embedding`.

        Example:
            >>> weight = minigrad.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
            >>> emb = nn.Embedding.from_pretrained(weight)
            >>> emb(minigrad.tensor([1]))
            tensor([[4.0000, 5.1000, 6.3000]])
        """
        if not isinstance(embeddings, Tensor) and not B.is_array(embeddings):
            raise TypeError(f"from_pretrained: expected a 2-D Tensor, got {type(embeddings).__name__}")
        if embeddings.ndim != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings, _freeze=freeze, padding_idx=padding_idx,
                   max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                   sparse=sparse)
