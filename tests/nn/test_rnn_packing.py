"""minigrad.nn.utils.rnn: PackedSequence, pack/pad helpers (layout, gradients, PyTorch parity, errors)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.utils import rnn as U
from conftest import requires_torch, to_np, torch


def _x(shape, seed=0):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_pack_padded_layout_sorted():
    x = mg.tensor(np.arange(4 * 3, dtype=np.float64).reshape(4, 3, 1))
    p = U.pack_padded_sequence(x, [4, 2, 1])
    assert p.batch_sizes.tolist() == [3, 2, 1, 1] and p.batch_sizes.dtype == mg.int64
    assert p.batch_sizes.device.type == "cpu"
    assert p.sorted_indices is None and p.unsorted_indices is None
    assert to_np(p.data).ravel().tolist() == [0, 1, 2, 3, 4, 6, 9]


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_unsorted_roundtrip_and_gradient(batch_first):
    lengths = [2, 5, 3]
    x = _x((3, 5, 2) if batch_first else (5, 3, 2))
    p = U.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    assert p.sorted_indices.tolist() == [1, 2, 0] and p.unsorted_indices.tolist() == [2, 0, 1]
    assert p.batch_sizes.tolist() == [3, 3, 2, 1, 1] and p.data.shape == (10, 2)
    padded, out_lengths = U.pad_packed_sequence(p, batch_first=batch_first)
    assert out_lengths.tolist() == lengths and out_lengths.dtype == mg.int64
    mask = np.zeros(x.shape, dtype=bool)
    for j, n in enumerate(lengths):
        mask[(j, slice(0, n)) if batch_first else (slice(0, n), j)] = True
    np.testing.assert_array_equal(to_np(padded), np.where(mask, to_np(x.detach()), 0.0))
    (padded * padded).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), np.where(mask, 2 * to_np(x.detach()), 0.0))


def test_pad_packed_total_length_and_padding_value():
    p = U.pack_padded_sequence(_x((3, 2, 1)), [3, 1])
    padded, _ = U.pad_packed_sequence(p, padding_value=-7.0, total_length=5)
    assert padded.shape == (5, 2, 1)
    assert to_np(padded)[1:, 1].ravel().tolist() == [-7.0] * 4
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        U.pad_packed_sequence(p, total_length=2)


def test_pad_sequence_pack_sequence_and_back():
    seqs = [_x((2, 3), 1), _x((4, 3), 2), _x((1, 3), 3)]
    padded = U.pad_sequence(seqs, batch_first=True, padding_value=1.5)
    assert padded.shape == (3, 4, 3) and to_np(padded)[0, 2:].ravel().tolist() == [1.5] * 6
    assert U.pad_sequence(seqs).shape == (4, 3, 3)
    left = U.pad_sequence(seqs, batch_first=True, padding_side="left")
    np.testing.assert_array_equal(to_np(left)[0, 2:], to_np(seqs[0].detach()))
    packed = U.pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    back = U.unpack_sequence(packed)
    for a, b in zip(back, seqs):
        np.testing.assert_array_equal(to_np(a), to_np(b.detach()))
    sum((s * s).sum() for s in back).backward()
    for s in seqs:
        np.testing.assert_allclose(to_np(s.grad), 2 * to_np(s.detach()))
    parts = U.unpad_sequence(U.pad_sequence(seqs), [2, 4, 1])
    assert [p.shape for p in parts] == [(2, 3), (4, 3), (1, 3)]


def test_packed_sequence_is_a_namedtuple():
    p = U.pack_sequence([mg.randn(3, 2), mg.randn(2, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert data is p.data and batch_sizes is p.batch_sizes and sorted_indices is None
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert p.double().data.dtype == mg.float64 and not p.is_cuda
    assert repr(p).startswith("PackedSequence(data=tensor(")


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_packing_matches_torch(batch_first, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 1, 5, 3]
    arr = np.random.default_rng(4).standard_normal((4, 5, 2) if batch_first else (5, 4, 2))
    tp = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(arr), lengths, batch_first,
                                                 enforce_sorted)
    mp = U.pack_padded_sequence(mg.tensor(arr), lengths, batch_first, enforce_sorted)
    np.testing.assert_array_equal(to_np(mp.data), tp.data.numpy())
    assert mp.batch_sizes.tolist() == tp.batch_sizes.tolist()
    if enforce_sorted:
        assert mp.sorted_indices is None and tp.sorted_indices is None
    else:
        assert mp.sorted_indices.tolist() == tp.sorted_indices.tolist()
        assert mp.unsorted_indices.tolist() == tp.unsorted_indices.tolist()
    tpad, tlen = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first, 0.5, 7)
    mpad, mlen = U.pad_packed_sequence(mp, batch_first, 0.5, 7)
    np.testing.assert_array_equal(to_np(mpad), tpad.numpy())
    assert mlen.tolist() == tlen.tolist()


@pytest.mark.parametrize("lengths, kwargs, message", [
    ([3, 0], {}, "Length of all samples has to be greater than 0, but found an element in 'lengths' "
                 "that is <= 0"),
    ([2, 3], {}, "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"),
    ([4, 3], {}, "every length must be at most the sequence length of the input (3), but got a "
                 "length of 4"),
    ([4, 3], dict(enforce_sorted=False), "at most the sequence length of the input (3)"),
    ([3, 2, 1], {}, "Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=2)"),
    ([3.0, 2.0], {}, "'lengths' should hold integers"),
])
def test_bad_lengths(lengths, kwargs, message):
    with pytest.raises(RuntimeError) as info:
        U.pack_padded_sequence(mg.randn(3, 2, 4), lengths, **kwargs)
    assert message in str(info.value)
