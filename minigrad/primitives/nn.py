"""Fused neural-network ops with hand-written backward: cross entropy, NLL, BCE (with logits),
layer norm, the dropout mask and constant padding.

Classification losses work on a canonical layout: input (N, C, D) with the class axis 1 and
every trailing dimension folded into D, and targets (N, D).  The wrappers in
minigrad.nn.functional reshape to and from it.
"""
from .. import backend as B
from .base import Op
from .elementwise import sigmoid_array


def log_softmax_array(z, axis):
    """z - logsumexp(z) along `axis`, subtracting the max first so large logits lose no precision."""
    xp = B.get_array_module(z)
    m = z.max(axis=axis, keepdims=True)
    shifted = z - xp.where(xp.isfinite(m), m, 0)
    with B.np.errstate(divide="ignore"):
        return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def _reduce(loss, reduction, denom):
    """Apply 'none' / 'sum' / 'mean' (mean divides by `denom`) to an elementwise loss array."""
    if reduction == "none":
        return loss
    xp = B.get_array_module(loss)
    total = loss.sum()
    if reduction == "mean":
        with B.np.errstate(divide="ignore", invalid="ignore"):
            total = total / denom
    return xp.asarray(total, dtype=loss.dtype)


def _grad_scale(g, reduction, denom):
    """The incoming gradient per loss element: g itself ('none'), g ('sum') or g / denom ('mean')."""
    if reduction == "mean":
        with B.np.errstate(divide="ignore", invalid="ignore"):
            return g / denom
    return g


def _targets(t, ignore_index, w, dtype):
    """Valid mask, targets with ignored entries set to 0, and the per-target weights (N, D)."""
    xp = B.get_array_module(t)
    valid = t != ignore_index
    tt = xp.where(valid, t, 0)
    wy = valid.astype(dtype) if w is None else xp.where(valid, w[tt], 0).astype(dtype, copy=False)
    return valid, tt, wy


def _onehot(tt, n_classes, dtype):
    """(N, D) class indices -> (N, C, D) one-hot array."""
    xp = B.get_array_module(tt)
    return (xp.arange(n_classes)[None, :, None] == tt[:, None, :]).astype(dtype)


class CrossEntropy(Op):
    """Cross entropy of logits (N, C, D) against class indices (N, D), with log-softmax fused in.

    loss_i = (1 - eps) * w[y_i] * (-log p_i[y_i]) + eps / C * sum_c w[c] * (-log p_i[c]);
    ignored targets give 0, and 'mean' divides by the summed w[y_i] of the non-ignored targets.
    """
    node = "NllLoss"

    @staticmethod
    def forward(ctx, z, t, w, ignore_index, reduction, eps):
        xp = B.get_array_module(z)
        n_classes = z.shape[1]
        logp = log_softmax_array(z, 1)
        valid, tt, wy = _targets(t, ignore_index, w, z.dtype)
        nll = -xp.take_along_axis(logp, tt[:, None, :], axis=1)[:, 0, :]
        loss = xp.where(valid, wy * nll, 0)
        if eps:
            smooth = -(logp.sum(axis=1) if w is None else (logp * w[None, :, None]).sum(axis=1))
            loss = (1 - eps) * loss + (eps / n_classes) * xp.where(valid, smooth, 0)
        ctx.denom = wy.sum()
        ctx.weight, ctx.reduction, ctx.eps = w, reduction, eps
        ctx.save_for_backward(logp, tt, valid, wy)
        return _reduce(loss.astype(z.dtype, copy=False), reduction, ctx.denom)

    @staticmethod
    def backward(ctx, g):
        logp, tt, valid, wy = ctx.saved_tensors
        w, reduction, eps = ctx.weight, ctx.reduction, ctx.eps
        xp = B.get_array_module(logp)
        n_classes = logp.shape[1]
        # ignored targets get exactly 0, also when every target is ignored (g / 0 = inf), as in PyTorch
        s = xp.where(valid, _grad_scale(g, reduction, ctx.denom), 0)
        hit = (1 - eps) * s * wy                       # (N, D): the weight of -log p[y]
        # d/dz of -log p[y] is p - onehot(y), and of the smoothing term (1/C) sum_c w_c (-log p_c)
        # it is p sum(w) / C - w / C: so grad = p * (hit + spread * sum(w)) - spread * w - hit at y,
        # built in place on p (the logits of a large vocabulary make every extra pass costly)
        spread = (s * valid) * (eps / n_classes) if eps else None
        grad = xp.exp(logp)
        scale = hit if not eps else hit + spread * (n_classes if w is None else w.sum())
        grad *= scale.astype(grad.dtype, copy=False)[:, None, :]
        if eps:
            grad -= (spread[:, None, :] if w is None else spread[:, None, :] * w[None, :, None]
                     ).astype(grad.dtype, copy=False)
        rows, cols = xp.arange(tt.shape[0])[:, None], xp.arange(tt.shape[1])[None, :]
        grad[rows, tt, cols] -= hit.astype(grad.dtype, copy=False)   # one target per (n, d)
        return grad, None


