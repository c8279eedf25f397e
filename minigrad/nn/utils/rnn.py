"""Variable-length sequences: PackedSequence and the (differentiable) pack / pad helpers of
torch.nn.utils.rnn.

A packed batch stores the rows of time step 0 of every sequence, then those of step 1, and so on,
with sequences sorted by length (longest first): `data` is (sum(lengths), *) and `batch_sizes[t]`
says how many sequences are still running at step t.  Packing and padding are one gather / scatter
of rows each, so gradients flow back to the padded input.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple
import operator
from collections import namedtuple

from ... import backend as B
from ...primitives.index import GatherRows, ScatterRows
from ...primitives.shape import PadSequence
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]

_np = B.np


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices",
                                                   "unsorted_indices"])):
    """A batch of variable-length sequences stored time step by time step, without padding.

    Sorted by decreasing length, step t holds the t-th element of every sequence longer than t, so
    ``data`` is the concatenation of those rows and ``batch_sizes[t]`` counts them. Recurrent layers
    accept it and skip the padded positions. Build one with `pack_padded_sequence` or
    `pack_sequence`; do not construct it by hand.

    Attributes:
        data: (sum of lengths, *) Tensor, the packed elements.
        batch_sizes: (T,) int64 Tensor on the cpu, sequences still running at each step.
        sorted_indices: (B,) int64, the caller's batch positions in length order (None when the
            batch was already sorted).
        unsorted_indices: the inverse permutation of sorted_indices (or None).

    Example:
        >>> from minigrad.nn.utils.rnn import pack_sequence
        >>> a, b = minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([4.0, 5.0])
        >>> pack_sequence([a, b])
        PackedSequence(data=tensor([1., 4., 2., 5., 3.]), batch_sizes=tensor([2, 2, 1]),
                       sorted_indices=None, unsorted_indices=None)
    """
    __slots__ = ()

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Optional[Tensor] = None,
                unsorted_indices: Optional[Tensor] = None) -> PackedSequence:
        if batch_sizes is None:
            raise ValueError("PackedSequence needs batch_sizes; build it with pack_padded_sequence "
                             "or pack_sequence")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = Tensor._make(_np.asarray(batch_sizes))
        check_packed(data, batch_sizes, sorted_indices, unsorted_indices, "PackedSequence")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same packed batch with data (and the index tensors) moved / cast like Tensor.to."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        move = (lambda t: None if t is None else t.to(dev))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The packed batch on the GPU (batch_sizes stay on the cpu)."""
        return self.to("cuda")

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The packed batch on the cpu."""
        return self.to("cpu")

    def double(self) -> PackedSequence:
        """The packed batch with float64 data."""
        return self.to(B.float64)

    def float(self) -> PackedSequence:
        """The packed batch with float32 data."""
        return self.to(B.float32)

    def half(self) -> PackedSequence:
        """The packed batch with float16 data."""
        return self.to(B.float16)

    def long(self) -> PackedSequence:
        """The packed batch with int64 data."""
        return self.to(B.int64)

    def int(self) -> PackedSequence:
        """The packed batch with int32 data."""
        return self.to(B.int32)

    def short(self) -> PackedSequence:
        """The packed batch with int16 data."""
        return self.to(B.int16)

    def char(self) -> PackedSequence:
        """The packed batch with int8 data."""
        return self.to(B.int8)

    def byte(self) -> PackedSequence:
        """The packed batch with uint8 data."""
        return self.to(B.uint8)

    @property
    def is_cuda(self) -> bool:
        """True when the data lives on the GPU."""
        return self.data.is_cuda


def check_packed(data: Any, batch_sizes: Any, sorted_indices: Optional[Tensor],
                 unsorted_indices: Optional[Tensor], where: str) -> None:
    """ValueError unless the four fields describe a packed batch that the RNN layers can run.

    batch_sizes must be a non-empty 1-D integer sequence of positive, non-increasing counts summing
    to data.shape[0]; the index tensors, when given, are permutations of range(batch_sizes[0]).
    """
    if not isinstance(data, Tensor) or data.ndim < 1:
        raise ValueError(f"{where}: data must be a Tensor of shape (sum(lengths), *), got "
                         f"{type(data).__name__ if not isinstance(data, Tensor) else data.shape}")
    if not isinstance(batch_sizes, Tensor):
        raise ValueError(f"{where}: batch_sizes must be a Tensor, got {type(batch_sizes).__name__}")
    bs = B.to_numpy(batch_sizes.array)
    if bs.ndim != 1 or bs.size == 0 or bs.dtype.kind not in "iu":
        raise ValueError(f"{where}: batch_sizes must be a non-empty 1-D integer tensor, got "
                         f"{bs.dtype} of shape {bs.shape}")
    if int(bs.min()) <= 0:
        raise ValueError(f"{where}: every batch size must be positive, got batch_sizes={bs.tolist()}")
    if bs.size > 1 and bool((bs[1:] > bs[:-1]).any()):
        raise ValueError(f"{where}: batch_sizes must not increase (sequences are sorted longest "
                         f"first), got {bs.tolist()}")
    if int(bs.sum()) != data.shape[0]:
        raise ValueError(f"{where}: batch_sizes sum to {int(bs.sum())} but data has "
                         f"{data.shape[0]} rows (shape {data.shape})")
    for name, perm in (("sorted_indices", sorted_indices), ("unsorted_indices", unsorted_indices)):
        if perm is None:
            continue
        arr = B.to_numpy(perm.array) if isinstance(perm, Tensor) else None
        if arr is None or arr.ndim != 1 or arr.dtype.kind not in "iu" or not _np.array_equal(
                _np.sort(arr), _np.arange(int(bs[0]))):
            raise ValueError(f"{where}: {name} must be a permutation of range({int(bs[0])}) "
                             f"(the batch size), got {arr.tolist() if arr is not None else perm!r}")


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    """The inverse permutation q of p, q[p[i]] = i (None stays None).

    Args:
        permutation: (N,) int64 Tensor holding a permutation of 0..N-1, or None.

    Example:
        >>> from minigrad.nn.utils.rnn import invert_permutation
        >>> invert_permutation(minigrad.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    xp = B.get_array_module(permutation.array)
    out = xp.empty_like(permutation.array)
    out[permutation.array] = xp.arange(permutation.numel(), dtype=out.dtype)
    return Tensor._make(out)


def _packed_rows(lengths_sorted, order, batch_first, steps):
    """Row of every packed element in a padded batch flattened to (T*B) or (B*T) rows (int64).

    lengths_sorted: lengths in descending order; order[j]: the caller's batch index of sorted j.
    """
    nb = len(order)
    t = _np.arange(steps)[:, None]
    running = lengths_sorted[None, :] > t                      # (T, B): sequence j still running at t
    rows = order[None, :] * steps + t if batch_first else t * nb + order[None, :]
    return rows[running].astype(_np.int64)


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        if lengths.device.type != "cpu":
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got 1D "
                               f"{lengths.device} {lengths.dtype.name} tensor")
        arr = lengths.array
    else:
        arr = _np.asarray(lengths)
    if arr.ndim != 1:
        raise RuntimeError(f"'lengths' should be a 1-D sequence of ints, got shape {tuple(arr.shape)}")
    if arr.size and arr.dtype.kind not in "iu":
        raise RuntimeError(f"'lengths' should hold integers, got dtype {arr.dtype}")
    return arr.astype(_np.int64)


