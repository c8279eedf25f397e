"""Attention in functional form: scaled_dot_product_attention (the fused node and a readable composed
version the tests compare it with) and multi_head_attention_forward, with torch.nn.functional's
signatures and masking rules.

Two mask conventions meet here, as in PyTorch:
- scaled_dot_product_attention: a bool mask is True where a query MAY attend to a key;
- MultiheadAttention / Transformer: a bool attn_mask or key_padding_mask is True where attention is
  NOT allowed.
A float mask is always added to the scores (0 keeps a position, -inf removes it).
"""
import math
import warnings

from .. import backend as B
from .. import ops
from ..primitives.attention import ScaledDotProductAttention
from ..primitives.matmul import FusedLinear
from ..tensor import Tensor

__all__ = ["scaled_dot_product_attention", "scaled_dot_product_attention_composed",
           "multi_head_attention_forward"]


def _xp(t):
    return B.get_array_module(t.array)


def _check_qkv(query, key, value, op):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: argument '{name}' must be a minigrad Tensor, not {type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"{op}: expected {name} to have at least 2 dimensions (..., seq, "
                               f"features), got shape {tuple(t.shape)}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"{op}: expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {query.dtype}, key.dtype: {key.dtype} and value.dtype: "
                           f"{value.dtype} instead")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected floating point query, key and value, got {query.dtype}")
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(f"{op}: query and key must have the same feature size, got query "
                           f"{tuple(query.shape)} and key {tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: key and value must have the same sequence length, got key "
                           f"{tuple(key.shape)} and value {tuple(value.shape)}")


def _repeat_kv_heads(query, key, value, op):
    """Grouped-query attention: each of the key/value heads serves a group of query heads."""
    if query.ndim < 3 or key.ndim < 3:
        raise RuntimeError(f"{op}: enable_gqa needs a heads dimension (-3) in query and key")
    hq, hk = query.shape[-3], key.shape[-3]
    if hk != value.shape[-3] or hq % hk:
        raise RuntimeError(f"{op}: enable_gqa needs the number of query heads ({hq}) to be a multiple "
                           f"of the key/value heads ({hk}, {value.shape[-3]})")
    if hq == hk:
        return key, value
    index = B.to_device(B.np.arange(hq) // (hq // hk), key.device)
    return key.index_select(-3, index), value.index_select(-3, index)


def _score_bias(attn_mask, is_causal, query, key, op):
    """The additive bias of the scores: None, a constant backend array, or a float Tensor (a float
    mask, which may itself require grad)."""
    L, S = query.shape[-2], key.shape[-2]
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{op}: explicit attn_mask should not be set when is_causal=True (pass "
                           f"one or the other; PyTorch raises the same)")
    bias = None
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{op}: attn_mask must be a minigrad Tensor or None, not "
                            f"{type(attn_mask).__name__}")
        if attn_mask.dtype != B.to_dtype("bool") and not attn_mask.dtype.is_floating_point:
            raise RuntimeError(f"{op}: expected attn_mask dtype to be bool or float, but got "
                               f"attn_mask.dtype: {attn_mask.dtype} (query.dtype: {query.dtype})")
        batch = B.np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]))
        try:
            B.np.broadcast_shapes(tuple(attn_mask.shape), batch + (L, S))
        except ValueError:
            raise RuntimeError(f"{op}: attn_mask of shape {tuple(attn_mask.shape)} cannot be broadcast "
                               f"to the attention scores of shape {batch + (L, S)}") from None
        if attn_mask.dtype == B.to_dtype("bool"):
            xp = _xp(attn_mask)
            bias = xp.where(attn_mask.array, 0.0, -xp.inf).astype(query.array.dtype)
        else:  # a float mask of another precision is cast, as PyTorch does
            bias = attn_mask if attn_mask.dtype == query.dtype else attn_mask.to(query.dtype)
    if is_causal:
        # query i sees keys 0..i (the top-left aligned lower triangle, also when L != S)
        xp = _xp(query)
        bias = xp.where(xp.tril(xp.ones((L, S), dtype=bool)), 0.0, -xp.inf).astype(query.array.dtype)
    return bias


def _dropout_mask(shape, p, like):
    """The inverted-dropout mask for the attention weights: 0 with probability p, else 1 / (1 - p)."""
    dt = like.array.dtype
    if p >= 1:
        return B.xp_for(like.device).zeros(shape, dtype=dt)
    keep = B.random_uniform(shape, dt, like.device) >= p
    return keep.astype(dt) * dt.type(1.0 / (1.0 - p))


def _scores_shape(query, key):
    batch = B.np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]))
    return batch + (query.shape[-2], key.shape[-2])


