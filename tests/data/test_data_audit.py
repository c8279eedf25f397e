"""Audit of minigrad.data against torch.utils.data: datasets, splits, samplers, DataLoader, collate."""
import collections
import fractions
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (BatchSampler, BucketBatchSampler, ConcatDataset, DataLoader, RandomSampler,
                           SequentialSampler, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                           default_collate, default_convert, random_split)

from conftest import requires_torch, torch

if torch is not None:
    import torch.utils.data as td


def describe(x):
    """A comparable description of a (nested) batch from minigrad or torch: types, dtypes, values."""
    if isinstance(x, mg.Tensor) or (torch is not None and isinstance(x, torch.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return (type(x).__name__, [(k, describe(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [describe(v) for v in x])
    return ("value", type(x).__name__, x)


# ------------------------------------------------------------------------------------ datasets
@requires_torch
def test_tensor_dataset_indexing_matches_torch():
    x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    ours, theirs = TensorDataset(mg.tensor(x), mg.tensor(y)), td.TensorDataset(torch.tensor(x),
                                                                           torch.tensor(y))
    assert len(ours) == len(theirs) == 5
    for i in (0, 4, -1, -5):
        assert describe(ours[i]) == describe(theirs[i])
    with pytest.raises(IndexError):
        ours[5]
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(mg.zeros(3), mg.zeros(4))


def test_concat_negative_index_error_names_the_given_index():
    cat = ConcatDataset([list("ab"), [], list("cde")])
    assert cat.cumulative_sizes == [2, 2, 5]
    assert [cat[i] for i in range(-5, 5)] == list("abcde") * 2
    with pytest.raises(IndexError, match="index -6 out of range"):
        cat[-6]
    with pytest.raises(IndexError, match="index 5 out of range"):
        cat[5]


# -------------------------------------------------------------------------------- random_split
@requires_torch
@pytest.mark.parametrize("lengths", [[0.3, 0.3, 0.4], [0.5, 0.5], [0.1] * 10, [0.33, 0.33, 0.34],
                                     [1.0], [0.0, 1.0], [0.7, 0.2, 0.1]])
@pytest.mark.parametrize("n", [5, 7, 10, 11, 101])
def test_random_split_fraction_sizes_match_torch(lengths, n):
    ours = [len(s) for s in random_split(range(n), lengths, seed=0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about empty splits
        theirs = [len(s) for s in td.random_split(range(n), lengths)]
    assert ours == theirs


@pytest.mark.parametrize("lengths", [[5, -1, 1], [-2, 7], [0.5, 0.6], [0.5, 0.4], [3, 3],
                                     [-0.5, 1.5]])
def test_random_split_bad_lengths_raise(lengths):
    with pytest.raises(ValueError):  # PyTorch silently returns overlapping subsets for [5, -1, 1]
        random_split(range(5), lengths, seed=0)


def test_random_split_generator_reproducible_and_disjoint():
    a = [list(s) for s in random_split(range(20), [0.5, 0.25, 0.25], generator=np.random.default_rng(3))]
    b = [list(s) for s in random_split(range(20), [0.5, 0.25, 0.25], generator=np.random.default_rng(3))]
    c = [list(s) for s in random_split(range(20), [0.5, 0.25, 0.25], generator=np.random.default_rng(4))]
    assert a == b and a != c
    assert sorted(i for s in a for i in s) == list(range(20))


# ---------------------------------------------------------------------------- argument checks
@pytest.mark.parametrize("drop_last", [1, 0, "x", None])
def test_drop_last_must_be_bool(drop_last):
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(7), 3, drop_last)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        DataLoader(list(range(7)), batch_size=3, drop_last=drop_last)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BucketBatchSampler([1, 2, 3], 2, drop_last=drop_last)


@pytest.mark.parametrize("replacement", [1, "no", None])
def test_random_sampler_replacement_must_be_bool(replacement):
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(5), replacement=replacement)


@pytest.mark.parametrize("batch_size", [0, -1, 2.0, True, None])
def test_batch_size_must_be_positive_int(batch_size):
    with pytest.raises(ValueError, match="positive integer"):
        BatchSampler(range(7), batch_size)
    if batch_size is not None:
        with pytest.raises(ValueError, match="positive integer"):
            DataLoader(list(range(7)), batch_size=batch_size)


@requires_torch
@pytest.mark.parametrize("kw", [dict(batch_size=2), dict(batch_size=None), dict(shuffle=True),
                                dict(sampler=[0]), dict(drop_last=True)])
def test_batch_sampler_conflicts_raise_value_error_like_torch(kw):
    with pytest.raises(ValueError, match="mutually exclusive"):
        td.DataLoader(list(range(4)), batch_sampler=[[0, 1], [2]], **kw)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(list(range(4)), batch_sampler=[[0, 1], [2]], **kw)


# ------------------------------------------------------------------------------------ batching
@requires_torch
@pytest.mark.parametrize("n", [0, 1, 9, 10, 11])
@pytest.mark.parametrize("batch_size", [1, 3, 10, 20])
@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_batches_and_len_match_torch(n, batch_size, drop_last):
    data = list(range(n))
    ours = DataLoader(data, batch_size=batch_size, drop_last=drop_last)
    theirs = td.DataLoader(data, batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [describe(b) for b in ours] == [describe(b) for b in theirs]
    assert [describe(b) for b in ours] == [describe(b) for b in ours]  # a second pass is the same


def test_shuffle_each_pass_is_a_permutation_and_generator_seed_reproduces():
    data = list(range(23))
    make = lambda seed: DataLoader(data, batch_size=4, shuffle=True,  # noqa: E731
                                   generator=np.random.default_rng(seed))
    a, b = make(1), make(1)
    passes = [[int(v) for batch in a for v in batch.tolist()] for _ in range(2)]
    assert all(sorted(p) == data for p in passes) and passes[0] != passes[1]
    assert [[int(v) for batch in b for v in batch.tolist()] for _ in range(2)] == passes
    assert [int(v) for batch in make(2) for v in batch.tolist()] != passes[0]


@requires_torch
def test_batch_size_none_converts_numpy_like_torch():
    Point = collections.namedtuple("Point", "x y")
    data = [np.ones(2, np.float32), {"a": np.float64(1.5), "b": 3, "s": "txt"},
            (np.arange(3), 2.5), Point(np.int32(4), [np.zeros((1, 2))]), "plain", 7]
    ours = list(DataLoader(data, batch_size=None))
    theirs = list(td.DataLoader(data, batch_size=None))
    assert [describe(x) for x in ours] == [describe(x) for x in theirs]
    assert isinstance(ours[3], Point)
    assert default_convert(np.array(["a"])).tolist() == ["a"]  # string arrays are left alone


# ------------------------------------------------------------------------------------- collate
@requires_torch
@pytest.mark.parametrize("batch", [
    [1, 2.5], [2, True], [True, False], [1.5, 2], [np.int64(1), np.int64(2)], [1, 2],
    [collections.OrderedDict(b=1, a=2.0), collections.OrderedDict(b=3, a=4.0)],
    [{"x": {"y": 1, "z": [1.0, np.float32(2)]}}, {"x": {"y": 2, "z": [2.0, np.float32(3)]}}],
    [np.ones((2, 2), np.float16), np.zeros((2, 2), np.float16)], [np.array(1.0), np.array(2.0)],
    [[1, 2], [3, 4]], [b"a", b"b"], ["a", "b"],
], ids=lambda b: type(b[0]).__name__)
def test_default_collate_matches_torch(batch):
    assert describe(default_collate(batch)) == describe(td.default_collate(batch))


def test_default_collate_mixed_int_float_is_not_truncated():
    out = default_collate([1, 2.5])
    assert out.dtype == mg.float32 and out.tolist() == [1.0, 2.5]


def test_default_collate_keeps_mapping_type():
    out = default_collate([collections.OrderedDict(b=1, a=2), collections.OrderedDict(b=3, a=4)])
    assert type(out) is collections.OrderedDict and list(out) == ["b", "a"]
    out = default_collate([collections.defaultdict(int, a=1), collections.defaultdict(int, a=2)])
    assert type(out) is dict and out["a"].tolist() == [1, 2]


def test_default_collate_mismatched_shapes_clear_error():
    with pytest.raises(RuntimeError, match=r"equal size.*\(2,\) at entry 0 and \(3,\) at entry 1"):
        default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([mg.ones(2), mg.ones(3)])


def test_default_collate_rejects_non_float_reals():
    with pytest.raises(TypeError, match="Fraction"):
        default_collate([fractions.Fraction(1, 2), fractions.Fraction(1, 3)])


def test_default_collate_namedtuple_of_tensors():
    Pair = collections.namedtuple("Pair", "x y")
    out = default_collate([Pair(mg.ones(2), 1), Pair(mg.zeros(2), 2)])
    assert isinstance(out, Pair) and out.x.shape == (2, 2) and out.y.dtype == mg.int64


# ------------------------------------------------------------------------------------ samplers
def test_subset_random_sampler():
    indices = [7, 3, 11, 5]
    s = SubsetRandomSampler(indices, seed=0)
    e0, e1 = list(s), list(s)
    assert len(s) == 4 and sorted(e0) == sorted(indices) and sorted(e1) == sorted(indices)
    s.set_epoch(0)
    assert list(s) == e0
    assert list(SubsetRandomSampler(indices, generator=0)) == e0
    loader = DataLoader(list(range(20)), batch_size=2, sampler=SubsetRandomSampler(indices, seed=0))
    assert len(loader) == 2 and sorted(v for b in loader for v in b.tolist()) == sorted(indices)


def test_weighted_random_sampler():
    s = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, seed=0)
    idx = list(s)
    assert len(s) == len(idx) == 4000 and 0 not in idx
    assert 2.5 < idx.count(2) / idx.count(1) < 3.5
    assert list(WeightedRandomSampler(mg.tensor([0.0, 1.0, 3.0]), 4000, seed=0)) == idx
    no_rep = list(WeightedRandomSampler([1, 1, 0, 1], 3, replacement=False, seed=1))
    assert sorted(no_rep) == [0, 1, 3]


@pytest.mark.parametrize("kw, error", [
    (dict(weights=[1.0, 2.0], num_samples=0), ValueError),
    (dict(weights=[1.0, 2.0], num_samples=True), ValueError),
    (dict(weights=[1.0, 2.0], num_samples=2, replacement=1), ValueError),
    (dict(weights=[[1.0, 2.0]], num_samples=2), ValueError),
    (dict(weights=[-1.0, 2.0], num_samples=2), ValueError),
    (dict(weights=[0.0, 0.0], num_samples=2), ValueError),
    (dict(weights=[1.0, float("nan")], num_samples=2), ValueError),
    (dict(weights=[1.0, 0.0], num_samples=2, replacement=False), ValueError),
])
def test_weighted_random_sampler_validation(kw, error):
    with pytest.raises(error):
        WeightedRandomSampler(**kw)


@requires_torch
def test_sampler_lengths_match_torch():
    for ours, theirs in [(SequentialSampler(range(6)), td.SequentialSampler(range(6))),
                         (RandomSampler(range(6)), td.RandomSampler(range(6))),
                         (RandomSampler(range(6), num_samples=9), td.RandomSampler(range(6), num_samples=9)),
                         (RandomSampler(range(6), True, 3), td.RandomSampler(range(6), True, 3)),
                         (SubsetRandomSampler([1, 4]), td.SubsetRandomSampler([1, 4])),
                         (WeightedRandomSampler([1, 2], 5), td.WeightedRandomSampler([1, 2], 5)),
                         (BatchSampler(range(7), 3, True), td.BatchSampler(range(7), 3, True)),
                         (BatchSampler(range(7), 3, False), td.BatchSampler(range(7), 3, False))]:
        assert len(ours) == len(theirs) == len(list(ours))


@requires_torch
def test_num_workers_and_pin_memory_are_accepted_in_torch_positional_order():
    data = [np.float32(i) for i in range(5)]
    args = (2, False, None, None, 0, lambda b: [float(x) for x in b], False, True)
    assert list(DataLoader(data, *args)) == list(td.DataLoader(data, *args)) == [[0.0, 1.0], [2.0, 3.0]]
    loader = DataLoader(data, batch_size=2, num_workers=2, pin_memory=True)
    assert [b.tolist() for b in loader] == [[0.0, 1.0], [2.0, 3.0], [4.0]]
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(data, num_workers=-1)
