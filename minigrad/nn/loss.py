"""Loss modules: CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss,
SmoothL1Loss and HuberLoss."""
from __future__ import annotations

from typing import Optional
from . import functional as F
from .module import Module
from ..tensor import Tensor

__all__ = ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss",
           "SmoothL1Loss", "HuberLoss"]


class _Loss(Module):
    def __init__(self, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._reduction(size_average, reduce, reduction, type(self).__name__)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy between unnormalised logits and target classes (log_softmax + NLLLoss in one step).

    For a sample with logits x (length C) and class index y, with class weights w (all 1 if not given):

        loss = -w[y] · log( exp(x[y]) / Σ_c exp(x[c]) ) = w[y] · (logsumexp(x) - x[y])

    With reduction='mean' the sum is divided by Σ w[y_n] over the samples that are not ignored.
    The target may instead hold class probabilities p (same shape as the input): then
    loss = -Σ_c w[c] p[c] log_softmax(x)[c], and 'mean' divides by the number of samples.
    label_smoothing ε replaces the target by (1 - ε) · target + ε / C.

    Args:
        weight: optional (C,) Tensor, a rescaling weight for each class.
        ignore_index: a target value whose samples are skipped (no loss, no gradient). Only for
            class-index targets. Default: -100.
        reduction: 'mean' (default) averages the per-element losses, 'sum' adds them, 'none'
            returns them unreduced.
        size_average: PyTorch's deprecated flag; with ``reduce`` it sets reduction (warns).
        reduce: PyTorch's deprecated flag (see size_average).
        label_smoothing: ε in [0, 1]. Default: 0.

    Shape:
        - Input: `(C)`, `(N, C)` or `(N, C, d_1, ..., d_K)` for K-dimensional losses (e.g. per pixel
          or per time step).
        - Target: class indices `()`, `(N)` or `(N, d_1, ..., d_K)`, int64 in [0, C); or
          probabilities of the input's shape.
        - Output: a 0-d Tensor, or the target's shape `(N, d_1, ..., d_K)` with reduction='none'.

    Example:
        >>> loss = nn.CrossEntropyLoss()
        >>> logits = minigrad.tensor([[2.0, 0.5, -1.0], [0.1, 1.5, 0.3]], requires_grad=True)
        >>> target = minigrad.tensor([0, 1])
        >>> out = loss(logits, target)
        >>> out
        tensor(0.3391, grad_fn=<...>)
        >>> out.backward()
        >>> logits.grad.shape
        (2, 3)
    """

    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 ignore_index: int = -100, reduce: Optional[bool] = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Loss of logits `input` at `target`: a scalar, or per element for reduction='none'."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of class indices under given log-probabilities.

    The input holds log-probabilities (e.g. from `LogSoftmax`); for sample n with target y_n:

        loss_n = -w[y_n] · input[n, y_n]

    and reduction='mean' divides the sum by Σ w[y_n] over the samples that are not ignored.

    Args:
        weight: optional (C,) Tensor, a rescaling weight for each class.
        ignore_index: a target value whose samples are skipped. Default: -100.
        reduction: 'mean' (default) averages the per-element losses, 'sum' adds them, 'none'
            returns them unreduced.
        size_average: PyTorch's deprecated flag; with ``reduce`` it sets reduction (warns).
        reduce: PyTorch's deprecated flag (see size_average).

    Shape:
        - Input: `(C)`, `(N, C)` or `(N, C, d_1, ..., d_K)`.
        - Target: `()`, `(N)` or `(N, d_1, ..., d_K)`, int64 class indices in [0, C).
        - Output: a 0-d Tensor, or the target's shape with reduction='none'.

    Example:
        >>> log_probs = minigrad.tensor([[-0.1, -2.5], [-1.2, -0.4]])
        >>> nn.NLLLoss()(log_probs, minigrad.tensor([0, 1]))
        tensor(0.2500)
    """

    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 ignore_index: int = -100, reduce: Optional[bool] = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Loss of log-probabilities `input` at `target`."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy on logits: a sigmoid and `BCELoss` in one numerically stable step.

    For logit x, target y in [0, 1], element weight w and positive-class weight p:

        loss = -w · (p · y · log σ(x) + (1 - y) · log(1 - σ(x)))

    computed with a stable log-sigmoid, so large |x| does not overflow or lose precision.

    Args:
        weight: optional Tensor broadcastable to the input, a weight for each element.
        reduction: 'mean' (default) averages the per-element losses, 'sum' adds them, 'none'
            returns them unreduced.
        size_average: PyTorch's deprecated flag; with ``reduce`` it sets reduction (warns).
        reduce: PyTorch's deprecated flag (see size_average).
        pos_weight: optional Tensor broadcastable to the input (usually (C,)), weighting the
            positive term; p > 1 raises recall, p < 1 precision.

    Shape:
        - Input: `(*)`, any shape.
        - Target: `(*)`, the input's shape.
        - Output: a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> logits = minigrad.tensor([0.8, -1.2, 2.0])
        >>> nn.BCEWithLogitsLoss()(logits, minigrad.tensor([1.0, 0.0, 1.0]))
        tensor(0.2538)
    """

    def __init__(self, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
                 reduce: Optional[bool] = None, reduction: str = "mean",
                 pos_weight: Optional[Tensor] = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """Loss of logits `input` against targets in [0, 1]."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class MSELoss(_Loss):
    """Squared error between each element of input and target: `loss_i = (x_i - y_i)^2`.

    Args:
        reduction: 'mean' (default) averages the per-element losses, 'sum' adds them, 'none'
            returns them unreduced.
        size_average: PyTorch's deprecated flag; with ``reduce`` it sets reduction (warns).
        reduce: PyTorch's deprecated flag (see size_average).

    Shape:
        - Input: `(*)`, any shape.
        - Target: `(*)`, the input's shape.
        - Output: a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> x, y = minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([1.5, 2.0, 5.0])
        >>> nn.MSELoss()(x, y)
        tensor(1.4167)
        >>> nn.MSELoss(reduction='none')(x, y)
        tensor([0.2500, 0.0000, 4.0000])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """(input - target)^2, reduced."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Absolute error between each element of input and target: `loss_i = |x_i - y_i|`.

    Args:
        reduction: 'mean' (default) averages the per-element losses, 'sum' adds them, 'none'
            returns them unreduced.
        size_average: PyTorch's deprecated flag; with ``reduce`` it sets reduction (warns).
        reduce: PyTorch's deprecated flag (see size_average).

    Shape:
        - Input: `(*)`, any shape.
        - Target: `(*)`, the input's shape.
        - Output: a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> nn.L1Loss()(minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([1.5, 2.0, 5.0]))
        tensor(0.8333)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """|input - target|, reduced."""
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error for small differences, absolute error for large ones; for d = x - y:

        loss = 0.5 · d^2 / beta     if |d| < beta
               |d| - 0.5 · beta     otherwise

    Less sensitive to outliers than `MSELoss`; beta = 0 gives `L1Loss`.

    Args:
        reduction: 'mean' (default) averages the per-element losses, 'sum' adds them, 'none'
            returns them unreduced.
        size_average: PyTorch's deprecated flag; with ``reduce`` it sets reduction (warns).
        reduce: PyTorch's deprecated flag (see size_average).
        beta: where the two pieces meet, >= 0. Default: 1.0.

    Shape:
        - Input: `(*)`, any shape.
        - Target: `(*)`, the input's shape.
        - Output: a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> nn.SmoothL1Loss()(minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([1.5, 2.0, 5.0]))
        tensor(0.5417)
    """

    def __init__(self, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """smooth_l1(input - target), reduced."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: squared error for small differences, delta-scaled absolute error; for d = x - y:

        loss = 0.5 · d^2                     if |d| <= delta
               delta · (|d| - 0.5 · delta)   otherwise

    Equal to delta · `SmoothL1Loss` with beta = delta.

    Args:
        reduction: 'mean' (default), 'sum' or 'none' (per-element losses).
        delta: where the two pieces meet, > 0. Default: 1.0.

    Shape:
        - Input: `(*)`, any shape.
        - Target: `(*)`, the input's shape.
        - Output: a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> nn.HuberLoss(delta=0.5)(minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([1.5, 2.0, 5.0]))
        tensor(0.3333)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """huber(input - target), reduced."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy between probabilities x in [0, 1] and targets y in [0, 1]:

        loss = -w · (y · log x + (1 - y) · log(1 - x))

    Each log is clamped at -100, as in PyTorch, so x = 0 or 1 gives a finite loss. For logits, use
    `BCEWithLogitsLoss` instead: it is more accurate.

    Args:
        weight: optional Tensor broadcastable to the input, a weight for each element.
        reduction: 'mean' (default) averages the per-element losses, 'sum' adds them, 'none'
            returns them unreduced.
        size_average: PyTorch's deprecated flag; with ``reduce`` it sets reduction (warns).
        reduce: PyTorch's deprecated flag (see size_average).

    Shape:
        - Input: `(*)`, any shape.
        - Target: `(*)`, the input's shape.
        - Output: a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> probs = minigrad.tensor([0.8, -1.2, 2.0]).sigmoid()
        >>> nn.BCELoss()(probs, minigrad.tensor([1.0, 0.0, 1.0]))
        tensor(0.2538)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """-[y log x + (1 - y) log(1 - x)], weighted and reduced."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)