def _check_dropout(dropout_p, op):
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be between 0 and 1, got {dropout_p}")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    r"""Attention of each query over the keys, as one fused graph node:

    .. math:: \mathrm{out} = \mathrm{dropout}\big(\mathrm{softmax}(\mathrm{scale}\cdot QK^\top
              + \mathrm{mask})\big)\,V, \qquad \mathrm{scale} = 1/\sqrt{E} \text{ by default}

    Args:
        query: (..., L, E).  key: (..., S, E).  value: (..., S, Ev).  Batch dims broadcast.
        attn_mask: bool, True where a query may attend to a key, or float, added to the scores;
            broadcastable to (..., L, S).
        dropout_p: dropout probability of the attention weights (applied whenever > 0, as PyTorch).
        is_causal: query i attends to keys 0..i only (then attn_mask must be None).
        scale: the score scale; None means 1 / sqrt(E).
        enable_gqa: allow fewer key/value heads (dim -3) than query heads.

    A query whose every key is masked gets an output of zeros (and zero gradients), as PyTorch.

    Shape: (..., L, E), (..., S, E), (..., S, Ev) -> (..., L, Ev).

    Example::

        >>> q = minigrad.randn(2, 4, 5, 8); k = v = minigrad.randn(2, 4, 7, 8)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        (2, 4, 5, 8)
    """
    op = "scaled_dot_product_attention"
    _check_qkv(query, key, value, op)
    _check_dropout(dropout_p, op)
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value, op)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    bias = _score_bias(attn_mask, is_causal, query, key, op)
    drop = _dropout_mask(_scores_shape(query, key), dropout_p, query) if dropout_p > 0 else None
    return ScaledDotProductAttention.apply(query, key, value, bias, drop, scale)


def scaled_dot_product_attention_composed(query, key, value, attn_mask=None, dropout_p=0.0,
                                          is_causal=False, scale=None, enable_gqa=False):
    """The same attention written with ordinary ops (matmul, softmax, where): easier to read, and the
    reference the fused node is tested against.  It records ~6 graph nodes instead of one."""
    op = "scaled_dot_product_attention"
    _check_qkv(query, key, value, op)
    _check_dropout(dropout_p, op)
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value, op)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = (query @ key.transpose(-2, -1)) * scale
    bias = _score_bias(attn_mask, is_causal, query, key, op)
    if bias is not None:
        scores = scores + (Tensor._make(bias) if B.is_array(bias) else bias)
    # a fully masked row (all scores -inf) would be NaN after the softmax (0/0), and a NaN there
    # poisons the gradient even if the weights are replaced afterwards; PyTorch's attention gives
    # such a row zeros, so softmax a harmless row of zeros there instead and zero its weights
    any_key = Tensor._make(_xp(scores).isfinite(scores.array).any(axis=-1, keepdims=True))
    weights = ops.where(any_key, ops.softmax(ops.where(any_key, scores, 0.0), dim=-1), 0.0)
    if dropout_p > 0:
        weights = weights * Tensor._make(_dropout_mask(weights.shape, dropout_p, query))
    return weights @ value


# --------------------------------------------------------------------------- multi-head attention
def _canonical_mask(mask, name, query, other=None, other_name="", strict=False):
    """A bool mask (True = not allowed) as a float mask of query's dtype (0 / -inf); floats pass."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"multi_head_attention_forward: {name} must be a minigrad Tensor or None, "
                        f"not {type(mask).__name__}")
    is_bool = mask.dtype == B.to_dtype("bool")
    if not is_bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported, got {mask.dtype}")
    if other is not None and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type "
                      f"for both instead.", stacklevel=4)
    if is_bool:
        xp = _xp(mask)
        return Tensor._make(xp.where(mask.array, -xp.inf, 0.0).astype(query.array.dtype))
    if mask.dtype != query.dtype:
        if strict:  # PyTorch's weights path (baddbmm) refuses it; its attention kernel casts
            raise RuntimeError(f"multi_head_attention_forward: a float {name} must have the query's "
                               f"dtype {query.dtype} when need_weights=True, got {mask.dtype}")
        return mask.to(query.dtype)
    return mask


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) input, False for unbatched (2-D); AssertionError otherwise (PyTorch's)."""
    def dim(t):
        return None if t is None else t.ndim
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be 3-D but "
                                 f"found {key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be `None` "
                                 f"or 2-D but found {dim(key_padding_mask)}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D "
                                 f"or 3-D but found {dim(attn_mask)}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to be 2-D "
                                 f"but found {key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 1-D but found {dim(key_padding_mask)}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be `None`, "
                                     f"2-D or 3-D but found {dim(attn_mask)}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.ndim}-D query tensor")


