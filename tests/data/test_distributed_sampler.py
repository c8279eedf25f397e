"""DistributedSampler (torch's shards, index for index) and DistributedBucketBatchSampler."""
import itertools

import pytest

from minigrad.data import BucketBatchSampler, DistributedBucketBatchSampler, DistributedSampler
from minigrad.data.distributed import torch_randperm



def shards(n, world, **kw):
    return [list(DistributedSampler(range(n), num_replicas=world, rank=r, **kw)) for r in range(world)]


@pytest.mark.parametrize("n,world", [(10, 2), (11, 2), (7, 3), (1, 2), (100, 4)])
def test_shards_are_disjoint_equal_and_cover(n, world):
    parts = shards(n, world, seed=3)
    assert len({len(p) for p in parts}) == 1
    assert len(parts[0]) == len(DistributedSampler(range(n), num_replicas=world, rank=0))
    flat = [i for p in parts for i in p]
    assert set(flat) == set(range(n))                      # covers everything
    assert len(flat) - n == (-n) % world                   # only the padding repeats
    dropped = shards(n, world, seed=3, drop_last=True)
    flat = [i for p in dropped for i in p]
    assert len(flat) == len(set(flat)) == n - n % world    # disjoint, nothing repeated


def test_set_epoch_reshuffles_and_replays():
    s = DistributedSampler(range(50), num_replicas=2, rank=0, seed=7)
    e0, again = list(s), list(s)
    assert e0 == again                                     # torch: no auto-advance
    s.set_epoch(1)
    e1 = list(s)
    assert e1 != e0 and sorted(e1) != e1
    s.set_epoch(0)
    assert list(s) == e0


@pytest.mark.parametrize("n", [1, 2, 9, 1000])
@pytest.mark.parametrize("seed", [0, 5, 2 ** 32 + 11])
def test_randperm_is_torchs(n, seed):
    t = pytest.importorskip("torch")
    g = t.Generator()
    g.manual_seed(seed)
    assert torch_randperm(n, seed) == t.randperm(n, generator=g).tolist()


@pytest.mark.parametrize("n,world,shuffle,drop_last", itertools.product(
    [10, 13, 3], [2, 3], [True, False], [False, True]))
def test_index_lists_equal_torchs(n, world, shuffle, drop_last):
    t = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler
    for epoch in (0, 3):
        for rank in range(world):
            ours = DistributedSampler(range(n), world, rank, shuffle=shuffle, seed=42, drop_last=drop_last)
            theirs = TorchSampler(range(n), world, rank, shuffle=shuffle, seed=42, drop_last=drop_last)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match="num_replicas"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    with pytest.raises(ValueError, match="batch_size"):
        DistributedBucketBatchSampler([1, 2], 0, num_replicas=2, rank=0)


LENGTHS = [(i * 37) % 23 + 1 for i in range(103)]


@pytest.mark.parametrize("drop_last", [False, True])
def test_bucket_shards_rebuild_the_global_batches(drop_last):
    world, per_rank = 2, 4
    ranks = [DistributedBucketBatchSampler(LENGTHS, per_rank, world, r, seed=9, drop_last=drop_last)
             for r in range(world)]
    single = BucketBatchSampler(LENGTHS, per_rank * world, seed=9, drop_last=drop_last)
    previous = None
    for epoch in range(2):
        got = [list(s) for s in ranks]
        want = list(single)
        assert [len(g) for g in got] == [len(want)] * world == [len(s) for s in ranks]
        for k, global_batch in enumerate(want):
            pieces = [got[r][k] for r in range(world)]
            assert len({len(p) for p in pieces}) == 1      # equal shards, always
            if len(global_batch) == per_rank * world:
                assert sorted(pieces[0] + pieces[1]) == sorted(global_batch)
            else:                                          # short tail: padded with its own rows
                assert set(pieces[0] + pieces[1]) == set(global_batch)
        assert got[0] != previous                          # each epoch is a new order
        previous = got[0]


def test_bucket_sampler_resumes_from_its_state():
    s = DistributedBucketBatchSampler(LENGTHS, 3, 2, 1, seed=4)
    list(s)
    state = s.state_dict()
    expected = list(s)
    fresh = DistributedBucketBatchSampler(LENGTHS, 3, 2, 1, seed=123)
    fresh.load_state_dict(state)
    assert list(fresh) == expected
