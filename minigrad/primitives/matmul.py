"""Matrix products: matmul (1-D, 2-D, batched with broadcast batch dims) and the fused linear layer."""
from .. import backend as B
from ..threads import matmul as _gemm  # a @ b on the threads the size pays for
from .base import Op


def _matmul_error(a, b):
    return RuntimeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                        f"({a.shape[-1]} != {b.shape[0] if b.ndim == 1 else b.shape[-2]})")


_MATMUL_NODES = {(1, 1): "Dot", (2, 1): "Mv", (2, 2): "Mm"}  # PyTorch's node per operand ranks


class MatMul(Op):
    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                               f"{tuple(a.shape)} and {tuple(b.shape)}")
        if a.dtype != b.dtype:
            raise RuntimeError(f"matmul: expected both arguments to have the same dtype, got "
                               f"{a.dtype} and {b.dtype}")
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)  # dA needs B, dB needs A
        ctx.shapes = (a.shape, b.shape)
        ctx.node = _MATMUL_NODES.get((a.ndim, b.ndim), "UnsafeView")
        try:
            return _gemm(a, b)
        except ValueError:
            raise _matmul_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        xp = B.get_array_module(g)
        if len(sb) == 1:  # treat vectors as (1, n) / (n, 1) matrices
            g = xp.expand_dims(g, -1)
        if len(sa) == 1:
            g = xp.expand_dims(g, -2)
        na, nb = ctx.needs_input_grad
        ga = gb = None
        # gradients keep the broadcast batch dims (the engine sums them); a vector operand's extra
        # matrix dimension is dropped here
        if na:
            b2 = b[:, None] if b.ndim == 1 else b
            ga = _gemm(g, xp.swapaxes(b2, -1, -2))
            if len(sa) == 1:
                ga = ga[..., 0, :]
        if nb:
            a2 = a[None, :] if a.ndim == 1 else a
            gb = _gemm(xp.swapaxes(a2, -1, -2), g)
            if len(sb) == 1:
                gb = gb[..., 0]
        return ga, gb


def _rows(a):
    """a as a 2-D matrix (all leading dims merged); explicit sizes, since -1 is ambiguous for 0 columns."""
    n = 1
    for d in a.shape[:-1]:
        n *= d
    return a.reshape(n, a.shape[-1])


class FusedLinear(Op):
    """y = x W^T + b for x of shape (..., in), W (out, in), b (out,), as one node."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise RuntimeError(f"linear: input of shape {tuple(x.shape)} does not match weight of "
                               f"shape {tuple(weight.shape)}: expected the last dimension to be "
                               f"{weight.shape[1]}")
        if x.dtype != weight.dtype:
            raise RuntimeError(f"linear: input dtype {x.dtype} does not match weight dtype "
                               f"{weight.dtype}")
        nx, nw = ctx.needs_input_grad[:2]
        ctx.save_for_backward(x if nw else None, weight if nx else None)
        # one 2-D GEMM over all leading dims is much faster than NumPy's batched matmul
        out = _gemm(_rows(x), weight.T)
        ctx.node = ("Addmm" if bias is not None else "Mm") if x.ndim == 2 else "View"
        if bias is not None:
            out += bias
        return out.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        nx, nw, nb = (tuple(ctx.needs_input_grad) + (False,))[:3]
        g2 = _rows(g)
        gx = _gemm(g2, weight).reshape(g.shape[:-1] + (weight.shape[1],)) if nx else None
        gw = _gemm(g2.T, _rows(x)) if nw else None
        gb = g2.sum(axis=0) if nb else None
        return gx, gw, gb