def _linear(x, weight, bias=None):
    """x W^T + b as one node (nn.functional.linear without its argument checks, which imports this
    module)."""
    return FusedLinear.apply(x, weight, bias)


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate, q_w, k_w, v_w):
    """q, k, v = the three input projections; one GEMM for self-attention with packed weights."""
    E = query.shape[-1]
    if separate:
        if q_w is None or k_w is None or v_w is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                                 "v_proj_weight is None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        return _linear(query, q_w, b_q), _linear(key, k_w, b_k), _linear(value, v_w, b_v)
    if in_proj_weight is None:
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    if query is key and key is value:
        return _linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
    w_q, w_k, w_v = in_proj_weight.chunk(3)
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    if key is value:
        w_kv = in_proj_weight[E:]
        b_kv = None if in_proj_bias is None else in_proj_bias[E:]
        k, v = _linear(key, w_kv, b_kv).chunk(2, dim=-1)
        return _linear(query, w_q, b_q), k, v
    return _linear(query, w_q, b_q), _linear(key, w_k, b_k), _linear(value, w_v, b_v)


def _pad_last(mask):
    """One more key column that every query may attend to (for bias_k/bias_v and add_zero_attn)."""
    if mask is None:
        return None
    zeros = _xp(mask).zeros(mask.shape[:-1] + (1,), dtype=mask.array.dtype)
    return ops.cat([mask, Tensor._make(zeros)], dim=-1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
                                 need_weights=True, attn_mask=None, use_separate_proj_weight=False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None,
                                 static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    r"""Multi-head attention, sequence-first: query (L, N, E), key (S, N, kdim), value (S, N, vdim).

    .. math:: \mathrm{head}_h = \mathrm{softmax}\big(Q_h K_h^\top/\sqrt{d} + \mathrm{mask}\big) V_h,
              \quad \mathrm{out} = [\mathrm{head}_1,\dots,\mathrm{head}_H] W_o^\top + b_o

    Masks: attn_mask (L, S) or (N*H, L, S) and key_padding_mask (N, S), bool (True = not allowed) or
    float (added).  With need_weights the attention weights are returned too, (N, L, S) averaged
    over heads or (N, H, L, S).  A query row whose every key is masked gives NaN when need_weights
    is True and zeros when it is False — PyTorch's behaviour, reproduced.

    Shape: (L, N, E) or unbatched (L, E) -> (L, N, E), weights (N, L, S) (or unbatched forms).

    Example::

        >>> mha = nn.MultiheadAttention(8, 2)
        >>> x = minigrad.randn(5, 3, 8)
        >>> out, w = F.multi_head_attention_forward(x, x, x, 8, 2, mha.in_proj_weight,
        ...     mha.in_proj_bias, None, None, False, 0.0, mha.out_proj.weight, mha.out_proj.bias)
        >>> out.shape, w.shape
        ((5, 3, 8), (3, 5, 5))
    """
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k / static_v are not "
                                  "supported by minigrad")
    batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query, attn_mask,
                                       "attn_mask", strict=need_weights)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                           "module method `generate_square_subsequent_mask` to create this mask.")
    # is_causal is only a hint that attn_mask is causal: the mask itself is always applied
    attn_mask = _canonical_mask(attn_mask, "attn_mask", query, strict=need_weights)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got "
                             f"{embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match "
                                 f"value's {tuple(value.shape[:2])}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")
    if attn_mask is not None:
        want = (tgt_len, src_len) if attn_mask.ndim == 2 else (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(f"The shape of the {attn_mask.ndim}D attn_mask is "
                               f"{tuple(attn_mask.shape)}, but should be {want}.")
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (bsz, src_len):
        raise AssertionError(f"Expected key_padding_mask of shape {(bsz, src_len)} (batch, source "
                             f"length), but got {tuple(key_padding_mask.shape)}")

    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias,
                             use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight)
    if bias_k is not None and bias_v is not None:
        k = ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ops.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must be given together")

    # (seq, N, E) -> (N, H, seq, head_dim): one batched attention over every batch entry and head
    def heads(t):
        return t.reshape(t.shape[0], bsz, num_heads, head_dim).permute(1, 2, 0, 3)
    q, k, v = heads(q), heads(k), heads(v)
    if add_zero_attn:
        zeros = Tensor._make(_xp(k).zeros((bsz, num_heads, 1, head_dim), dtype=k.array.dtype))
        k, v = ops.cat([k, zeros], dim=2), ops.cat([v, zeros], dim=2)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[2]

    bias = None  # masks broadcast against the (N, H, L, S) scores
    if attn_mask is not None:
        bias = attn_mask if attn_mask.ndim == 2 else attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
    if key_padding_mask is not None:
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        bias = kpm if bias is None else bias + kpm
    if not training:
        dropout_p = 0.0
    drop = _dropout_mask((bsz, num_heads, tgt_len, src_len), dropout_p, q) if dropout_p > 0 else None
    scale = 1.0 / math.sqrt(head_dim)
    if need_weights:
        out, weights = ScaledDotProductAttention.apply(q, k, v, bias, drop, scale, False, True)
    else:
        out, weights = ScaledDotProductAttention.apply(q, k, v, bias, drop, scale), None
    out = out.permute(2, 0, 1, 3).reshape(tgt_len * bsz, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        out = out.squeeze(1)
        if weights is not None:
            weights = weights.squeeze(0)
    return out, weights
