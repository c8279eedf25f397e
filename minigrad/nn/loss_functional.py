"""The losses of nn.functional (cross_entropy, nll_loss, mse_loss, ...), re-exported there.

Each takes `input` and `target` as torch.nn.functional's do, checks them early, and reduces with
'none' | 'mean' | 'sum'; the loss classes in nn/loss.py are thin modules over these functions."""

from __future__ import annotations

from typing import Optional
import warnings

from .. import backend as B
from .. import ops
from ..errors import DTypeError, ShapeError
from ..primitives import nn as NN
from ..tensor import Tensor
from .functional_checks import _check_tensor, _const_array, _float_input, _reduction, _shape_str


def _class_layout(input, op):
    """Number of classes, the (N, C, D) view of input and the shape targets must have."""
    _check_tensor(input, "input", op)
    if not input.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if input.ndim == 0:
        raise ShapeError(f"{op}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a "
                         f"0-d tensor")
    if input.ndim == 1:
        c = input.shape[0]
        return c, input.reshape(1, c, 1), ()
    n, c = input.shape[:2]
    d = 1
    for s in input.shape[2:]:
        d *= s
    return c, input.reshape(n, c, d), (n,) + input.shape[2:]


def _class_targets(target, input, target_shape, layout, ignore_index, op):
    """Validate integer class targets (shape, dtype, range) and return them as an (N, D) array."""
    _check_tensor(target, "target", op)
    if target.array.dtype.kind not in "iu":
        raise DTypeError(f"{op}: expected class-index targets of an integer dtype (int64), got "
                        f"{target.dtype}")
    if target.shape != target_shape:
        raise ShapeError(f"{op}: expected target of shape {_shape_str(target_shape)} for input of "
                         f"shape {_shape_str(input.shape)}, got {_shape_str(target.shape)}")
    if target.device != input.device:
        raise RuntimeError(f"{op}: target is on {target.device} but the input is on {input.device}")
    n_classes = layout[1]
    t = target.array.astype(B.np.int64, copy=False)
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bool(bad.any()):
        value = int(t[bad].reshape(-1)[0])
        raise IndexError(f"{op}: target {value} is out of bounds: expected class indices in "
                         f"[0, {n_classes - 1}] (or ignore_index={ignore_index})")
    return t.reshape(layout[0], layout[2])


def _class_weight(weight, input, n_classes, op):
    if weight is None:
        return None
    w = _const_array(weight, input, "weight", op)
    if w.shape != (n_classes,):
        raise ShapeError(f"{op}: expected weight of shape ({n_classes},) (one per class), got "
                         f"{_shape_str(w.shape)}")
    return w


def cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                  size_average: Optional[bool] = None, ignore_index: int = -100,
                  reduce: Optional[bool] = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits against class indices or class probabilities; see `nn.CrossEntropyLoss`.

    For logits x and class y: `loss = w[y] · (log Σ_c exp(x[c]) - x[y])`.

    Args:
        input: logits `(C)`, `(N, C)` or `(N, C, d_1, ..., d_K)`.
        target: int64 class indices `()`, `(N)` or `(N, d_1, ..., d_K)`; or probabilities of the
            input's shape.
        weight: optional (C,) class weights.
        ignore_index: a target value to skip. Default: -100.
        size_average: deprecated PyTorch flag; with ``reduce`` it overrides reduction (warns).
        reduce: deprecated PyTorch flag (see size_average).
        reduction: 'mean' (default), 'sum' or 'none'.
        label_smoothing: ε in [0, 1]. Default: 0.

    Shape:
        Output: a 0-d Tensor, or the target's shape with reduction='none'.

    Example:
        >>> F.cross_entropy(minigrad.tensor([[2.0, 0.5, -1.0]]), minigrad.tensor([0]))
        tensor(0.2413)
    """
    op = "cross_entropy"
    reduction = _reduction(size_average, reduce, reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ShapeError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    c, z, target_shape = _class_layout(input, op)
    w = _class_weight(weight, input, c, op)
    _check_tensor(target, "target", op)
    if target.dtype.is_floating_point:
        if ignore_index >= 0:
            raise RuntimeError(f"{op}: ignore_index is not supported for floating point target "
                               f"(class probabilities), got ignore_index={ignore_index}")
        if target.shape != input.shape:
            raise ShapeError(
                f"{op}: a floating point target holds class probabilities and must have the input's "
                f"shape {_shape_str(input.shape)}, got {_shape_str(target.shape)} (class-index "
                f"targets of shape {_shape_str(target_shape)} must be int64)")
        q = target.to(input.dtype).reshape(z.shape)
        out = NN.CrossEntropyProbs.apply(z, q, w, reduction, float(label_smoothing))
    else:
        t = _class_targets(target, input, target_shape, z.shape, ignore_index, op)
        out = NN.CrossEntropy.apply(z, t, w, ignore_index, reduction, float(label_smoothing))
    return out.reshape(target_shape) if reduction == "none" else out


def nll_loss(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
             size_average: Optional[bool] = None, ignore_index: int = -100,
             reduce: Optional[bool] = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: `loss_n = -w[y_n] · input[n, y_n]`; see `nn.NLLLoss`.

    Args:
        input: log-probabilities `(C)`, `(N, C)` or `(N, C, d_1, ..., d_K)`.
        target: int64 class indices `()`, `(N)` or `(N, d_1, ..., d_K)`.
        weight: optional (C,) class weights.
        ignore_index: a target value to skip. Default: -100.
        size_average: deprecated PyTorch flag; with ``reduce`` it overrides reduction (warns).
        reduce: deprecated PyTorch flag (see size_average).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        Output: a 0-d Tensor, or the target's shape with reduction='none'.

    Example:
        >>> F.nll_loss(minigrad.tensor([[-0.1, -2.5]]), minigrad.tensor([1]))
        tensor(2.5000)
    """
    op = "nll_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    c, x, target_shape = _class_layout(input, op)
    w = _class_weight(weight, input, c, op)
    t = _class_targets(target, input, target_shape, x.shape, ignore_index, op)
    out = NN.NllLoss.apply(x, t, w, ignore_index, reduction)
    return out.reshape(target_shape) if reduction == "none" else out


