"""DistributedDataParallel on 2 MPI ranks == one process on the whole batch; and its local errors."""
import pytest

import minigrad as mg
import minigrad.distributed as dist
import minigrad.nn as nn
from minigrad.nn.parallel import DistributedDataParallel

from .launch import check_ok, run_ranks


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_ddp_matches_one_process_on_the_whole_batch(dtype):
    # buckets: default, smaller than one parameter, larger than all; no_sync; overlap; unused params
    proc = check_ok(run_ranks("worker_ddp.py", dtype))
    assert proc.stdout.count(f"DDP {dtype} OK") == 2


def test_ddp_needs_an_initialized_group():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedDataParallel(nn.Linear(2, 2))


def test_ddp_rejects_non_modules():
    with pytest.raises(TypeError, match="nn.Module"):
        DistributedDataParallel(lambda x: x)
