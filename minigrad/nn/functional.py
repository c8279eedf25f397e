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

from .functional_checks import (_REDUCTIONS, _check_tensor, _const_array,  # noqa: F401
                                _float_input, _reduction, _shape_str)
from .loss_functional import (cross_entropy, nll_loss, binary_cross_entropy,  # noqa: F401
                              binary_cross_entropy_with_logits, mse_loss, l1_loss, smooth_l1_loss,
                              huber_loss)


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
        mask = B.xp_for(input.device).multiply(keep, dt.type(1.0 / (1.0 - p)), dtype=dt)  # one pass
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
