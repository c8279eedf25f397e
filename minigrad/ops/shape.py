"""Shape functions: views (reshape, transpose, permute, expand, ...) and joins / splits (cat, stack,
split, chunk, unbind), repeat, roll and flip.  Results that share memory are marked as views."""
import builtins

from ..primitives import shape as S
from ..primitives.base import normalize_dim
from ..tensor import shape_arg
from ..views import mark_view
from . import promotion as P


def reshape(a, *shape):
    """The same elements with a new shape (one dim may be -1)."""
    shape = S.infer_shape(shape_arg(shape), a.numel(), "reshape")
    if shape == a.shape:
        return a
    return mark_view(S.Reshape.apply(a, shape), a, "reshape")


def view(a, *shape):
    """Same as reshape (minigrad tensors are always viewable)."""
    shape = S.infer_shape(shape_arg(shape), a.numel(), "view")
    return mark_view(S.Reshape.apply(a, shape), a, "reshape")


def transpose(a, dim0, dim1):
    """Swap two dimensions."""
    n = a.ndim
    d0, d1 = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    if n == 0:
        return a
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return mark_view(S.Permute.apply(a, tuple(axes)), a, "permute", tuple(axes))


def permute(a, *dims):
    """Reorder the dimensions."""
    dims = shape_arg(dims)
    if len(dims) != a.ndim:
        raise RuntimeError(f"permute: number of dims don't match: input has {a.ndim} dims but "
                           f"{len(dims)} were given")
    axes = tuple(normalize_dim(d, a.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return mark_view(S.Permute.apply(a, axes), a, "permute", axes)


def squeeze(a, dim=None):
    """Remove dimensions of size 1 (all, or only `dim`)."""
    if dim is None:
        shape = tuple(s for s in a.shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = {normalize_dim(d, a.ndim, "squeeze") for d in dims}
        shape = tuple(s for i, s in enumerate(a.shape) if not (i in axes and s == 1))
    return reshape(a, shape) if shape != a.shape else a


def unsqueeze(a, dim):
    """Insert a dimension of size 1 at `dim`."""
    d = normalize_dim(dim, a.ndim + 1, "unsqueeze")
    shape = a.shape[:d] + (1,) + a.shape[d:]
    return mark_view(S.Reshape.apply(a, shape), a, "reshape")


def expand(a, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a size)."""
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
    """Merge dimensions start_dim..end_dim into one."""
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
    """Concatenate tensors along an existing dimension."""
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
    """Join same-shaped tensors along a new dimension."""
    tensors = P.tensor_list(tensors, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.shape != ref.shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {ref.shape} at "
                               f"entry 0 and {t.shape} at entry {i}")
    return S.Stack.apply(*tensors, dim=normalize_dim(dim, ref.ndim + 1, "stack"))


def split(a, split_size_or_sections, dim=0):
    """Split into chunks of a given size (last may be smaller) or of the listed sizes."""
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
    """Split into `chunks` nearly equal pieces (as PyTorch: ceil-sized, may return fewer)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    n = a.shape[normalize_dim(dim, a.ndim, "chunk")]
    size = -(-n // chunks) if n else 1
    return split(a, builtins.max(size, 1), dim)


def unbind(a, dim=0):
    """Remove `dim`, returning a tuple of slices along it."""
    d = normalize_dim(dim, a.ndim, "unbind")
    if a.shape[d] == 0:
        return ()
    outs = S.Unbind.apply(a, d)
    outs = outs if isinstance(outs, tuple) else (outs,)
    return tuple(mark_view(o, a, "index", (slice(None),) * d + (i, Ellipsis)) for i, o in enumerate(outs))


def narrow(a, dim, start, length):
    """The slice start:start+length along `dim` (a view)."""
    d = normalize_dim(dim, a.ndim, "narrow")
    n = a.shape[d]
    start = start + n if start < 0 else start
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) is out of range for "
                         f"dimension {d} of size {n}")
    return a[(slice(None),) * d + (slice(start, start + length),)]


def swapaxes(a, axis0, axis1):
    """Same as transpose."""
    return transpose(a, axis0, axis1)


def movedim(a, source, destination):
    """Move dimension(s) `source` to position(s) `destination`, keeping the others in order."""
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
    """Tile the tensor `sizes[i]` times along each dimension (leading sizes add dimensions)."""
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
    """Repeat the tensor dims[i] times along each dimension; missing leading dims count as 1."""
    dims = shape_arg(dims)
    return repeat(a, *((1,) * (a.ndim - len(dims)) + dims))


def unflatten(a, dim, sizes):
    """Split dimension `dim` into `sizes` (one entry may be -1)."""
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
    """Shift elements cyclically along `dims` (the flattened tensor when dims is None)."""
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
    """Reverse the order of elements along `dims`."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = tuple(normalize_dim(d, a.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {dims} repeat a dimension")
    return S.Flip.apply(a, axes) if a.ndim else a.clone()
