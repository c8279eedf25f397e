"""DataLoader, collate, datasets, samplers and length bucketing."""
import collections

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (BatchSampler, BucketBatchSampler, ConcatDataset, DataLoader, Dataset,
                           RandomSampler, SequentialSampler, Subset, TensorDataset, TextCollate,
                           default_collate, random_split)


def flat(batches):
    return [int(v) for b in batches for v in b.tolist()]


# ------------------------------------------------------------------------------------ batching
def test_sequential_batches_and_last_partial_batch():
    loader = DataLoader(list(range(10)), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(b.dtype == mg.int64 for b in batches)


def test_drop_last():
    loader = DataLoader(list(range(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batch_size_none_yields_samples():
    assert list(DataLoader(["a", "b"], batch_size=None)) == ["a", "b"]


def test_tensor_dataset_batches():
    x = mg.arange(30, dtype=mg.float32).reshape(10, 3)
    y = mg.arange(10)
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 3) and yb.shape == (4,) and xb.dtype == mg.float32 and yb.dtype == mg.int64
    np.testing.assert_array_equal(xb.numpy(), x.numpy()[:4])
    with pytest.raises(ValueError):
        TensorDataset(x, mg.arange(9))


def test_custom_dataset_and_collate_fn():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return i * i

    out = list(DataLoader(Squares(), batch_size=2, collate_fn=sum))
    assert out == [1, 13, 16]


def test_mutually_exclusive_options():
    with pytest.raises(ValueError):
        DataLoader(list(range(4)), batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError):
        DataLoader(list(range(4)), shuffle=True, sampler=SequentialSampler(range(4)))
    with pytest.raises(ValueError):
        DataLoader(list(range(4)), batch_size=None, drop_last=True)
    with pytest.raises(ValueError):
        BatchSampler(SequentialSampler(range(4)), 0)


# ------------------------------------------------------------------------------------- collate
def test_default_collate_structures():
    Point = collections.namedtuple("Point", "x y")
    batch = [{"a": 1, "b": (2.5, "s", np.array([1, 2], dtype=np.int32)), "p": Point(1, True)},
             {"a": 3, "b": (4.5, "t", np.array([3, 4], dtype=np.int32)), "p": Point(2, False)}]
    out = default_collate(batch)
    assert out["a"].tolist() == [1, 3] and out["a"].dtype == mg.int64
    f, s, arr = out["b"]
    assert f.dtype == mg.float64 and f.tolist() == [2.5, 4.5]
    assert s == ["s", "t"]
    assert arr.dtype == mg.int32 and arr.shape == (2, 2)
    assert isinstance(out["p"], Point) and out["p"].y.dtype == mg.bool
    assert default_collate([mg.ones(2), mg.zeros(2)]).shape == (2, 2)
    assert default_collate([np.float32(1), np.float32(2)]).dtype == mg.float32


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError):
        default_collate([object(), object()])


# ------------------------------------------------------------------------------------- shuffle
def test_shuffle_reproducible_with_seed_and_differs_between_epochs():
    data = list(range(50))
    a = DataLoader(data, batch_size=7, shuffle=True, seed=123)
    b = DataLoader(data, batch_size=7, shuffle=True, seed=123)
    e1a, e2a = flat(a), flat(a)
    e1b, e2b = flat(b), flat(b)
    assert e1a == e1b and e2a == e2b
    assert sorted(e1a) == data and sorted(e2a) == data
    assert e1a != e2a and e1a != data
    assert flat(DataLoader(data, batch_size=7, shuffle=True, seed=124)) != e1a


def test_shuffle_follows_manual_seed():
    data = list(range(40))
    mg.manual_seed(7)
    first = flat(DataLoader(data, batch_size=8, shuffle=True))
    mg.manual_seed(7)
    again = flat(DataLoader(data, batch_size=8, shuffle=True))
    mg.manual_seed(8)
    other = flat(DataLoader(data, batch_size=8, shuffle=True))
    assert first == again and first != other


def test_generator_argument_and_set_epoch_replays():
    data = list(range(30))
    loader = DataLoader(data, batch_size=5, shuffle=True, generator=np.random.default_rng(5))
    epochs = [flat(loader) for _ in range(3)]
    loader.set_epoch(1)
    assert flat(loader) == epochs[1]
    assert flat(DataLoader(data, batch_size=5, shuffle=True, generator=3)) == \
        flat(DataLoader(data, batch_size=5, shuffle=True, seed=3))


def test_random_sampler_replacement_and_num_samples():
    s = RandomSampler(range(5), replacement=True, num_samples=20, seed=0)
    idx = list(s)
    assert len(s) == 20 and len(idx) == 20 and set(idx) <= set(range(5))
    s = RandomSampler(range(5), num_samples=12, seed=0)
    idx = list(s)
    assert len(idx) == 12 and sorted(idx[:5]) == list(range(5))
    state = s.state_dict()
    nxt = list(s)
    s.load_state_dict(state)
    assert list(s) == nxt


# ------------------------------------------------------------------------------ splits / subsets
def test_random_split_lengths_fractions_and_seed():
    data = list(range(100))
    parts = random_split(data, [70, 20, 10], seed=1)
    assert [len(p) for p in parts] == [70, 20, 10]
    assert sorted(x for p in parts for x in p) == data
    again = random_split(data, [70, 20, 10], seed=1)
    assert [list(p) for p in parts] == [list(p) for p in again]
    fr = random_split(list(range(11)), [0.5, 0.5], seed=0)
    assert [len(p) for p in fr] == [6, 5]
    with pytest.raises(ValueError):
        random_split(data, [50, 40])
    mg.manual_seed(3)
    g1 = [list(p) for p in random_split(data, [0.9, 0.1])]
    mg.manual_seed(3)
    assert g1 == [list(p) for p in random_split(data, [0.9, 0.1])]


def test_subset_and_concat():
    sub = Subset(list("abcdef"), [5, 0, 2])
    assert len(sub) == 3 and sub[0] == "f" and sub[1:] == ["a", "c"]
    cat = ConcatDataset([list("ab"), list("cde")])
    assert len(cat) == 5 and [cat[i] for i in range(5)] == list("abcde") and cat[-1] == "e"
    with pytest.raises(IndexError):
        cat[5]


# ------------------------------------------------------------------------------------ bucketing
LENGTHS = np.random.default_rng(0).integers(1, 200, size=1003).tolist()


def spread(batches):
    return np.mean([max(LENGTHS[i] for i in b) - min(LENGTHS[i] for i in b) for b in batches])


def test_bucket_batches_cover_every_index_once_and_are_homogeneous():
    s = BucketBatchSampler(LENGTHS, batch_size=16, bucket_size_multiplier=20, seed=0)
    batches = list(s)
    assert len(batches) == len(s) == 63
    assert sorted(i for b in batches for i in b) == list(range(len(LENGTHS)))
    assert sum(len(b) < 16 for b in batches) == 1
    random_batches = [list(range(k, min(k + 16, 1003))) for k in range(0, 1003, 16)]
    assert spread(batches) < 0.2 * spread(random_batches)


def test_bucket_order_changes_between_epochs_and_replays_with_set_epoch():
    s = BucketBatchSampler(LENGTHS, batch_size=16, seed=42)
    e0, e1 = list(s), list(s)
    assert e0 != e1
    assert sorted(map(tuple, e0)) != sorted(map(tuple, e1))  # different groupings, not only order
    t = BucketBatchSampler(LENGTHS, batch_size=16, seed=42)
    t.set_epoch(1)
    assert list(t) == e1
    t.set_epoch(0)
    assert list(t) == e0
    assert list(BucketBatchSampler(LENGTHS, batch_size=16, seed=43)) != e0


def test_bucket_seed_from_manual_seed():
    mg.manual_seed(11)
    a = list(BucketBatchSampler(LENGTHS, batch_size=8))
    mg.manual_seed(11)
    assert list(BucketBatchSampler(LENGTHS, batch_size=8)) == a


def test_bucket_drop_last_and_no_shuffle():
    s = BucketBatchSampler(LENGTHS, batch_size=16, drop_last=True, seed=0)
    batches = list(s)
    assert len(batches) == len(s) == 62 and all(len(b) == 16 for b in batches)
    plain = list(BucketBatchSampler(LENGTHS, batch_size=16, shuffle=False))
    order = [i for b in plain for i in b]
    assert [LENGTHS[i] for i in order] == sorted(LENGTHS)
    assert plain == list(BucketBatchSampler(LENGTHS, batch_size=16, shuffle=False))


def test_dataloader_with_bucket_sampler_and_text_collate():
    rng = np.random.default_rng(1)
    data = [(rng.integers(2, 50, size=n).tolist(), int(n % 2)) for n in LENGTHS[:200]]
    sampler = BucketBatchSampler([len(x) for x, _ in data], batch_size=10, seed=0)
    loader = DataLoader(data, batch_sampler=sampler, collate_fn=TextCollate(pad_value=0))
    seen = 0
    for padded, lengths, labels in loader:
        assert padded.shape == (len(lengths), int(lengths.max().item()))
        assert padded.dtype == mg.int64 and lengths.dtype == mg.int64 and labels.dtype == mg.int64
        seen += len(lengths)
    assert seen == 200 and len(loader) == 20