class CrossEntropyProbs(Op):
    """Cross entropy of logits (N, C, D) against class probabilities q (N, C, D).

    loss_i = -sum_c w[c] q'_ic log p_ic with q' = (1 - eps) q + eps / C; 'mean' divides by N * D.
    """
    node = "Neg"

    @staticmethod
    def forward(ctx, z, q, w, reduction, eps):
        n_classes = z.shape[1]
        logp = log_softmax_array(z, 1)
        qs = q * (1 - eps) + eps / n_classes if eps else q
        a = qs if w is None else qs * w[None, :, None]
        loss = -(a * logp).sum(axis=1)
        ctx.denom = loss.size
        ctx.weight, ctx.reduction, ctx.eps = w, reduction, eps
        ctx.save_for_backward(logp, a)
        return _reduce(loss.astype(z.dtype, copy=False), reduction, ctx.denom)

    @staticmethod
    def backward(ctx, g):
        logp, a = ctx.saved_tensors
        w, reduction, eps = ctx.weight, ctx.reduction, ctx.eps
        xp = B.get_array_module(logp)
        s = xp.broadcast_to(_grad_scale(g, reduction, ctx.denom), (logp.shape[0], logp.shape[2]))
        s = s[:, None, :]
        nz, nq = ctx.needs_input_grad[:2]
        gz = s * (xp.exp(logp) * a.sum(axis=1, keepdims=True) - a) if nz else None
        gq = None
        if nq:
            gq = -s * logp * (1 - eps)
            if w is not None:
                gq = gq * w[None, :, None]
        return gz, gq


class NllLoss(Op):
    """Negative log likelihood of log-probabilities (N, C, D) at class indices (N, D)."""

    @staticmethod
    def forward(ctx, x, t, w, ignore_index, reduction):
        xp = B.get_array_module(x)
        valid, tt, wy = _targets(t, ignore_index, w, x.dtype)
        picked = xp.take_along_axis(x, tt[:, None, :], axis=1)[:, 0, :]
        loss = xp.where(valid, -wy * picked, 0).astype(x.dtype, copy=False)
        ctx.denom = wy.sum()
        ctx.reduction = reduction
        ctx.n_classes = x.shape[1]
        ctx.save_for_backward(tt, valid, wy)
        return _reduce(loss, reduction, ctx.denom)

    @staticmethod
    def backward(ctx, g):
        tt, valid, wy = ctx.saved_tensors
        xp = B.get_array_module(wy)
        # as in PyTorch: ignored targets get 0; with a zero total weight, counted ones get -0/0 = nan
        s = xp.where(valid, _grad_scale(g, ctx.reduction, ctx.denom), 0)
        return xp.where(_onehot(tt, ctx.n_classes, bool), -(s * wy)[:, None, :], 0).astype(
            wy.dtype, copy=False), None


def softplus_array(a):
    """log(1 + exp(a)) without overflow."""
    xp = B.get_array_module(a)
    return xp.maximum(a, 0) + xp.log1p(xp.exp(-abs(a)))


class BCEWithLogits(Op):
    """Binary cross entropy of logits x against targets y (same shape), stable for large |x|.

    loss = w * [(1 - y) x + (1 + (pw - 1) y) softplus(-x)], i.e.
    -w * [pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))].
    """
    node = "BinaryCrossEntropyWithLogits"

    @staticmethod
    def forward(ctx, x, y, w, pw, reduction):
        sp = softplus_array(-x)
        coeff = 1 if pw is None else 1 + (pw - 1) * y
        loss = (1 - y) * x + coeff * sp
        if w is not None:
            loss = loss * w
        ctx.weight, ctx.pos_weight, ctx.reduction = w, pw, reduction
        ctx.save_for_backward(x, y)
        return _reduce(loss.astype(x.dtype, copy=False), reduction, loss.size)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        w, pw, reduction = ctx.weight, ctx.pos_weight, ctx.reduction
        s = _grad_scale(g, reduction, x.size)
        if w is not None:
            s = s * w
        nx, ny = ctx.needs_input_grad[:2]
        gx = gy = None
        if nx:
            if pw is None:
                gx = s * (sigmoid_array(x) - y)
            else:
                gx = s * ((1 - y) + (1 + (pw - 1) * y) * (sigmoid_array(x) - 1))
            gx = B.get_array_module(x).broadcast_to(gx, x.shape).astype(x.dtype, copy=False)
        if ny:
            gy = s * (-x if pw is None else -x + (pw - 1) * softplus_array(-x))
            gy = B.get_array_module(x).broadcast_to(gy, y.shape).astype(y.dtype, copy=False)
        return gx, gy


