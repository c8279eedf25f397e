"""DataParallelContext disabled (one process: everything passes through unchanged) and its errors."""
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.data import BucketBatchSampler, DataLoader, DistributedBucketBatchSampler
from minigrad.distributed.data_parallel import DataParallelContext


def test_disabled_context_changes_nothing(tmp_path):
    dp = DataParallelContext(False)
    assert (dp.rank, dp.world_size, dp.is_main) == (0, 1, True)
    model = nn.Linear(2, 2)
    loader = DataLoader(list(range(10)), batch_sampler=BucketBatchSampler([1] * 10, 4, seed=0))
    assert dp.wrap(model) is model and dp.shard_loader(loader) is loader
    assert dp.private_out(str(tmp_path)) == str(tmp_path)
    assert dp.eval_shard([1, 2, 3]) == [1, 2, 3]
    assert dp.mean([1.5, 2.0], weight=7) == [1.5, 2.0]


def test_shard_loader_keeps_the_global_batches_and_state():
    dp = DataParallelContext(False)
    dp.enabled, dp.world_size, dp.rank = True, 2, 1     # as rank 1 of 2, without MPI
    lengths = [(i * 7) % 11 + 1 for i in range(40)]
    sampler = BucketBatchSampler(lengths, 8, seed=3)
    sampler.set_epoch(2)
    loader = DataLoader(list(range(40)), batch_sampler=sampler, collate_fn=lambda b: b)
    sharded = dp.shard_loader(loader)
    assert isinstance(sharded.batch_sampler, DistributedBucketBatchSampler)
    assert sharded.batch_sampler.batch_size == 4 and sharded.batch_sampler.epoch == 2
    expected = BucketBatchSampler(lengths, 8, seed=3)
    expected.set_epoch(2)
    assert list(sharded) == [b[1::2] for b in expected]
    with pytest.raises(ValueError, match="divisible"):
        dp.shard_loader(DataLoader(list(range(40)), batch_sampler=BucketBatchSampler(lengths, 7)))
    with pytest.raises(TypeError, match="BucketBatchSampler"):
        dp.shard_loader(DataLoader(list(range(40)), batch_size=4))
