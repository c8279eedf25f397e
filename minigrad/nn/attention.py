"""MultiheadAttention, with PyTorch's constructor, parameter names, initialisation and forward."""
from .. import backend as B
from . import functional as F
from . import init
from .linear import NonDynamicallyQuantizableLinear
from .module import Module, Parameter

__all__ = ["MultiheadAttention"]

def _param(shape, device, dtype):
    dt = B.to_dtype(dtype) if dtype is not None else B.default_float()
    return Parameter(B.xp_for(device).zeros(shape, dtype=dt.np))


class MultiheadAttention(Module):
    r"""Attention from queries to keys/values, split over `num_heads` heads of embed_dim / num_heads:

    .. math:: \mathrm{MHA}(Q, K, V) = [\mathrm{head}_1, \dots, \mathrm{head}_H] W_o^\top + b_o,\quad
              \mathrm{head}_h = \mathrm{softmax}\Big(\frac{(Q W_q^h)(K W_k^h)^\top}{\sqrt{d_h}}
              + \mathrm{mask}\Big) V W_v^h

    Args:
        embed_dim: model width E (the query size and the output size).
        num_heads: number of heads; must divide embed_dim.
        dropout: dropout probability of the attention weights (training only).
        bias: biases in the input and output projections.
        add_bias_kv: learn one extra key and value (`bias_k`, `bias_v`) appended to every sequence.
        add_zero_attn: append a key and value of zeros to every sequence.
        kdim, vdim: key and value sizes (default embed_dim); when they differ from embed_dim the
            input projection is three matrices `q_proj_weight`, `k_proj_weight`, `v_proj_weight`,
            otherwise one packed `in_proj_weight` (3E, E).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).

    Shape: query (L, N, E), key (S, N, kdim), value (S, N, vdim) -> output (L, N, E) and, with
    need_weights, weights (N, L, S) (averaged over heads) or (N, H, L, S).  Unbatched 2-D inputs work.

    Example::

        >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = minigrad.randn(2, 5, 16)
        >>> out, weights = mha(x, x, x)          # (2, 5, 16), (2, 5, 5)
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                             f"and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError(f"embed_dim must be divisible by num_heads, got embed_dim={embed_dim} "
                                 f"and num_heads={num_heads}")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _param((3 * embed_dim, embed_dim), device, dtype)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = _param((embed_dim, embed_dim), device, dtype)
            self.k_proj_weight = _param((embed_dim, self.kdim), device, dtype)
            self.v_proj_weight = _param((embed_dim, self.vdim), device, dtype)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = _param((3 * embed_dim,), device, dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, device=device,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = _param((1, 1, embed_dim), device, dtype)
            self.bias_v = _param((1, 1, embed_dim), device, dtype)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        """PyTorch's init: Xavier-uniform projections, zero biases, Xavier-normal bias_k / bias_v
        (out_proj.weight keeps Linear's default)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """(output, weights or None); see the class docstring for shapes and F.multi_head_attention_forward
        for the masks."""
        batched = query.ndim == 3
        if self.batch_first and batched:
            # keep "query is key is value", which selects the single packed projection
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight,
            self.out_proj.bias, training=self.training, key_padding_mask=key_padding_mask,
            need_weights=need_weights, attn_mask=attn_mask, use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
