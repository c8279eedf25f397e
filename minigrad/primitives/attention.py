"""Scaled dot-product attention as one fused graph node with a hand-derived backward.

    S = scale * Q K^T + bias          (..., L, S)   bias: additive mask (0 or -inf, or any float)
    P = softmax(S, dim=-1)            (..., L, S)
    Pd = P * drop                     (..., L, S)   drop: the dropout mask, already scaled by 1/(1-p)
    O = Pd V                          (..., L, Ev)

Composed from separate ops this chain records five nodes and keeps S, P, Pd and the exp of S
alive for backward.  Fused, the node keeps only P (plus the inputs the gradients need) and
derives everything else from it:

    dV  = Pd^T dO
    dPd = dO V^T (+ the gradient of the returned weights Pd, when they are an output)
    dP  = dPd * drop
    dS  = P * (dP - rowsum(dP * P))            the softmax Jacobian-vector product
    dQ  = scale * dS K,   dK = scale * dS^T Q,   dbias = dS

The gradients keep the broadcast batch shape; the engine sums them down to each input's shape.
"""
from .. import backend as B
from .base import Op


def _swap(a):
    return B.get_array_module(a).swapaxes(a, -1, -2)


def softmax_rows(scores, safe):
    """Softmax over the last axis.  A row whose every score is -inf (every key masked) gives
    zeros when `safe` (PyTorch's scaled_dot_product_attention) and NaN otherwise (PyTorch's
    plain softmax, which MultiheadAttention uses when it returns the weights)."""
    xp = B.get_array_module(scores)
    m = scores.max(axis=-1, keepdims=True)
    e = xp.exp(scores - xp.where(xp.isfinite(m), m, 0))
    z = e.sum(axis=-1, keepdims=True)
    with B.np.errstate(invalid="ignore", divide="ignore"):
        return e / (xp.where(z == 0, 1, z) if safe else z)


class ScaledDotProductAttention(Op):
    """out = dropout(softmax(scale * q k^T + bias)) v; optionally also returns the attention weights."""
    node = "ScaledDotProductAttention"

    @staticmethod
    def forward(ctx, q, k, v, bias, drop, scale, safe=True, return_weights=False):
        nq, nk, nv, nb = (tuple(ctx.needs_input_grad) + (False,) * 4)[:4]
        scores = (q @ _swap(k)) * scale
        if bias is not None:
            scores = scores + bias
        p = softmax_rows(scores, safe)
        del scores  # backward recomputes nothing from the scores: P is enough
        pd = p if drop is None else p * drop
        out = pd @ v
        needs_dp = nq or nk or nb
        # P serves both dV (through Pd = P * drop) and the softmax backward; Pd is recomputed from
        # P and the mask instead of being saved too.  V is needed only to reach dP, Q only for dK
        # and K only for dQ.
        ctx.save_for_backward(p, drop, v if needs_dp else None, q if nk else None, k if nq else None)
        ctx.scale = scale
        if return_weights:
            return out, pd
        return out

    @staticmethod
    def backward(ctx, g, g_weights=None):
        p, drop, v, q, k = ctx.saved_tensors
        nq, nk, nv, nb = (tuple(ctx.needs_input_grad) + (False,) * 4)[:4]
        scale = ctx.scale
        pd = p if drop is None else p * drop
        gq = gk = gv = gb = None
        if nv:
            gv = _swap(pd) @ g
        if nq or nk or nb:
            dp = g @ _swap(v)
            if g_weights is not None:
                dp = dp + g_weights
            if drop is not None:
                dp = dp * drop
            ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
            if nq:
                gq = (ds @ k) * scale
            if nk:
                gk = (_swap(ds) @ q) * scale
            if nb:
                gb = ds
        return gq, gk, gv, gb
