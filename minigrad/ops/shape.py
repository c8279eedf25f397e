"""Shape functions: views (reshape, transpose, permute, expand, ...) and joins / splits (cat, stack,
split, chunk, unbind), repeat, roll and flip.  Results that share memory are marked as views."""
import builtins

from .. import backend as B
from ..primitives import shape as S
from ..primitives.base import normalize_dim
from ..tensor import shape_arg
from ..views import mark_view
from . import promotion as P


def reshape(a, *shape):
    """The same elements in a new shape (row-major order); one size may be -1 and is inferred.

    Args:
        a: the input Tensor.
        *shape: the new sizes, as ints or one tuple.

    Shape:
        Input `(*)` with n elements; output `shape`, also n elements.

    Example:
        >>> x = minigrad.arange(6).reshape(2, 3)
        >>> x.reshape(3, 2)
        tensor([[0, 1],
                [2, 3],
                [4, 5]])
        >>> minigrad.reshape(x, (-1,))
        tensor([0, 1, 2, 3, 4, 5])
    """
    shape = S.infer_shape(shape_arg(shape), a.numel(), "reshape")
    if shape == a.shape:
        return a
    return mark_view(S.Reshape.apply(a, shape), a, "reshape")


def view(a, *shape):
    """The same as `reshape`: a minigrad tensor can always be viewed in a new shape.

    Args:
        a: the input Tensor.
        *shape: the new sizes, as ints or one tuple; one may be -1.

    Shape:
        Input `(*)` with n elements; output `shape`, also n elements.

    Example:
        >>> x = minigrad.arange(6).reshape(2, 3)
        >>> x.view(-1, 2).shape
        (3, 2)
    """
    shape = S.infer_shape(shape_arg(shape), a.numel(), "view")
    return mark_view(S.Reshape.apply(a, shape), a, "reshape")


def transpose(a, dim0, dim1):
    """Swaps two dims: `out[..., j, ..., i, ...] = a[..., i, ..., j, ...]` (a view).

    Args:
        a: the input Tensor.
        dim0: the first dim.
        dim1: the second dim.

    Shape:
        Input `(*, S_dim0, *, S_dim1, *)`; output with the two sizes swapped.

    Example:
        >>> x = minigrad.arange(6).reshape(2, 3)
        >>> minigrad.transpose(x, 0, 1)
        tensor([[0, 3],
                [1, 4],
                [2, 5]])
    """
    n = a.ndim
    d0, d1 = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    if n == 0:
        return a
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return mark_view(S.Permute.apply(a, tuple(axes)), a, "permute", tuple(axes))