def _broadcastable_to(arr, shape):
    try:
        return B.np.broadcast_shapes(tuple(arr.shape), shape) == tuple(shape)
    except ValueError:
        return False


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                                     size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                                     reduction: str = "mean", pos_weight: Optional[Tensor] = None) -> Tensor:
    """Binary cross entropy on logits, computed stably: `-w · (p·y·log σ(x) + (1 - y)·log(1 - σ(x)))`.

    See `nn.BCEWithLogitsLoss`.

    Args:
        input: logits, any shape.
        target: targets in [0, 1], the input's shape.
        weight: optional Tensor broadcastable to the input.
        size_average: deprecated PyTorch flag; with ``reduce`` it overrides reduction (warns).
        reduce: deprecated PyTorch flag (see size_average).
        reduction: 'mean' (default), 'sum' or 'none'.
        pos_weight: optional weight p of the positive term, broadcastable to the input.

    Shape:
        input `(*)`, target `(*)` -> a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> F.binary_cross_entropy_with_logits(minigrad.tensor([0.0]), minigrad.tensor([1.0]))
        tensor(0.6931)
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(size_average, reduce, reduction, op)
    _check_tensor(input, "input", op)
    _check_tensor(target, "target", op)
    if not input.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
    if target.shape != input.shape:
        raise ValueError(f"Target size {_shape_str(target.shape)} must be the same as input size "
                         f"{_shape_str(input.shape)}")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    w = _const_array(weight, input, "weight", op)
    pw = _const_array(pos_weight, input, "pos_weight", op)
    for name, arr in (("weight", w), ("pos_weight", pw)):
        if arr is not None and not _broadcastable_to(arr, input.shape):
            raise ShapeError(f"{op}: {name} of shape {_shape_str(arr.shape)} cannot be broadcast to "
                             f"the input shape {_shape_str(input.shape)}")
    return NN.BCEWithLogits.apply(input, target, w, pw, reduction)


def _check_target_shape(input, target, op, stacklevel):
    """Raise if target cannot broadcast to input; warn (as PyTorch) if it broadcasts but differs."""
    if target.shape == input.shape:
        return
    try:
        B.np.broadcast_shapes(target.shape, input.shape)
    except ValueError:
        raise ShapeError(f"{op}: target of shape {_shape_str(target.shape)} does not match the "
                         f"input of shape {_shape_str(input.shape)}") from None
    warnings.warn(f"Using a target size {_shape_str(target.shape)} that is different to the "
                  f"input size {_shape_str(input.shape)}. This will likely lead to incorrect "
                  f"results due to broadcasting. Please ensure they have the same size.",
                  stacklevel=stacklevel)


def mse_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
             reduce: Optional[bool] = None, reduction: str = "mean",
             weight: Optional[Tensor] = None) -> Tensor:
    """Squared error `(x_i - y_i)^2` per element, reduced; see `nn.MSELoss`.

    Args:
        input: any shape.
        target: broadcastable to the input (a warning if the shapes differ, as in PyTorch).
        size_average: deprecated PyTorch flag; with ``reduce`` it overrides reduction (warns).
        reduce: deprecated PyTorch flag (see size_average).
        reduction: 'mean' (default), 'sum' or 'none'.
        weight: optional Tensor of the input's shape; 'mean' then divides by weight.sum().

    Shape:
        input `(*)`, target `(*)` -> a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> F.mse_loss(minigrad.tensor([1.0, 2.0]), minigrad.tensor([2.0, 4.0]))
        tensor(2.5000)
    """
    op = "mse_loss"
    reduction = _reduction(size_average, reduce, reduction, op)
    _check_tensor(input, "input", op)
    _check_tensor(target, "target", op)
    _check_target_shape(input, target, op, stacklevel=3)
    diff = input - target
    sq = diff * diff
    if weight is not None:
        return _weighted(sq, weight, input, reduction, op, mean_by_weight=True)
    return _reduce(sq, reduction)


def _pair_loss(input, target, size_average, reduce, reduction, op):
    """Validate an elementwise loss's arguments; returns the reduction and the broadcast difference."""
    reduction = _reduction(size_average, reduce, reduction, op)
    _float_input(input, op)
    _check_tensor(target, "target", op)
    _check_target_shape(input, target, op, stacklevel=4)
    return reduction, input - target


