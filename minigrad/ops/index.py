"""Index-based selection: gather, index_select and masked_fill."""
from .. import backend as B
from ..primitives import index as I
from ..primitives.base import normalize_dim
from ..tensor import Tensor
from .elementwise import where


def _index_array(index, op, ref):
    idx = index.array if isinstance(index, Tensor) else index
    if not B.is_array(idx):
        idx = B.xp_for(ref.device).asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected an integer (int64) index tensor, got dtype {idx.dtype}")
    if B.device_of(idx) != ref.device:
        raise RuntimeError(f"{op}: index is on {B.device_of(idx)} but input is on {ref.device}")
    return idx


def gather(a, dim, index):
    """Picks values along dim at the given positions: for dim=1, `out[i][j] = a[i][index[i][j]]`.

    The gradient is scattered (added) back to the picked positions.

    Args:
        a: the input Tensor.
        dim: the dim to index along.
        index: an int64 Tensor with a.ndim dims; index.shape[d] <= a.shape[d] for d != dim.

    Shape:
        Output: the index's shape.

    Example:
        >>> x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> minigrad.gather(x, 1, minigrad.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
    """
    d = normalize_dim(dim, a.ndim, "gather")
    idx = _index_array(index, "gather", a)
    if idx.ndim != a.ndim:
        raise RuntimeError(f"gather: index tensor must have the same number of dimensions as input "
                           f"({idx.ndim} vs {a.ndim})")
    for k in range(a.ndim):
        if k != d and idx.shape[k] > a.shape[k]:
            raise RuntimeError(f"gather: size of index {tuple(idx.shape)} exceeds input "
                               f"{a.shape} at dimension {k}")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= a.shape[d]:
            raise IndexError(f"gather: index {hi if hi >= a.shape[d] else lo} is out of bounds for "
                             f"dimension {d} with size {a.shape[d]}")
    return I.Gather.apply(a, d, idx)


def index_select(a, dim, index):
    """Selects whole slices along dim: `out.select(dim, k) = a.select(dim, index[k])`.

    Args:
        a: the input Tensor.
        dim: the dim to index along.
        index: a 1-D integer Tensor.

    Shape:
        Input `(*, n, *)`; output `(*, len(index), *)`.

    Example:
        >>> x = minigrad.arange(6).reshape(2, 3)
        >>> minigrad.index_select(x, 1, minigrad.tensor([2, 0]))
        tensor([[2, 0],
                [5, 3]])
    """
    d = normalize_dim(dim, a.ndim, "index_select")
    idx = _index_array(index, "index_select", a)
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1)
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= a.shape[d]:
            raise IndexError(f"index_select: index {hi if hi >= a.shape[d] else lo} is out of bounds "
                             f"for dimension {d} with size {a.shape[d]}")
    return I.IndexSelect.apply(a, d, idx)


def masked_fill(a, mask, value):
    """A copy of a with value written where mask is True: `out_i = value if mask_i else a_i`.

    Args:
        a: the input Tensor.
        mask: a bool Tensor broadcastable to a's shape.
        value: a number (or a 0-d Tensor).

    Shape:
        Input `(*)`, mask broadcastable; output the input's shape.

    Example:
        >>> scores = minigrad.tensor([[1.0, 2.0, 3.0]])
        >>> scores.masked_fill(minigrad.tensor([False, False, True]), float('-inf'))
        tensor([[1., 2., -inf]])
    """
    m = mask.array if isinstance(mask, Tensor) else mask
    if not B.is_array(m) or m.dtype != bool:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype "
                           f"{getattr(m, 'dtype', type(m).__name__)}")
    try:
        shape = B.np.broadcast_shapes(tuple(m.shape), a.shape)
    except ValueError:
        shape = None
    if shape != a.shape:
        raise RuntimeError(f"masked_fill: the mask of shape {tuple(m.shape)} cannot be broadcast to "
                           f"the input shape {a.shape}")
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, got shape "
                               f"{value.shape}")
        if value.requires_grad:  # the value gets the gradient of every position it fills
            return where(Tensor._make(B.get_array_module(a.array).broadcast_to(m, a.shape)),
                         value.reshape(()).to(a.dtype), a)
        value = value.item()
    return I.MaskedFill.apply(a, m, value)
