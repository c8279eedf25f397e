"""2-rank worker: every collective, per op and dtype, contiguous and not; errors. Exits 0 if all hold."""
import datetime

import numpy as np

import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2 and dist.is_initialized() and dist.get_backend() == "mpi"


def rank_values(r, dtype, shape=(3, 4)):
    """Distinct, exactly representable values per rank (negative ones too)."""
    return (np.arange(np.prod(shape)).reshape(shape) * (r + 2) - 5 * r).astype(dtype)


everyone = [rank_values(r, np.float64) for r in range(world)]
expected = {"SUM": sum(everyone), "MAX": np.maximum(*everyone), "MIN": np.minimum(*everyone),
            "PRODUCT": everyone[0] * everyone[1], "AVG": sum(everyone) / world}
for dtype in (np.float32, np.float64, np.int64):
    for opname, want in expected.items():
        if opname == "AVG" and dtype == np.int64:
            want = np.trunc(sum(everyone) / world)   # integer AVG truncates toward zero, like NCCL
        for layout in ("contiguous", "transposed", "strided", "async"):
            if layout == "contiguous" or layout == "async":
                t = mg.tensor(rank_values(rank, dtype))
                view, ref = t, want
            elif layout == "transposed":
                t = mg.tensor(rank_values(rank, dtype).T.copy())
                view, ref = t.transpose(0, 1), want   # a non-contiguous view of t
            else:
                big = np.zeros((3, 8), dtype)
                big[:, ::2] = rank_values(rank, dtype, (3, 4))
                t = mg.tensor(big)
                view, ref = t[:, ::2], want
            before = t.array.copy()
            work = dist.all_reduce(view, op=getattr(dist.ReduceOp, opname), async_op=layout == "async")
            if layout == "async":
                assert work.wait() and work.is_completed()
            else:
                assert work is None
            np.testing.assert_array_equal(view.array, ref.astype(dtype), err_msg=f"{opname} {dtype} {layout}")
            if layout == "strided":   # the untouched columns of the base stay as they were
                np.testing.assert_array_equal(t.array[:, 1::2], before[:, 1::2])
            assert view.dtype == mg.tensor(np.zeros(1, dtype)).dtype

    # broadcast from each root, contiguous and not
    for src in range(world):
        t = mg.tensor(rank_values(rank, dtype).T.copy())
        dist.broadcast(t.transpose(0, 1), src=src)
        np.testing.assert_array_equal(t.array.T, rank_values(src, dtype))
        t = mg.tensor(rank_values(rank, dtype))
        dist.broadcast(t, src=src, async_op=True).wait()
        np.testing.assert_array_equal(t.array, rank_values(src, dtype))

    # all_gather into fresh tensors, from a non-contiguous input
    out = [mg.zeros(3, 4, dtype=mg.tensor(np.zeros(1, dtype)).dtype) for _ in range(world)]
    src_t = mg.tensor(rank_values(rank, dtype).T.copy()).transpose(0, 1)
    dist.all_gather(out, src_t)
    for r in range(world):
        np.testing.assert_array_equal(out[r].array, rank_values(r, dtype))

    # reduce: only dst receives
    for dst in range(world):
        t = mg.tensor(rank_values(rank, dtype))
        dist.reduce(t, dst=dst, op=dist.ReduceOp.SUM)
        want = sum(rank_values(r, np.float64) for r in range(world)).astype(dtype)
        np.testing.assert_array_equal(t.array, want if rank == dst else rank_values(rank, dtype))

# zero-copy: a contiguous tensor's memory is what MPI writes (same buffer, same object)
t = mg.ones(1000, dtype=mg.float64)
arr = t.array
v0 = t._version.value
dist.all_reduce(t)
assert t.array is arr and float(arr[0]) == world and t._version.value == v0 + 1

# 0-d, float16 (staged through float32), bool (logical)
s = mg.tensor(float(rank + 1))
dist.all_reduce(s, op=dist.ReduceOp.MAX)
assert s.item() == world
h = mg.tensor([0.5, 1.5], dtype=mg.float16)
dist.all_reduce(h)
np.testing.assert_array_equal(h.array, np.array([1.0, 3.0], np.float16))
b = mg.tensor([rank == 0, False, True])
dist.all_reduce(b)
np.testing.assert_array_equal(b.array, [True, False, True])
dist.all_reduce(b, op=dist.ReduceOp.MIN)
np.testing.assert_array_equal(b.array, [True, False, True])

# mismatched shape / dtype across ranks: an error on every rank (not a hang, not garbage)
for bad in (mg.zeros(3 + rank), mg.zeros(3, dtype=mg.float64 if rank else mg.float32)):
    try:
        dist.all_reduce(bad)
    except RuntimeError as e:
        assert "different dtype or shape" in str(e) and "rank 1" in str(e), e
    else:
        raise AssertionError("mismatch not detected")
try:
    dist.broadcast(mg.zeros(2), src=rank)
except RuntimeError as e:
    assert "root rank" in str(e), e
else:
    raise AssertionError("different roots not detected")

# argument errors raised locally
for call, exc in ((lambda: dist.all_reduce(np.zeros(2)), TypeError),
                  (lambda: dist.broadcast(mg.zeros(2), src=world), ValueError),
                  (lambda: dist.all_reduce(mg.zeros(2), op="sum"), TypeError),
                  (lambda: dist.all_gather([mg.zeros(2)], mg.zeros(2)), ValueError),
                  (lambda: dist.all_gather([mg.zeros(3), mg.zeros(3)], mg.zeros(2)), ValueError)):
    try:
        call()
    except exc:
        pass
    else:
        raise AssertionError(f"expected {exc.__name__}")

# a Work's timeout when the other rank is late (rank 1 reaches the barrier after a sleep)
dist.barrier()
if rank == 0:
    work = dist.barrier(async_op=True)
    try:
        work.wait(timeout=datetime.timedelta(seconds=0.3))
    except dist.DistBackendError as e:
        assert "did not finish within" in str(e)
    else:
        raise AssertionError("timeout not raised")
    work.wait()   # rank 1 arrives after its sleep; the same work then completes
else:
    import time
    time.sleep(1.0)
    dist.barrier()
dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank}: collectives OK")