class FusedLayerNorm(Op):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last `k` dimensions (biased var).

    The normalised dimensions are the trailing ones, so both passes work on x seen as (rows, n):
    the sums of squares and the backward's two row sums over the normalised axis are products with
    a vector (einsum / matmul), which read each array once and build no temporary.
    """
    node = "NativeLayerNorm"

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        xp = B.get_array_module(x)
        shape = x.shape
        n = 1
        for d in shape[x.ndim - k:]:
            n *= d
        x2 = x.reshape(-1, n)
        xhat = x2 - x2.sum(axis=1, keepdims=True) / max(n, 1)       # centred, normalised below
        rstd = 1 / xp.sqrt(xp.einsum("ij,ij->i", xhat, xhat)[:, None] / max(n, 1) + eps)
        xhat *= rstd.astype(xhat.dtype, copy=False)
        ctx.k, ctx.n = k, n
        ctx.save_for_backward(xhat, rstd, weight)
        out = xhat if weight is None else xhat * weight.reshape(n)
        if bias is not None:
            out = out + bias.reshape(n) if out is xhat else out.__iadd__(bias.reshape(n))
        return out.reshape(shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        xhat, rstd, weight = ctx.saved_tensors
        shape, n = g.shape, ctx.n
        g2 = g.reshape(-1, n)
        nx, nw, nb = ctx.needs_input_grad[:3]
        gx = gw = gb = None
        if nw:
            gw = (g2 * xhat).sum(axis=0).reshape(weight.shape)
        if nb:
            gb = g2.sum(axis=0).reshape(shape[len(shape) - ctx.k:])
        if nx:
            xp = B.get_array_module(g)
            w = None if weight is None else weight.reshape(n)
            gh = g2 if w is None else g2 * w
            # dx = rstd (gh - mean(gh) - xhat mean(gh xhat)), the means over the normalised axis
            mean_gh = (gh.sum(axis=1) if w is None else g2 @ w)[:, None] / n
            mean_ghx = xp.einsum("ij,ij->i", gh, xhat)[:, None] / n
            gx = xhat * mean_ghx
            xp.subtract(gh, gx, out=gx)
            gx -= mean_gh
            gx *= rstd
            gx = gx.reshape(shape)
        return gx, gw, gb


class DropoutMask(Op):
    """x * mask, where mask holds 0 or 1 / (1 - p) (inverted dropout)."""
    node = "Mul"

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return g * mask, None


_BCE_EPS = float(B.np.float32(1e-12))  # PyTorch's floor for x (1 - x) in the gradient (a float32)


class BinaryCrossEntropy(Op):
    """-w * [y log x + (1 - y) log(1 - x)] for probabilities x; each log is clamped at -100."""

    @staticmethod
    def forward(ctx, x, y, w, reduction):
        xp = B.get_array_module(x)
        with B.np.errstate(divide="ignore"):
            log_x, log_1mx = xp.maximum(xp.log(x), -100), xp.maximum(xp.log1p(-x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if w is not None:
            loss = loss * w
        ctx.weight, ctx.reduction = w, reduction
        ctx.save_for_backward(x, y, log_x, log_1mx)
        return _reduce(loss.astype(x.dtype, copy=False), reduction, loss.size)

    @staticmethod
    def backward(ctx, g):
        x, y, log_x, log_1mx = ctx.saved_tensors
        w, reduction = ctx.weight, ctx.reduction
        xp = B.get_array_module(x)
        s = _grad_scale(g, reduction, x.size)
        if w is not None:
            s = s * w
        nx, ny = ctx.needs_input_grad[:2]
        gx = xp.broadcast_to(s * (x - y) / xp.maximum((1 - x) * x, _BCE_EPS), x.shape) if nx else None
        gy = xp.broadcast_to(s * (log_1mx - log_x), y.shape) if ny else None
        return gx, gy


class ConstantPad(Op):
    """Pad (or crop, for negative amounts) each dimension by (before, after) with a constant."""
    node = "ConstantPadNd"

    @staticmethod
    def forward(ctx, a, pads, value):
        xp = B.get_array_module(a)
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, pads))
        src = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(a.shape, pads))
        dst = tuple(slice(max(lo, 0), m - max(hi, 0)) for m, (lo, hi) in zip(shape, pads))
        out = xp.full(shape, value, dtype=a.dtype)
        out[dst] = a[src]
        ctx.shape, ctx.src, ctx.dst = a.shape, src, dst
        return out

    @staticmethod
    def backward(ctx, g):
        shape, src, dst = ctx.shape, ctx.src, ctx.dst
        grad = B.get_array_module(g).zeros(shape, dtype=g.dtype)
        grad[src] = g[dst]
        return grad