def _batch_sizes(lengths_sorted):
    """batch_sizes[t] = number of sequences longer than t, as a Python tuple."""
    steps = int(lengths_sorted[0])
    return _np.bincount(lengths_sorted, minlength=steps + 1)[::-1].cumsum()[::-1][1:]


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Packs a padded batch of variable-length sequences into a `PackedSequence`.

    Differentiable: gradients flow from the packed data back to the padded input (zero at padding).

    Args:
        input: padded batch, (T, B, *) or (B, T, *) with batch_first.
        lengths: the B sequence lengths (list or 1-D Tensor), each in [1, T].
        batch_first: whether input is (B, T, *). Default: False.
        enforce_sorted: if True (default), lengths must be non-increasing; if False, any order is
            accepted and the sorting permutation is stored in the result.

    Shape:
        - input: (T, B, *) or (B, T, *); lengths: (B,).
        - output: a PackedSequence with data (sum(lengths), *).

    Example:
        >>> from minigrad.nn.utils.rnn import pack_padded_sequence
        >>> padded = minigrad.tensor([[1.0, 4.0], [2.0, 5.0], [3.0, 0.0]])  # (T=3, B=2)
        >>> pack_padded_sequence(padded, [3, 2]).data
        tensor([1., 4., 2., 5., 3.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: expected input to be a Tensor, got "
                        f"{type(input).__name__}")
    lengths = _lengths_array(lengths)
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence: expected input of at least 2 dimensions "
                           f"((T, B, *) or (B, T, *)), got shape {input.shape}")
    steps, nb = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if len(lengths) != nb:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={nb})")
    if nb == 0:
        raise RuntimeError("pack_padded_sequence: cannot pack an empty batch")
    if int(lengths.min()) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in "
                           "'lengths' that is <= 0")
    if int(lengths.max()) > steps:
        raise RuntimeError(f"pack_padded_sequence: every length must be at most the sequence length "
                           f"of the input ({steps}), but got a length of {int(lengths.max())}")
    if enforce_sorted:
        if nb > 1 and bool((lengths[1:] > lengths[:-1]).any()):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order = _np.arange(nb, dtype=_np.int64)
        sorted_indices = None
    else:
        order = _np.argsort(-lengths, kind="stable").astype(_np.int64)
        sorted_indices = Tensor._make(B.to_device(order, input.device))
    lengths_sorted = lengths[order]
    rows = _packed_rows(lengths_sorted, order, batch_first, steps)
    flat = input.reshape(input.shape[0] * input.shape[1], *input.shape[2:])
    data = GatherRows.apply(flat, B.to_device(rows, input.device))
    batch_sizes = Tensor._make(_batch_sizes(lengths_sorted).astype(_np.int64))
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: Optional[int] = None) -> Tuple[Tensor, Tensor]:
    """Unpacks a `PackedSequence` into a padded batch, the inverse of pack_padded_sequence.

    Args:
        sequence: the packed batch.
        batch_first: return (B, T, *) instead of (T, B, *). Default: False.
        padding_value: value of the padded positions. Default: 0.
        total_length: pad to this T (at least the longest length); default: the longest length.

    Returns:
        (padded, lengths): padded (T, B, *) or (B, T, *) in the caller's batch order, and the
        (B,) int64 lengths.

    Example:
        >>> from minigrad.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> packed = pack_sequence([minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0])])
        >>> pad_packed_sequence(packed, batch_first=True)
        (tensor([[1., 2.],
                [3., 0.]]), tensor([2, 1]))
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got "
                        f"{type(sequence).__name__}")
    check_packed(*sequence, "pad_packed_sequence")
    data = sequence.data
    bs = _np.asarray(B.to_numpy(sequence.batch_sizes.array), dtype=_np.int64)
    nb, steps = int(bs[0]), len(bs)
    if total_length is not None:
        try:  # ints, NumPy ints and integer scalar tensors, but no float (it would be truncated)
            total_length = operator.index(total_length)
        except TypeError:
            raise TypeError(f"pad_packed_sequence: total_length must be an int, got "
                            f"{type(total_length).__name__}") from None
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = int(total_length)
    lengths_sorted = (bs[None, :] > _np.arange(nb)[:, None]).sum(axis=1)
    if sequence.sorted_indices is None:
        order = _np.arange(nb, dtype=_np.int64)
    else:
        order = _np.asarray(B.to_numpy(sequence.sorted_indices.array), dtype=_np.int64)
    rows = _packed_rows(lengths_sorted, order, batch_first, steps)
    flat = ScatterRows.apply(data, B.to_device(rows, data.device), steps * nb, padding_value)
    shape = (nb, steps) if batch_first else (steps, nb)
    padded = flat.reshape(*shape, *data.shape[1:])
    lengths = _np.empty(nb, dtype=_np.int64)
    lengths[order] = lengths_sorted
    return padded, Tensor._make(lengths)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stacks a list of variable-length tensors into one batch, padding the short ones.

    Args:
        sequences: B Tensors of shape (L_i, *) with the same trailing dims.
        batch_first: return (B, T, *) instead of (T, B, *). Default: False.
        padding_value: value of the padded positions. Default: 0.
        padding_side: 'right' (default) pads after each sequence, 'left' before it.

    Shape:
        - Output: (T, B, *) or (B, T, *), where T = max L_i.

    Example:
        >>> from minigrad.nn.utils.rnn import pad_sequence
        >>> pad_sequence([minigrad.tensor([1, 2, 3]), minigrad.tensor([4])], batch_first=True)
        tensor([[1, 2, 3],
                [4, 0, 0]])
    """
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    ref = sequences[0]
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a list of Tensors, but element {i} is "
                            f"{type(s).__name__}")
        if s.ndim == 0 or s.shape[1:] != ref.shape[1:] or s.dtype != ref.dtype:
            raise RuntimeError(f"pad_sequence: every sequence must have shape (L, *{ref.shape[1:]}) "
                               f"and dtype {ref.dtype}, but sequence {i} has shape {s.shape} and "
                               f"dtype {s.dtype}")
    return PadSequence.apply(*sequences, batch_first=batch_first, value=padding_value,
                              left=padding_side == "left")


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> List[Tensor]:
    """Splits a padded batch back into a list of tensors, the inverse of `pad_sequence`.

    Args:
        padded_sequences: (T, B, *) or (B, T, *) with batch_first.
        lengths: the B lengths (list or 1-D Tensor).
        batch_first: whether the batch is (B, T, *). Default: False.

    Returns:
        A list of B Tensors of shape (L_i, *).

    Example:
        >>> from minigrad.nn.utils.rnn import unpad_sequence
        >>> padded = minigrad.tensor([[1, 2, 3], [4, 0, 0]])
        >>> unpad_sequence(padded, [3, 1], batch_first=True)
        [tensor([1, 2, 3]), tensor([4])]
    """
    lengths = _lengths_array(lengths)
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    if len(lengths) != x.shape[0] or ((lengths < 0) | (lengths > x.shape[1])).any():
        raise RuntimeError(f"unpad_sequence: expected {x.shape[0]} lengths in [0, {x.shape[1]}] "
                           f"(the batch size and sequence length of the padded input), got "
                           f"{lengths.tolist()}")
    return [x[j, :int(n)] for j, n in enumerate(lengths)]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of variable-length tensors: `pad_sequence` then `pack_padded_sequence`.

    Args:
        sequences: B Tensors of shape (L_i, *).
        enforce_sorted: if True (default), the lengths must be non-increasing; if False, any order.

    Example:
        >>> from minigrad.nn.utils.rnn import pack_sequence
        >>> seqs = [minigrad.tensor([1.0]), minigrad.tensor([2.0, 3.0])]
        >>> pack_sequence(seqs, enforce_sorted=False).data
        tensor([2., 1., 3.])
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> List[Tensor]:
    """Unpacks a `PackedSequence` into the list of its sequences, the inverse of pack_sequence.

    Args:
        packed_sequences: the packed batch.

    Returns:
        A list of B Tensors of shape (L_i, *), in the caller's original batch order.

    Example:
        >>> from minigrad.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> seqs = [minigrad.tensor([1.0]), minigrad.tensor([2.0, 3.0])]
        >>> unpack_sequence(pack_sequence(seqs, enforce_sorted=False))
        [tensor([1.]), tensor([2., 3.])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