def _reduce(loss, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _weighted(loss, weight, input, reduction, op, mean_by_weight):
    """loss * weight (weight must have the input's shape), reduced; PyTorch's weighted losses."""
    _check_tensor(weight, "weight", op)
    if weight.shape != input.shape:
        raise ValueError(f"{op}: Weights and input must have the same size, got weight of shape "
                         f"{_shape_str(weight.shape)} for input of shape {_shape_str(input.shape)}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
            reduce: Optional[bool] = None, reduction: str = "mean",
            weight: Optional[Tensor] = None) -> Tensor:
    """Absolute error `|x_i - y_i|` per element, reduced; see `nn.L1Loss`.

    Args:
        input: any shape.
        target: broadcastable to the input.
        size_average: deprecated PyTorch flag; with ``reduce`` it overrides reduction (warns).
        reduce: deprecated PyTorch flag (see size_average).
        reduction: 'mean' (default), 'sum' or 'none'.
        weight: optional Tensor of the input's shape; 'mean' then divides by weight.sum().

    Shape:
        input `(*)`, target `(*)` -> a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> F.l1_loss(minigrad.tensor([1.0, 2.0]), minigrad.tensor([2.0, 4.0]))
        tensor(1.5000)
    """
    reduction, diff = _pair_loss(input, target, size_average, reduce, reduction, "l1_loss")
    if weight is not None:
        return _weighted(diff.abs(), weight, input, reduction, "l1_loss", mean_by_weight=True)
    return _reduce(diff.abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
                   reduce: Optional[bool] = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1: `0.5 d^2 / beta` where `|d| < beta`, else `|d| - 0.5 beta`, for d = input - target.

    See `nn.SmoothL1Loss`.

    Args:
        input: any shape.
        target: broadcastable to the input.
        size_average: deprecated PyTorch flag; with ``reduce`` it overrides reduction (warns).
        reduce: deprecated PyTorch flag (see size_average).
        reduction: 'mean' (default), 'sum' or 'none'.
        beta: where the two pieces meet, >= 0. Default: 1.0.

    Shape:
        input `(*)`, target `(*)` -> a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> F.smooth_l1_loss(minigrad.tensor([0.5, 3.0]), minigrad.tensor([0.0, 0.0]))
        tensor(1.3125)
    """
    reduction, diff = _pair_loss(input, target, size_average, reduce, reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return _reduce(diff.abs(), reduction)
    d = diff.abs()
    return _reduce(ops.where(d < beta, 0.5 * diff * diff / beta, d - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Optional[Tensor] = None) -> Tensor:
    """Huber: `0.5 d^2` where `|d| <= delta`, else `delta · (|d| - 0.5 delta)`, for d = input - target.

    See `nn.HuberLoss`.

    Args:
        input: any shape.
        target: broadcastable to the input.
        reduction: 'mean' (default), 'sum' or 'none'.
        delta: where the two pieces meet, > 0. Default: 1.0.
        weight: optional Tensor of the input's shape, multiplied into each element's loss.

    Shape:
        input `(*)`, target `(*)` -> a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> F.huber_loss(minigrad.tensor([0.5, 3.0]), minigrad.tensor([0.0, 0.0]))
        tensor(1.3125)
    """
    reduction, diff = _pair_loss(input, target, None, None, reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    d = diff.abs()
    loss = ops.where(d <= delta, 0.5 * diff * diff, delta * (d - 0.5 * delta))
    if weight is not None:  # unlike mse_loss and l1_loss, PyTorch's weighted mean here divides by numel
        return _weighted(loss, weight, input, reduction, "huber_loss", mean_by_weight=False)
    return _reduce(loss, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                         size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross entropy of probabilities: `-w · (y·log x + (1 - y)·log(1 - x))`, logs clamped at -100.

    See `nn.BCELoss`.

    Args:
        input: probabilities in [0, 1], any shape.
        target: targets in [0, 1], the input's shape.
        weight: optional Tensor broadcastable to the input.
        size_average: deprecated PyTorch flag; with ``reduce`` it overrides reduction (warns).
        reduce: deprecated PyTorch flag (see size_average).
        reduction: 'mean' (default), 'sum' or 'none'.

    Shape:
        input `(*)`, target `(*)` -> a 0-d Tensor, or `(*)` with reduction='none'.

    Example:
        >>> F.binary_cross_entropy(minigrad.tensor([0.5]), minigrad.tensor([1.0]))
        tensor(0.6931)
    """
    op = "binary_cross_entropy"
    reduction = _reduction(size_average, reduce, reduction, op)
    _float_input(input, op)
    _check_tensor(target, "target", op)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({_shape_str(target.shape)}) that is different to the "
                         f"input size ({_shape_str(input.shape)}) is deprecated. Please ensure they "
                         f"have the same size.")
    if input.numel() and not bool(((input.array >= 0) & (input.array <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    w = _const_array(weight, input, "weight", op)
    if w is not None and not _broadcastable_to(w, input.shape):
        raise ShapeError(f"{op}: weight of shape {_shape_str(w.shape)} cannot be broadcast to the "
                         f"input shape {_shape_str(input.shape)}")
    return NN.BinaryCrossEntropy.apply(input, target, w, reduction)
