"""Reductions along dimensions: sum, mean, var, max/min, logsumexp, softmax and log_softmax."""
from .. import backend as B
from .base import Op


def _expand_back(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back to the input shape."""
    if not keepdim and axes:
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return B.get_array_module(g).broadcast_to(g, shape)


class Sum(Op):
    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.overload = int(len(axes) < a.ndim)  # a sum over some dims is SumBackward1
        return a.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Op):
    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.overload = int(len(axes) < a.ndim)
        n = 1
        for ax in axes:
            n *= a.shape[ax]
        ctx.n = n
        if n:   # (ndarray.mean is slower for small arrays, and so is entering np.errstate)
            return a.sum(axis=axes, keepdims=keepdim) / n
        with B.np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan
            return a.sum(axis=axes, keepdims=keepdim) / n

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.axes, ctx.keepdim)


class Var(Op):
    @staticmethod
    def forward(ctx, a, axes, keepdim, correction):
        n = 1
        for ax in axes:
            n *= a.shape[ax]
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.denom = max(n - correction, 0)
        if ctx.denom:   # the common case, without the cost of entering np.errstate
            centred = a - a.sum(axis=axes, keepdims=True) / n
            ctx.save_for_backward(centred)
            return (centred * centred).sum(axis=axes, keepdims=keepdim) / ctx.denom
        with B.np.errstate(divide="ignore", invalid="ignore"):  # no elements, or no degrees of freedom
            centred = a - a.mean(axis=axes, keepdims=True)
            ctx.save_for_backward(centred)
            return (centred * centred).sum(axis=axes, keepdims=keepdim) / ctx.denom

    @staticmethod
    def backward(ctx, g):
        centred, = ctx.saved_tensors
        with B.np.errstate(divide="ignore", invalid="ignore"):
            # no degrees of freedom left (e.g. std of one element): NaN, as in PyTorch
            return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim) * centred * (
                2.0 / ctx.denom if ctx.denom else B.np.inf)


class MaxMinAll(Op):
    """max() / min() over all elements; ties share the gradient evenly (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, is_max):
        if a.size == 0:
            raise RuntimeError(f"{'max' if is_max else 'min'}(): Expected reduction dim to be "
                               f"specified for input.numel() == 0.")
        out = a.max() if is_max else a.min()
        ctx.node, ctx.overload = ("Max" if is_max else "Min"), 1
        ctx.save_for_backward(a, out)
        return B.get_array_module(a).asarray(out)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        mask = a == out
        return mask * (g / mask.sum())


class AMaxMin(Op):
    """amax / amin over `axes`; tied maxima share the gradient evenly (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, axes, keepdim, is_max):
        for ax in axes:
            if a.shape[ax] == 0:
                raise IndexError(f"{'amax' if is_max else 'amin'}(): Expected reduction dim {ax} to "
                                 f"have non-zero size.")
        out = (a.max if is_max else a.min)(axis=axes, keepdims=True)
        ctx.node = "Amax" if is_max else "Amin"
        ctx.save_for_backward(a, out)
        ctx.axes = axes
        return out if keepdim else out.squeeze(axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        mask = a == out
        g = g.reshape(out.shape)
        return mask * (g / mask.sum(axis=ctx.axes, keepdims=True))


class Prod(Op):
    """Product over one axis (all elements when axis is None); exact gradient also with zeros."""

    @staticmethod
    def forward(ctx, a, axis, keepdim):
        ctx.save_for_backward(a)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        return a.prod(axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        shape, axis, keepdim = ctx.shape, ctx.axis, ctx.keepdim
        xp = B.get_array_module(a)
        flat = a.reshape(-1) if axis is None else xp.moveaxis(a, axis, -1)
        ones = xp.ones_like(flat[..., :1])
        # product of everything before / after each element: d prod / d a_i without dividing by a_i
        before = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        after = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], axis=-1),
                                   axis=-1), -1)
        others = before * after
        if axis is None:
            return (g * others).reshape(shape)
        g = g if keepdim else xp.expand_dims(g, axis)
        return g * xp.moveaxis(others, -1, axis)


class Norm(Op):
    """The p-norm over `axes` (p = inf for the largest |a|); the gradient is 0 where the norm is 0."""

    @staticmethod
    def forward(ctx, a, p, axes, keepdim):
        xp = B.get_array_module(a)
        absa = abs(a)
        if p == float("inf"):
            out = absa.max(axis=axes, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        elif p == 0:
            out = (a != 0).sum(axis=axes, keepdims=True).astype(a.dtype)
        else:
            out = ((absa ** p).sum(axis=axes, keepdims=True)) ** (1.0 / p)
        ctx.save_for_backward(a, out)
        ctx.p, ctx.axes = p, axes
        return out if keepdim else out.reshape(tuple(n for i, n in enumerate(out.shape)
                                                     if i not in axes))

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        p, axes = ctx.p, ctx.axes
        xp = B.get_array_module(a)
        g = g.reshape(out.shape)
        if p == 0:
            return xp.zeros_like(a)
        with B.np.errstate(divide="ignore", invalid="ignore"):
            if p == float("inf"):
                mask = abs(a) == out
                grad = xp.sign(a) * mask / mask.sum(axis=axes, keepdims=True)
            else:
                grad = xp.sign(a) * abs(a) ** (p - 1) / out ** (p - 1)
        return g * xp.where(out == 0, 0, grad)


class MaxMinDim(Op):
    """max(dim) / min(dim): values and int64 indices; the gradient flows to the selected element."""

    @staticmethod
    def forward(ctx, a, dim, keepdim, is_max):
        xp = B.get_array_module(a)
        if a.shape[dim] == 0:
            raise IndexError(f"{'max' if is_max else 'min'}(): cannot reduce over dimension {dim} "
                             f"of size 0")
        idx = (a.argmax if is_max else a.argmin)(axis=dim)
        ctx.node = "Max" if is_max else "Min"
        idx_k = xp.expand_dims(idx, dim)
        values = xp.take_along_axis(a, idx_k, axis=dim)
        ctx.shape, ctx.dtype, ctx.dim, ctx.keepdim = a.shape, a.dtype, dim, keepdim
        ctx.save_for_backward(idx_k)
        if not keepdim:
            values = values.squeeze(dim)
            idx_k = idx
        return values, idx_k.astype(xp.int64)

    @staticmethod
    def backward(ctx, g, _gi):
        idx_k, = ctx.saved_tensors
        shape, dtype, dim, keepdim = ctx.shape, ctx.dtype, ctx.dim, ctx.keepdim
        xp = B.get_array_module(g)
        out = xp.zeros(shape, dtype=dtype)
        if not keepdim:
            g = xp.expand_dims(g, dim)
        xp.put_along_axis(out, idx_k, g, axis=dim)
        return out


def logsumexp_array(a, axis, keepdims=False):
    """log(sum(exp(a))) along `axis`, shifted by the max for stability."""
    xp = B.get_array_module(a)
    if a.size == 0:  # nothing to shift by: the log of an empty sum is -inf
        with B.np.errstate(divide="ignore"):
            out = xp.log(xp.exp(a).sum(axis=axis, keepdims=True))
        return out if keepdims else out.squeeze(axis)
    m = a.max(axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    with B.np.errstate(divide="ignore"):
        out = xp.log(xp.exp(a - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else out.squeeze(axis)


class LogSumExp(Op):
    node = "Logsumexp"

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        out = logsumexp_array(a, axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return out if keepdim else out.squeeze(axes)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        xp = B.get_array_module(a)
        shape, axes, keepdim = ctx.shape, ctx.axes, ctx.keepdim
        return _expand_back(g, shape, axes, keepdim) * xp.exp(a - out)


class Softmax(Op):
    @staticmethod
    def forward(ctx, a, dim):
        xp = B.get_array_module(a)
        e = xp.exp(a - a.max(axis=dim, keepdims=True) if a.size else a)
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return y * (g - (g * y).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Op):
    @staticmethod
    def forward(ctx, a, dim):
        xp = B.get_array_module(a)
        m = a.max(axis=dim, keepdims=True) if a.size else xp.zeros((), a.dtype)
        shifted = a - xp.where(xp.isfinite(m), m, 0)
        # subtract the log-normaliser from the shifted logits, so float32 keeps its precision
        with B.np.errstate(divide="ignore"):
            out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        xp = B.get_array_module(y)
        return g - xp.exp(y) * g.sum(axis=ctx.dim, keepdims=True)


class Cumsum(Op):
    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return B.get_array_module(a).cumsum(a, axis=dim)

    @staticmethod
    def backward(ctx, g):
        xp = B.get_array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, axis=ctx.dim), axis=ctx.dim), axis=ctx.dim)
