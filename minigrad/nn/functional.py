"""minigrad.nn.functional: stateless layers, activations and losses with torch.nn.functional's signatures."""
from __future__ import annotations

from typing import Any, Optional, Sequence
import numbers
import warnings

from .. import backend as B
from .. import ops
from ..autograd import no_grad
from ..errors import DTypeError, ShapeError
from ..primitives import elementwise as E, nn as NN
from ..primitives.index import EmbeddingLookup
from ..primitives.matmul import FusedLinear
from ..tensor import Tensor

__all__ = ["linear", "embedding", "dropout", "relu", "tanh", "sigmoid", "gelu", "leaky_relu", "elu",
           "silu", "softplus", "softmax", "log_softmax", "one_hot", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss", "l1_loss",
           "smooth_l1_loss", "huber_loss", "layer_norm", "pad", "normalize", "cosine_similarity",
           "scaled_dot_product_attention", "multi_head_attention_forward"]

_REDUCTIONS = ("none", "mean", "sum")


# --------------------------------------------------------------------------------- helpers
def _check_tensor(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: argument '{name}' must be a minigrad Tensor, not {type(x).__name__}")


def _reduction(size_average, reduce, reduction, op):
    """Resolve the legacy size_average / reduce flags into a reduction string and validate it."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected 'none', "
                         f"'mean' or 'sum')")
    return reduction


def _const_array(t, ref, name, op):
    """A weight-like argument (Tensor, array or None) as a backend array in ref's dtype and device."""
    if t is None:
        return None
    arr = t.array if isinstance(t, Tensor) else t
    if not B.is_array(arr):
        arr = B.to_device(B.np.asarray(arr), ref.device)
    if B.device_of(arr) != ref.device:
        raise RuntimeError(f"{op}: {name} is on {B.device_of(arr)} but the input is on {ref.device}")
    return arr.astype(ref.array.dtype, copy=False)


def _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


# ---------------------------------------------------------------------------------- layers
def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """Affine map of the last dim: `y = x W^T + b` (the function behind `nn.Linear`).

    Args:
        input: (*, in_features) Tensor.
        weight: (out_features, in_features) Tensor.
        bias: optional (out_features,) Tensor.

    Shape:
        input `(*, in)`, weight `(out, in)`, bias `(out)` -> output `(*, out)`.

    Example:
        >>> F.linear(minigrad.ones(2, 3), minigrad.ones(4, 3), minigrad.zeros(4))
        tensor([[3., 3., 3., 3.],
                [3., 3., 3., 3.]])
    """
    _check_tensor(input, "input", "linear")
    _check_tensor(weight, "weight", "linear")
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{_shape_str(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"linear: expected input with last dimension {weight.shape[1]} "
                           f"(in_features), got input of shape {_shape_str(input.shape)}")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"linear: expected input of dtype {weight.dtype} (the weight's dtype), got "
                           f"{input.dtype}")
    if bias is not None and (bias.shape != (weight.shape[0],) or bias.dtype != weight.dtype):
        raise RuntimeError(f"linear: expected bias of shape ({weight.shape[0]},) and dtype "
                           f"{weight.dtype}, got {_shape_str(bias.shape)} and {bias.dtype}")
    return FusedLinear.apply(input, weight, bias)


def _index_tensor(input, op):
    """Check that `input` is an integer index tensor and return its backend array."""
    _check_tensor(input, "input", op)
    if input.array.dtype.kind not in "iu":
        raise DTypeError(f"{op}: expected an integer (int64 or int32) index tensor, got dtype "
                        f"{input.dtype}")
    return input.array


def _renorm_rows_(weight, idx, max_norm, norm_type):
    """Scale, in place, the rows of `weight` used by `idx` whose p-norm exceeds max_norm."""
    xp = B.get_array_module(weight.array)
    rows = xp.unique(idx.reshape(-1))
    w = weight.array[rows]
    if norm_type == float("inf"):
        norms = abs(w).max(axis=1)
    else:
        norms = (abs(w) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    weight.array[rows] = w * scale[:, None]
    weight._bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: Optional[int] = None,
              max_norm: Optional[float] = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Looks up rows of ``weight`` at integer indices: `out[..., :] = weight[input[...], :]`.

    Args:
        input: integer Tensor of indices into the rows of weight.
        weight: (num_embeddings, embedding_dim) Tensor.
        padding_idx: a row that receives no gradient.
        max_norm: rows looked up whose norm exceeds it are rescaled in place to this norm.
        norm_type: p of the p-norm for max_norm. Default: 2.
        scale_grad_by_freq: divide each row's gradient by its count in the batch. Default: False.
        sparse: accepted for PyTorch compatibility; gradients are dense.

    Shape:
        input `(*)` -> output `(*, embedding_dim)`. See `nn.Embedding`.

    Example:
        >>> weight = minigrad.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
        >>> F.embedding(minigrad.tensor([2, 0]), weight)
        tensor([[4., 5.],
                [0., 1.]])
    """
    idx = _index_tensor(input, "embedding")
    _check_tensor(weight, "weight", "embedding")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{_shape_str(weight.shape)}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not supported")
    if input.device != weight.device:
        raise RuntimeError(f"embedding: indices are on {input.device} but the weight is on "
                           f"{weight.device}")
    n = weight.shape[0]
    padding_idx = _normalize_padding_idx(padding_idx, n)
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            raise IndexError(f"embedding: index {hi if hi >= n else lo} is out of range for an "
                             f"embedding table of {n} rows (valid indices are 0 to {n - 1})")
    if max_norm is not None:
        with no_grad():
            _renorm_rows_(weight, idx, max_norm, norm_type)
    return EmbeddingLookup.apply(weight, input, padding_idx)


def _normalize_padding_idx(padding_idx, n):
    """Map a (possibly negative) padding_idx into [0, n), as PyTorch does."""
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise ValueError(f"padding_idx must be within num_embeddings: expected -{n} <= padding_idx < "
                         f"{n}, got {padding_idx}")
    return padding_idx % n


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zeroes each element with probability p, scales the rest by `1 / (1 - p)`.

    Args:
        input: a floating Tensor.
        p: probability of zeroing an element, in [0, 1]. Default: 0.5.
        training: apply dropout only if True; else return input unchanged. Default: True.
        inplace: overwrite input with the result. Default: False.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.dropout(minigrad.ones(3), p=0.5, training=False)
        tensor([1., 1., 1.])
    """
    _check_tensor(input, "input", "dropout")
    if not isinstance(p, numbers.Real) or p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"dropout: expected a floating point input, got {input.dtype}")
    if not training or p == 0:
        return input
    dt = input.array.dtype
    if p == 1:
        mask = B.xp_for(input.device).zeros(input.shape, dtype=dt)
    else:
        keep = B.random_uniform(input.shape, dt, input.device) >= p
        mask = keep.astype(dt) * dt.type(1.0 / (1.0 - p))
    if inplace:
        return input.mul_(Tensor._make(mask))
    return NN.DropoutMask.apply(input, mask)


# ----------------------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit, elementwise: `relu(x) = max(0, x)`.

    Args:
        input: a Tensor.
        inplace: overwrite input with the result. Default: False.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.relu(minigrad.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    if not inplace:
        return ops.relu(input)
    if input._check_inplace():
        return input._rebase(ops.relu(input))
    B.get_array_module(input.array).maximum(input.array, 0, out=input.array)
    input._bump()
    return input


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise: `tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))`.

    Args:
        input: a floating Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.tanh(minigrad.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7616])
    """
    return ops.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic sigmoid, elementwise: `σ(x) = 1 / (1 + exp(-x))`.

    Args:
        input: a floating Tensor.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.sigmoid(minigrad.tensor([0.0]))
        tensor([0.5000])
    """
    return ops.sigmoid(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, elementwise: `gelu(x) = x · Φ(x)`, Φ the standard normal CDF.

    Args:
        input: a floating Tensor.
        approximate: 'none' (exact, with erf) or 'tanh' (the tanh approximation). See `nn.GELU`.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.gelu(minigrad.tensor([1.0]))
        tensor([0.8413])
    """
    return ops.gelu(input, approximate)


def _float_input(input, op):
    _check_tensor(input, "input", op)
    if not input.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")


def _result(input, out, inplace):
    """`out`, or for inplace=True `input` overwritten with it (recorded like PyTorch's in-place ops)."""
    if not inplace:
        return out
    if input._check_inplace():
        return input._rebase(out)
    input.array[...] = out.array
    input._bump()
    return input


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """Leaky ReLU, elementwise: `x` where `x > 0`, else `negative_slope · x`.

    Args:
        input: a floating Tensor.
        negative_slope: slope for negative inputs. Default: 0.01.
        inplace: overwrite input with the result. Default: False.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.leaky_relu(minigrad.tensor([-2.0, 3.0]), 0.1)
        tensor([-0.2000,  3.0000])
    """
    _float_input(input, "leaky_relu")
    out = E.LeakyRelu.apply(input, float(negative_slope))
    return _result(input, out, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit, elementwise: `x` where `x > 0`, else `α (exp(x) - 1)`.

    Args:
        input: a floating Tensor.
        alpha: α. Default: 1.0.
        inplace: overwrite input with the result. Default: False.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.elu(minigrad.tensor([-1.0, 1.0]))
        tensor([-0.6321,  1.0000])
    """
    _float_input(input, "elu")
    out = E.Elu.apply(input, float(alpha))
    return _result(input, out, inplace)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """Sigmoid-weighted linear unit (swish), elementwise: `silu(x) = x · σ(x)`.

    Args:
        input: a floating Tensor.
        inplace: overwrite input with the result. Default: False.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.silu(minigrad.tensor([1.0]))
        tensor([0.7311])
    """
    _float_input(input, "silu")
    out = E.Silu.apply(input)
    return _result(input, out, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Smooth ReLU, elementwise: `softplus(x) = log(1 + exp(β x)) / β`; `x` where `β x > threshold`.

    Args:
        input: a floating Tensor.
        beta: β. Default: 1.0.
        threshold: above it the function is linear. Default: 20.0.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.softplus(minigrad.tensor([0.0]))
        tensor([0.6931])
    """
    _float_input(input, "softplus")
    return E.Softplus.apply(input, float(beta), float(threshold))


def _softmax_dim(name, ndim):
    """PyTorch's legacy choice of dim when none is given (with its warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  f"include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """Softmax along ``dim``: `softmax(x)_i = exp(x_i) / Σ_j exp(x_j)`, computed with the max subtracted.

    Args:
        input: a Tensor.
        dim: the dim to normalise over (None: PyTorch's legacy choice, with a warning).
        dtype: if given, input is cast to it first.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.softmax(minigrad.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([0.0900, 0.2447, 0.6652])
    """
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """Log-softmax along ``dim``: `log_softmax(x)_i = x_i - log Σ_j exp(x_j)`, computed stably.

    Args:
        input: a Tensor.
        dim: the dim to normalise over (None: PyTorch's legacy choice, with a warning).
        dtype: if given, input is cast to it first.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.log_softmax(minigrad.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([-2.4076, -1.4076, -0.4076])
    """
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return ops.log_softmax(input, dim, dtype=dtype)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding: `out[..., c] = 1 if input[...] == c else 0`, as int64.

    Args:
        tensor: integer Tensor of class indices, each in [0, num_classes).
        num_classes: number of classes; -1 (default) uses the largest index + 1.

    Shape:
        input `(*)` -> output `(*, num_classes)`.

    Example:
        >>> F.one_hot(minigrad.tensor([0, 2, 1]))
        tensor([[1, 0, 0],
                [0, 0, 1],
                [0, 1, 0]])
    """
    idx = _index_tensor(tensor, "one_hot")
    xp = B.get_array_module(idx)
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("one_hot: can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size:
        if int(idx.min()) < 0:
            raise RuntimeError("one_hot: class values must be non-negative.")
        if int(idx.max()) >= num_classes:
            raise RuntimeError(f"one_hot: class values must be smaller than num_classes "
                               f"({num_classes}), got {int(idx.max())}.")
    out = (idx[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return Tensor._make(out)


# ------------------------------------------------------------------------------------ losses
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


def layer_norm(input: Tensor, normalized_shape: Any, weight: Optional[Tensor] = None,
               bias: Optional[Tensor] = None, eps: float = 1e-5) -> Tensor:
    """Layer normalisation over the trailing dims: `(x - E[x]) / √(Var[x] + eps) · weight + bias`.

    Mean and (biased) variance are taken over the last len(normalized_shape) dims; see `nn.LayerNorm`.

    Args:
        input: `(*, normalized_shape)` Tensor.
        normalized_shape: int or tuple, the trailing shape to normalise over.
        weight: optional Tensor of shape normalized_shape (scale).
        bias: optional Tensor of shape normalized_shape (shift).
        eps: added to the variance. Default: 1e-5.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.layer_norm(minigrad.tensor([[1.0, 2.0, 3.0]]), (3,))
        tensor([[-1.2247,  0.0000,  1.2247]])
    """
    _check_tensor(input, "input", "layer_norm")
    ns = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or input.ndim < k or input.shape[input.ndim - k:] != ns:
        raise RuntimeError(f"layer_norm: given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in ns)}], but got input of size "
                           f"{list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"layer_norm: expected a floating point input, got {input.dtype}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p.shape != ns or p.dtype != input.dtype):
            raise RuntimeError(f"layer_norm: expected {name} of shape {_shape_str(ns)} and dtype "
                               f"{input.dtype}, got {_shape_str(p.shape)} and {p.dtype}")
    return NN.FusedLayerNorm.apply(input, weight, bias, k, float(eps))


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: Optional[float] = None) -> Tensor:
    """Pads with a constant: ``pad`` lists (before, after) amounts per dim, starting from the last dim.

    ``pad = (l, r)`` pads the last dim; ``(l, r, t, b)`` the last two, and so on. Negative amounts
    crop. Differentiable (the gradient is the matching slice of the output's gradient).

    Args:
        input: a Tensor.
        pad: an even-length sequence of ints, at most 2 * input.ndim long.
        mode: only 'constant' is supported.
        value: the fill value. Default: 0.

    Shape:
        input `(*, S)` -> output `(*, S + l + r)` for ``pad = (l, r)``, likewise for more dims.

    Example:
        >>> F.pad(minigrad.tensor([[1.0, 2.0]]), (1, 2))
        tensor([[0., 1., 2., 0., 0.]])
    """
    _check_tensor(input, "input", "pad")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ShapeError(f"pad: padding length must be even and at most twice the number of "
                         f"dimensions ({input.ndim}), got {len(pad)}")
    if not all(isinstance(p, numbers.Integral) for p in pad):
        raise TypeError(f"pad: amounts must be integers, got {pad}")
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got {mode!r}")
    pairs = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        pairs[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for n, (lo, hi) in zip(input.shape, pairs):
        if n + lo + hi < 0:
            raise RuntimeError(f"pad: the padded size {n + lo + hi} of a dimension of size {n} "
                               f"must not be negative (pad={list(pad)})")
    return NN.ConstantPad.apply(input, tuple(pairs), 0 if value is None else value)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """Scales slices along ``dim`` to unit p-norm: `y = x / max(‖x‖_p, eps)`.

    Args:
        input: a floating Tensor.
        p: the exponent of the norm. Default: 2.
        dim: the dim the norm is taken over. Default: 1.
        eps: a lower bound for the norm, avoiding division by zero. Default: 1e-12.

    Shape:
        Input `(*)`, any shape; output the same shape.

    Example:
        >>> F.normalize(minigrad.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    _float_input(input, "normalize")
    norm = ops.norm(input, p, dim, keepdim=True).clamp(min=eps)
    return input / norm


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine similarity along ``dim``: `Σ x1·x2 / (max(‖x1‖, eps) · max(‖x2‖, eps))`.

    Args:
        x1: a floating Tensor.
        x2: a floating Tensor broadcastable with x1.
        dim: the dim to reduce. Default: 1.
        eps: a lower bound for each norm. Default: 1e-8.

    Shape:
        x1 and x2 broadcast to `(*, D, *)` -> output `(*, *)`, ``dim`` removed.

    Example:
        >>> F.cosine_similarity(minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    _float_input(x1, "cosine_similarity")
    _float_input(x2, "cosine_similarity")
    n1 = ops.norm(x1, 2, dim, keepdim=True).clamp(min=eps)
    n2 = ops.norm(x2, 2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)

from .attention_functional import (scaled_dot_product_attention,  # noqa: E402,F401  (attention)
                                   multi_head_attention_forward)
