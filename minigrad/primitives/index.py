"""Indexing ops: __getitem__, __setitem__, gather, index_select, masked_fill, embedding lookup.

Backward passes scatter-add, so repeated indices accumulate their gradients.
"""
import numbers

from .. import backend as B
from .base import Op


def is_advanced(key):
    """True when an index tuple holds an integer or boolean array (NumPy advanced indexing)."""
    return any(B.is_array(k) for k in key)


def _dims_used(k):
    if k is None or k is Ellipsis:
        return 0
    return k.ndim if B.is_array(k) and k.dtype == bool else 1


def check_index_bounds(key, shape, op="index"):
    """Raise IndexError when an int or int array in `key` points outside its dimension."""
    used = sum(_dims_used(k) for k in key)
    if used > len(shape):
        raise IndexError(f"{op}: too many indices for tensor of dimension {len(shape)}")
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - used
            continue
        if B.is_array(k) and k.dtype == bool:
            if tuple(k.shape) != tuple(shape[dim:dim + k.ndim]):
                raise IndexError(f"{op}: the shape of the mask {tuple(k.shape)} does not match the "
                                 f"shape of the indexed tensor {tuple(shape[dim:dim + k.ndim])} at "
                                 f"dimension {dim}")
        elif (B.is_array(k) and k.size) or isinstance(k, int):
            n = shape[dim]
            lo, hi = (int(k.min()), int(k.max())) if B.is_array(k) else (k, k)
            if lo < -n or hi >= n:
                bad = hi if hi >= n else lo
                raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size {n}")
        dim += _dims_used(k)


def _index_node(key):
    """PyTorch's node for a[key]: Index for advanced indexing, else Select / Slice by the last step."""
    node = "Alias"
    for k in (key if isinstance(key, tuple) else (key,)):
        if B.is_array(k) or isinstance(k, (list, bool)):
            return "Index"
        if isinstance(k, slice) and k != slice(None):
            node = "Slice"
        elif isinstance(k, numbers.Integral):
            node = "Select"
        elif k is None:
            node = "Unsqueeze"
    return node


class GetItem(Op):
    @staticmethod
    def forward(ctx, a, key):
        ctx.shape, ctx.dtype, ctx.key = a.shape, a.dtype, key
        ctx.node = _index_node(key)
        return a[key]

    @staticmethod
    def backward(ctx, g):
        shape, dtype, key = ctx.shape, ctx.dtype, ctx.key
        out = B.get_array_module(g).zeros(shape, dtype=dtype)
        if any(B.is_array(k) and k.dtype != bool for k in key):  # integer arrays may repeat
            B.scatter_add(out, _bool_to_int(key), g)
        else:  # basic indices and boolean masks select each element at most once
            out[key] = g
        return out


def _bool_to_int(key):
    """Replace boolean masks in an index by the integer index arrays they select."""
    out = []
    for k in key:
        out.extend(k.nonzero() if B.is_array(k) and k.dtype == bool else (k,))
    return tuple(out)


class SetItem(Op):
    """base[key] = value, written in place; the old base gets the gradient outside the key."""
    node = "CopySlices"

    @staticmethod
    def forward(ctx, base, value, key, write=True):
        ctx.key = key
        if write:  # write=False records a view's in-place change whose data is already in `base`
            base[key] = value
        return base

    @staticmethod
    def backward(ctx, g):
        key = ctx.key
        nb, nv = ctx.needs_input_grad[:2]
        gb = gv = None
        if nb:
            gb = g.copy()
            gb[key] = 0
        if nv:
            gv = g[key]
        return gb, gv, None, None


def _gather_index(index, dim):
    xp = B.get_array_module(index)
    full = []
    for d in range(index.ndim):
        if d == dim:
            full.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = index.shape[d]
            full.append(xp.arange(index.shape[d]).reshape(shape))
    return tuple(full)


class Gather(Op):
    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.shape, ctx.dtype, ctx.dim = a.shape, a.dtype, dim
        ctx.save_for_backward(index)
        return a[_gather_index(index, dim)]

    @staticmethod
    def backward(ctx, g):
        index, = ctx.saved_tensors
        shape, dtype, dim = ctx.shape, ctx.dtype, ctx.dim
        out = B.get_array_module(g).zeros(shape, dtype=dtype)
        return B.scatter_add(out, _gather_index(index, dim), g)


class IndexSelect(Op):
    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.shape, ctx.dtype, ctx.dim = a.shape, a.dtype, dim
        ctx.save_for_backward(index)
        return B.get_array_module(a).take(a, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        index, = ctx.saved_tensors
        shape, dtype, dim = ctx.shape, ctx.dtype, ctx.dim
        out = B.get_array_module(g).zeros(shape, dtype=dtype)
        return B.scatter_add(out, (slice(None),) * dim + (index,), g)


class MaskedFill(Op):
    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.save_for_backward(mask)
        out = B.get_array_module(a).where(mask, value, a)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return B.get_array_module(g).where(mask, 0, g), None


class EmbeddingLookup(Op):
    """weight[indices]; the gradient rows are scatter-added, and the padding row gets none."""
    node = "Embedding"

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        ctx.shape, ctx.dtype, ctx.padding_idx = weight.shape, weight.dtype, padding_idx
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        indices, = ctx.saved_tensors
        shape, dtype, padding_idx = ctx.shape, ctx.dtype, ctx.padding_idx
        out = B.get_array_module(g).zeros(shape, dtype=dtype)
        B.scatter_add(out, indices.reshape(-1), g.reshape(-1, shape[1]))
        if padding_idx is not None:
            out[padding_idx] = 0
        return out, None


class GatherRows(Op):
    """out = a[index] for unique row indices (backward scatters into zeros; no accumulation needed)."""
    node = "PackPaddedSequence"

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.shape, ctx.index
        out = B.get_array_module(g).zeros(shape, dtype=g.dtype)
        out[index] = g
        return out, None


class ScatterRows(Op):
    """out = full((rows, *a.shape[1:]), value); out[index] = a (backward gathers the rows back)."""
    node = "PadPackedSequence"

    @staticmethod
    def forward(ctx, a, index, rows, value):
        ctx.index = index
        out = B.get_array_module(a).full((rows,) + a.shape[1:], value, dtype=a.dtype)
        out[index] = a
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.index], None, None, None
