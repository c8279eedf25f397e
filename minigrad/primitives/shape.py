"""Shape ops: reshape/view, transpose, permute, expand, cat, stack, split, unbind, flip."""
from .. import backend as B
from .base import Op
from .elementwise import Where


class Reshape(Op):
    """reshape / view / squeeze / unsqueeze / flatten: the same data seen with another shape."""
    node = "View"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.src = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.src)


class Unsqueeze(Reshape):
    """unsqueeze: a Reshape under PyTorch's node name."""
    node = "Unsqueeze"


class Squeeze(Reshape):
    """squeeze: a Reshape under PyTorch's node names (overload 0: all dims, 1: one dim, 2: a tuple)."""
    node = "Squeeze"

    @staticmethod
    def forward(ctx, a, shape, overload=0):
        ctx.overload = overload
        return Reshape.forward(ctx, a, shape)


def infer_shape(shape, numel, op="view"):
    """Resolve one -1 in `shape` and check that it holds `numel` elements (PyTorch's message)."""
    shape = tuple(int(s) for s in shape)
    if sum(1 for s in shape if s == -1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Permute(Op):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.axes)
        for i, ax in enumerate(ctx.axes):
            inverse[ax] = i
        return g.transpose(inverse)


class Expand(Op):
    @staticmethod
    def forward(ctx, a, shape):
        return B.get_array_module(a).broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g  # the engine sums it down to the input's shape


class Cat(Op):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.sizes = [a.shape[dim] for a in arrays]
        ctx.dim = dim
        return B.get_array_module(arrays[0]).concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        index = [slice(None)] * g.ndim
        for n in ctx.sizes:
            index[ctx.dim] = slice(start, start + n)
            grads.append(g[tuple(index)])
            start += n
        return tuple(grads)


class Stack(Op):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        return B.get_array_module(arrays[0]).stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        xp = B.get_array_module(g)
        return tuple(xp.take(g, i, axis=ctx.dim) for i in range(g.shape[ctx.dim]))


class Split(Op):
    """Split along `dim` into pieces of the given sizes; one output per piece."""

    @staticmethod
    def forward(ctx, a, sizes, dim):
        ctx.dim = dim
        outs, start = [], 0
        index = [slice(None)] * a.ndim
        for n in sizes:
            index[dim] = slice(start, start + n)
            outs.append(a[tuple(index)])
            start += n
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        return B.get_array_module(grads[0]).concatenate(grads, axis=ctx.dim)


class Unbind(Op):
    """Remove `dim`, returning one tensor per slice along it."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return B.get_array_module(grads[0]).stack(grads, axis=ctx.dim)


class Flip(Op):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return B.get_array_module(a).flip(a, axis=axes)

    @staticmethod
    def backward(ctx, g):
        return B.get_array_module(g).flip(g, axis=ctx.axes)


class PadSequence(Op):
    """Stack sequences of shapes (L_i, *) into (max L, B, *) or (B, max L, *), padding the rest."""

    @staticmethod
    def forward(ctx, *seqs, batch_first, value, left):
        xp = B.get_array_module(seqs[0])
        steps = max(s.shape[0] for s in seqs)
        out = xp.full((len(seqs), steps) + seqs[0].shape[1:], value, dtype=seqs[0].dtype)
        ctx.slices = []
        for j, s in enumerate(seqs):
            sl = slice(steps - s.shape[0], steps) if left else slice(0, s.shape[0])
            out[j, sl] = s
            ctx.slices.append(sl)
        ctx.batch_first = batch_first
        return out if batch_first else xp.ascontiguousarray(xp.swapaxes(out, 0, 1))

    @staticmethod
    def backward(ctx, g):
        if not ctx.batch_first:
            g = B.get_array_module(g).swapaxes(g, 0, 1)
        return tuple(g[j, sl] for j, sl in enumerate(ctx.slices))


class Tril(Where):
    """tril: Where(keep, a, 0) with a (m, n) mask of the kept triangle, under PyTorch's node name."""
    node = "Tril"


class Triu(Where):
    """triu: as Tril, for the upper triangle."""
    node = "Triu"