def permute(a, *dims):
    """Reorders the dims: output dim i is input dim ``dims[i]`` (a view).

    Args:
        a: the input Tensor.
        *dims: a permutation of 0..ndim-1, as ints or one tuple.

    Shape:
        Input `(S_0, ..., S_(n-1))`; output `(S_dims[0], ..., S_dims[n-1])`.

    Example:
        >>> minigrad.zeros(2, 3, 4).permute(2, 0, 1).shape
        (4, 2, 3)
    """
    dims = shape_arg(dims)
    if len(dims) != a.ndim:
        raise RuntimeError(f"permute: number of dims don't match: input has {a.ndim} dims but "
                           f"{len(dims)} were given")
    axes = tuple(normalize_dim(d, a.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return mark_view(S.Permute.apply(a, axes), a, "permute", axes)


def squeeze(a, dim=None):
    """Removes dims of size 1: all of them, or only dim (left alone if its size is not 1).

    Args:
        a: the input Tensor.
        dim: an int, a tuple of ints, or None for every size-1 dim.

    Shape:
        Input `(*)`; output without the removed size-1 dims.

    Example:
        >>> x = minigrad.zeros(2, 1, 3, 1)
        >>> x.squeeze().shape
        (2, 3)
        >>> x.squeeze(1).shape
        (2, 3, 1)
    """
    if dim is None:
        shape = tuple(s for s in a.shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = {normalize_dim(d, a.ndim, "squeeze") for d in dims}
        shape = tuple(s for i, s in enumerate(a.shape) if not (i in axes and s == 1))
    overload = 0 if dim is None else 2 if isinstance(dim, (tuple, list)) else 1   # PyTorch's node
    return mark_view(S.Squeeze.apply(a, shape, overload=overload), a, "reshape")


def unsqueeze(a, dim):
    """Inserts a dim of size 1 at position dim (negative dim counts from the end of the output).

    Args:
        a: the input Tensor.
        dim: where the new dim goes, in [-ndim-1, ndim].

    Shape:
        Input `(*)`; output with one more dim, of size 1.

    Example:
        >>> x = minigrad.tensor([1, 2, 3])
        >>> x.unsqueeze(0)
        tensor([[1, 2, 3]])
        >>> x.unsqueeze(-1).shape
        (3, 1)
    """
    d = normalize_dim(dim, a.ndim + 1, "unsqueeze")
    shape = a.shape[:d] + (1,) + a.shape[d:]
    return mark_view(S.Unsqueeze.apply(a, shape), a, "reshape")


def expand(a, *sizes):
    """Broadcasts size-1 dims to larger sizes without copying (a view); -1 keeps a size.

    New leading dims may be added. Its gradient sums over the broadcast dims.

    Args:
        a: the input Tensor.
        *sizes: the new sizes, as ints or one tuple.

    Shape:
        Input `(*, 1, *)`; output `sizes`.

    Example:
        >>> minigrad.tensor([[1], [2]]).expand(2, 3)
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    sizes = shape_arg(sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({a.ndim})")
    lead = len(sizes) - a.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            shape.append(s)
            continue
        old = a.shape[i - lead]
        if s == -1:
            s = old
        if old != 1 and s != old:
            raise RuntimeError(f"expand: the expanded size of the tensor ({s}) must match the existing "
                               f"size ({old}) at non-singleton dimension {i}. Target sizes: "
                               f"{list(sizes)}. Tensor sizes: {list(a.shape)}")
        shape.append(s)
    return mark_view(S.Expand.apply(a, tuple(shape)), a, "expand")


def flatten(a, start_dim=0, end_dim=-1):
    """Merges the dims start_dim..end_dim (inclusive) into one.

    Args:
        a: the input Tensor.
        start_dim: the first dim to merge. Default: 0.
        end_dim: the last dim to merge. Default: -1.

    Shape:
        Input `(*, S_start, ..., S_end, *)`; output `(*, S_start · ... · S_end, *)`.

    Example:
        >>> x = minigrad.zeros(2, 3, 4)
        >>> minigrad.flatten(x).shape
        (24,)
        >>> x.flatten(1).shape
        (2, 12)
    """
    if a.ndim == 0:
        return reshape(a, 1)
    s = normalize_dim(start_dim, a.ndim, "flatten")
    e = normalize_dim(end_dim, a.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = 1
    for x in a.shape[s:e + 1]:
        n *= x
    return reshape(a, a.shape[:s] + (n,) + a.shape[e + 1:])


def cat(tensors, dim=0):
    """Concatenates tensors along an existing dim; every other dim must agree.

    Dtypes promote as in PyTorch; the gradient is split back into the pieces.

    Args:
        tensors: a non-empty sequence of Tensors.
        dim: the dim to join along. Default: 0.

    Shape:
        Inputs `(*, n_k, *)`, equal except in dim; output `(*, Σ_k n_k, *)`.

    Example:
        >>> a, b = minigrad.zeros(2, 3), minigrad.ones(1, 3)
        >>> minigrad.cat([a, b]).shape
        (3, 3)
        >>> minigrad.cat([a, a], dim=1).shape
        (2, 6)
    """
    tensors = P.tensor_list(tensors, "cat")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = tensors[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"cat: tensors must have the same number of dimensions: got "
                               f"{ref.ndim} and {t.ndim} (tensor {i}, shapes {ref.shape} and {t.shape})")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {t.shape[k]} for "
                                   f"tensor number {i} in the list (shapes {ref.shape} and {t.shape})")
    return S.Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Joins same-shaped tensors along a new dim: `out.select(dim, k) = tensors[k]`.

    Args:
        tensors: a non-empty sequence of Tensors of one shape.
        dim: the position of the new dim. Default: 0.

    Shape:
        K inputs `(*)`; output `(K, *)` for dim=0 (the new dim of size K at position dim).

    Example:
        >>> a, b = minigrad.tensor([1, 2]), minigrad.tensor([3, 4])
        >>> minigrad.stack([a, b])
        tensor([[1, 2],
                [3, 4]])
        >>> minigrad.stack([a, b], dim=1)
        tensor([[1, 3],
                [2, 4]])
    """
    tensors = P.tensor_list(tensors, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.shape != ref.shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {ref.shape} at "
                               f"entry 0 and {t.shape} at entry {i}")
    return S.Stack.apply(*tensors, dim=normalize_dim(dim, ref.ndim + 1, "stack"))


def split(a, split_size_or_sections, dim=0):
    """Splits into pieces along dim: of split_size each (the last may be smaller), or of the listed sizes.

    Args:
        a: the input Tensor.
        split_size_or_sections: an int (the size of every piece) or a list of sizes summing to
            a.shape[dim].
        dim: the dim to split. Default: 0.

    Shape:
        Input `(*, n, *)`; a tuple of `(*, n_k, *)` views.

    Example:
        >>> x = minigrad.arange(5)
        >>> minigrad.split(x, 2)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
        >>> minigrad.split(x, [1, 4])
        (tensor([0]), tensor([1, 2, 3, 4]))
    """
    d = normalize_dim(dim, a.ndim, "split")
    n = a.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n or builtins.any(s < 0 for s in sizes):
            raise RuntimeError(f"split: split_sizes {sizes} do not sum to the size {n} of dimension {d}")
    outs = S.Split.apply(a, tuple(sizes), d)
    lead, starts = (slice(None),) * d, [0]
    for n in sizes[:-1]:
        starts.append(starts[-1] + n)
    return tuple(mark_view(o, a, "index", lead + (slice(st, st + n), Ellipsis))
                 for o, st, n in zip(outs, starts, sizes))


def chunk(a, chunks, dim=0):
    """Splits into ``chunks`` nearly equal pieces along dim, of size ceil(n / chunks) (maybe fewer pieces).

    Args:
        a: the input Tensor.
        chunks: the number of pieces wanted.
        dim: the dim to split. Default: 0.

    Shape:
        Input `(*, n, *)`; a tuple of `(*, n_k, *)` views.

    Example:
        >>> minigrad.arange(5).chunk(3)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    n = a.shape[normalize_dim(dim, a.ndim, "chunk")]
    size = -(-n // chunks) if n else 1
    return split(a, builtins.max(size, 1), dim)


def unbind(a, dim=0):
    """Removes dim, returning the tuple of slices along it: `out[k] = a.select(dim, k)`.

    Args:
        a: the input Tensor.
        dim: the dim to remove. Default: 0.

    Shape:
        Input `(*, n, *)`; n Tensors of shape `(*, *)`.

    Example:
        >>> x = minigrad.arange(6).reshape(2, 3)
        >>> minigrad.unbind(x, dim=1)
        (tensor([0, 3]), tensor([1, 4]), tensor([2, 5]))
    """
    d = normalize_dim(dim, a.ndim, "unbind")
    if a.shape[d] == 0:
        return ()
    outs = S.Unbind.apply(a, d)
    outs = outs if isinstance(outs, tuple) else (outs,)
    return tuple(mark_view(o, a, "index", (slice(None),) * d + (i, Ellipsis)) for i, o in enumerate(outs))


def narrow(a, dim, start, length):
    """The slice start:start+length along dim (a view): `a.narrow(0, s, l) == a[s:s+l]`.

    Args:
        a: the input Tensor.
        dim: the dim to slice.
        start: the first index (negative counts from the end).
        length: the number of entries.

    Shape:
        Input `(*, n, *)`; output `(*, length, *)`.

    Example:
        >>> x = minigrad.arange(6).reshape(2, 3)
        >>> x.narrow(1, 1, 2)
        tensor([[1, 2],
                [4, 5]])
    """
    d = normalize_dim(dim, a.ndim, "narrow")
    n = a.shape[d]
    start = start + n if start < 0 else start
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) is out of range for "
                         f"dimension {d} of size {n}")
    return a[(slice(None),) * d + (slice(start, start + length),)]


def swapaxes(a, axis0, axis1):
    """Swaps two dims; the same as `transpose` (NumPy's name).

    Args:
        a: the input Tensor.
        axis0: the first dim.
        axis1: the second dim.

    Shape:
        Input `(*, S_0, *, S_1, *)`; output with the two sizes swapped.

    Example:
        >>> minigrad.zeros(2, 3).swapaxes(0, 1).shape
        (3, 2)
    """
    return transpose(a, axis0, axis1)


def movedim(a, source, destination):
    """Moves dim(s) source to position(s) destination, keeping the other dims in order.

    Args:
        a: the input Tensor.
        source: an int or a tuple of ints.
        destination: an int or a tuple of ints, as many as source.

    Shape:
        Input `(*)`; output the same sizes, reordered.

    Example:
        >>> minigrad.zeros(2, 3, 4).movedim(0, -1).shape
        (3, 4, 2)
    """
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {src} and destination {dst} must have the same length")
    src = [normalize_dim(d, a.ndim, "movedim") for d in src]
    dst = [normalize_dim(d, a.ndim, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {src} or destination {dst}")
    rest = iter(d for d in range(a.ndim) if d not in src)
    where = dict(zip(dst, src))
    return permute(a, *[where[i] if i in where else next(rest) for i in range(a.ndim)])


def repeat(a, *sizes):
    """Tiles the tensor sizes[i] times along dim i (copies); extra leading sizes add dims.

    Args:
        a: the input Tensor.
        *sizes: the repeat counts, at least a.ndim of them.

    Shape:
        Input `(S_0, ..., S_(n-1))`; output `(r_0 · S_0, ...)` (leading extra counts become dims).

    Example:
        >>> minigrad.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    sizes = shape_arg(sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than the "
                           f"number of dimensions of the tensor ({a.ndim})")
    if builtins.any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {list(sizes)}")
    shape = (1,) * (len(sizes) - a.ndim) + a.shape
    inter = tuple(x for n in shape for x in (1, n))
    big = tuple(x for r, n in zip(sizes, shape) for x in (r, n))
    return reshape(expand(reshape(a, inter), *big), tuple(r * n for r, n in zip(sizes, shape)))


def tile(a, *dims):
    """Repeats the tensor dims[i] times along dim i; missing leading counts are 1 (NumPy's tile).

    Args:
        a: the input Tensor.
        *dims: the repeat counts.

    Shape:
        As `repeat`, with dims padded with 1s in front to a.ndim.

    Example:
        >>> minigrad.tensor([[1, 2]]).tile(2)
        tensor([[1, 2, 1, 2]])
    """
    dims = shape_arg(dims)
    return repeat(a, *((1,) * (a.ndim - len(dims)) + dims))


def unflatten(a, dim, sizes):
    """Splits one dim into several: the inverse of `flatten` (one size may be -1).

    Args:
        a: the input Tensor.
        dim: the dim to split.
        sizes: the new sizes; their product equals a.shape[dim].

    Shape:
        Input `(*, n, *)`; output `(*, s_1, ..., s_k, *)`.

    Example:
        >>> minigrad.zeros(2, 12).unflatten(1, (3, 4)).shape
        (2, 3, 4)
    """
    if a.ndim == 0:
        raise RuntimeError("unflatten: a 0-d tensor has no dimension to unflatten")
    d = normalize_dim(dim, a.ndim, "unflatten")
    sizes = shape_arg(tuple(sizes) if isinstance(sizes, (list, tuple)) else (sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != a.shape[d]) or (
            -1 in sizes and (known == 0 or a.shape[d] % known)):
        raise RuntimeError(f"unflatten: provided sizes {list(sizes)} don't multiply up to the size "
                           f"of dim {dim} ({a.shape[d]}) in the input tensor")
    if -1 in sizes:
        sizes = tuple(a.shape[d] // known if s == -1 else s for s in sizes)
    return reshape(a, a.shape[:d] + sizes + a.shape[d + 1:])


def roll(a, shifts, dims=None):
    """Shifts the elements cyclically along dims: `out[(i + shift) mod n] = a[i]`.

    Args:
        a: the input Tensor.
        shifts: an int or a tuple of ints, one per dim.
        dims: an int or a tuple of ints (None: the flattened tensor, shape restored).

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> minigrad.roll(minigrad.tensor([1, 2, 3, 4]), 1)
        tensor([4, 1, 2, 3])
    """
    if dims is None:
        return reshape(roll(flatten(a), shifts, 0), a.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = a
    for sh, dim in zip(shifts, dims):
        d = normalize_dim(dim, a.ndim, "roll")
        n = a.shape[d]
        k = sh % n if n else 0
        if k:
            lead = (slice(None),) * d
            out = cat([out[lead + (slice(n - k, n),)], out[lead + (slice(0, n - k),)]], d)
    return out


def flip(a, dims):
    """Reverses the order of the elements along dims: `out[i] = a[n - 1 - i]`.

    Args:
        a: the input Tensor.
        dims: an int or a sequence of ints.

    Shape:
        Input `(*)`; output the same shape.

    Example:
        >>> x = minigrad.arange(6).reshape(2, 3)
        >>> minigrad.flip(x, [1])
        tensor([[2, 1, 0],
                [5, 4, 3]])
    """
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = tuple(normalize_dim(d, a.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {dims} repeat a dimension")
    return S.Flip.apply(a, axes) if a.ndim else a.clone()


def _triangle(a, diagonal, lower, op):
    """a with the entries outside the lower (upper) triangle of its last two dims set to 0."""
    if a.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got {a.ndim}")
    xp = B.get_array_module(a.array)
    keep = (xp.tril if lower else xp.triu)(xp.ones(a.shape[-2:], dtype=bool), int(diagonal))
    return (S.Tril if lower else S.Triu).apply(keep, a, xp.zeros((), dtype=a.array.dtype))


def tril(a, diagonal=0):
    """The lower triangle of the last two dims (j <= i + diagonal) kept, the rest set to 0."""
    return _triangle(a, diagonal, True, "tril")


def triu(a, diagonal=0):
    """The upper triangle of the last two dims (j >= i + diagonal) kept, the rest set to 0."""
    return _triangle(a, diagonal, False, "triu")
