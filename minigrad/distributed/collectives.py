"""Collectives on Tensors, in place, with torch.distributed's signatures.

Each call checks its arguments here, on this rank, then checks with one tiny all-reduce that every
rank passed the same dtype and shape (a mismatch would otherwise hang or give garbage), then hands a
contiguous buffer to the engine. A contiguous tensor of a dtype the engine knows *is* that buffer:
MPI reads and writes the tensor's memory directly. Anything else (a non-contiguous view, float16 on
MPI) goes through a contiguous copy that is written back when the work completes.

With ``async_op=True`` a collective returns a `Work`; the tensor holds the result after ``wait()``.
"""
from .. import backend as B
from ..tensor import Tensor
from .process_group import _group

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "all_gather", "reduce", "barrier"]


class ReduceOp:
    """How all_reduce / reduce combine the ranks' values: ReduceOp.SUM, AVG, MAX, MIN, PRODUCT."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"ReduceOp.{self.name}"


ReduceOp.SUM = ReduceOp("SUM")
ReduceOp.AVG = ReduceOp("AVG")
ReduceOp.MAX = ReduceOp("MAX")
ReduceOp.MIN = ReduceOp("MIN")
ReduceOp.PRODUCT = ReduceOp("PRODUCT")
_OP_CODES = {"SUM": 1, "AVG": 2, "MAX": 3, "MIN": 4, "PRODUCT": 5}


class Work:
    """A running collective (torch.distributed.Work): wait() blocks until the tensors hold the result.

    Under MPI, wait() blocks the calling thread (raising DistBackendError after the group's
    timeout); under NCCL it makes the current CUDA stream wait for the communication stream.
    """

    def __init__(self, group, requests, finish=None):
        self._group = group
        self._requests = requests
        self._finish = finish
        self._done = False

    def wait(self, timeout=None):
        """Block until complete; `timeout` (a timedelta) overrides the group's for this call."""
        if not self._done:
            limit = None if timeout is None else timeout.total_seconds()
            for r in self._requests:
                self._group.wait(r, limit)
            self._done = True
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self):
        """True once the communication has finished (the result is then written into the tensors)."""
        if not self._done and all(self._group.is_done(r) for r in self._requests):
            self.wait()
        return self._done

    def is_success(self):
        return self._done


def _check_tensor(fn, t, name="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}: {name} must be a minigrad Tensor, got {type(t).__name__}")
    group = _group()
    on_gpu = t.device.type == "cuda"
    if on_gpu != (group.device_kind == "cuda"):
        raise RuntimeError(f"{fn}: the {group.name!r} backend works on "
                           f"{'CUDA' if group.device_kind == 'cuda' else 'CPU'} tensors, got a tensor "
                           f"on {t.device}")
    return group


def _op_name(fn, op, arr):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{fn}: op must be a ReduceOp (ReduceOp.SUM, AVG, MAX, MIN, PRODUCT), got {op!r}")
    name = op.name
    if arr.dtype.kind == "b":  # logical reductions for bool, as torch does
        if name == "AVG":
            raise TypeError(f"{fn}: ReduceOp.AVG is not defined for bool tensors")
        return "land" if name in ("MIN", "PRODUCT") else "lor"
    return {"SUM": "sum", "AVG": "sum", "MAX": "max", "MIN": "min", "PRODUCT": "prod"}[name]


def _check_rank(fn, name, r, group):
    if not isinstance(r, int) or isinstance(r, bool) or not 0 <= r < group.world_size:
        raise ValueError(f"{fn}: {name}={r!r} is not a rank of this group (0..{group.world_size - 1})")


def _dtype_code(arr):
    return [d.np for d in B.DTYPES].index(arr.dtype)


def _check_same_everywhere(fn, group, arr, extra):
    """One small all-reduce: did every rank pass the same dtype, shape (and root / op)?"""
    shape = tuple(int(s) for s in arr.shape)
    values = [_dtype_code(arr), len(shape), int(arr.size), hash(shape) & 0x7FFFFFFF] + list(extra)
    if group.check_same(values):
        return
    everyone = group.gather_objects((str(arr.dtype), list(shape), list(extra)))
    listing = "; ".join(f"rank {r}: {d} {s}" for r, (d, s, _) in enumerate(everyone))
    if len({(d, tuple(s)) for d, s, _ in everyone}) == 1:
        raise RuntimeError(f"{fn}: the ranks disagree on the root rank or the reduce op "
                           f"({[e[2] for e in everyone]}); every rank must pass the same")
    raise RuntimeError(f"{fn}: the ranks passed tensors of different dtype or shape ({listing}); "
                       f"every rank must pass the same")


def _wire_buffer(group, arr):
    """(buffer the engine reads/writes, whether it is a copy that must be written back)."""
    xp = B.get_array_module(arr)
    wire = arr.dtype
    if group.name == "mpi" and arr.dtype == B.np.float16:
        wire = B.np.float32  # MPI has no half type
    if arr.flags.c_contiguous and wire == arr.dtype:
        return arr, False
    return xp.ascontiguousarray(arr, dtype=wire), True


def _divide_by_world(buf, n):
    """Finish ReduceOp.AVG after a SUM: true division for floats, truncation toward 0 for ints."""
    if buf.dtype.kind == "f":
        buf /= n
    else:
        xp = B.get_array_module(buf)
        q = xp.abs(buf) // n
        buf[...] = xp.where(buf < 0, -q, q)


def _finisher(tensors_and_buffers, avg_n=None):
    def finish():
        for t, arr, buf, copied in tensors_and_buffers:
            if avg_n is not None:
                _divide_by_world(buf, avg_n)
            if copied:
                arr[...] = buf
            t._bump()
    return finish


def _run(group, request, finish, async_op):
    work = Work(group, [request], finish)
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine `tensor` across ranks with `op`; every rank ends up holding the result, in place.

    .. math:: t \\leftarrow \\bigoplus_{r=0}^{W-1} t_r \\quad (\\text{AVG}: \\tfrac1W \\sum_r t_r)

    Args:
        tensor: the same shape and dtype on every rank; overwritten with the result.
        op: ReduceOp.SUM (default), AVG, MAX, MIN or PRODUCT (bool tensors: SUM/MAX = or, MIN = and).
        async_op: return a Work handle instead of waiting.

    Example::

        >>> t = mg.tensor([1.0 + dist.get_rank()]); dist.all_reduce(t)   # 2 ranks: t == [3.]
    """
    g = _check_tensor("all_reduce", tensor)
    arr = tensor.array
    wire_op = _op_name("all_reduce", op, arr)
    _check_same_everywhere("all_reduce", g, arr, [_OP_CODES[op.name]])
    buf, copied = _wire_buffer(g, arr)
    avg = g.world_size if op.name == "AVG" else None
    request = g.all_reduce(buf, wire_op)
    return _run(g, request, _finisher([(tensor, arr, buf, copied)], avg), async_op)


def broadcast(tensor, src, group=None, async_op=False):
    """Copy rank `src`'s `tensor` into `tensor` on every other rank, in place.

    Example::

        >>> dist.broadcast(weights, src=0)   # every rank now holds rank 0's weights
    """
    g = _check_tensor("broadcast", tensor)
    _check_rank("broadcast", "src", src, g)
    arr = tensor.array
    _check_same_everywhere("broadcast", g, arr, [src])
    buf, copied = _wire_buffer(g, arr)
    request = g.broadcast(buf, src)
    return _run(g, request, _finisher([(tensor, arr, buf, copied and g.rank != src)]), async_op)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine `tensor` across ranks with `op` into rank `dst`'s `tensor`; other ranks' are unchanged.

    Example::

        >>> dist.reduce(loss_sum, dst=0)   # rank 0 holds the total
    """
    g = _check_tensor("reduce", tensor)
    _check_rank("reduce", "dst", dst, g)
    arr = tensor.array
    wire_op = _op_name("reduce", op, arr)
    _check_same_everywhere("reduce", g, arr, [dst, _OP_CODES[op.name]])
    buf, copied = _wire_buffer(g, arr)
    if g.rank != dst:
        request = g.reduce(buf, dst, wire_op)
        return _run(g, request, None, async_op)
    avg = g.world_size if op.name == "AVG" else None
    request = g.reduce(buf, dst, wire_op)
    return _run(g, request, _finisher([(tensor, arr, buf, copied)], avg), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's `tensor`, on every rank.

    Args:
        tensor_list: world_size tensors, each of `tensor`'s shape and dtype (overwritten).
        tensor: this rank's contribution (same shape and dtype on every rank).

    Example::

        >>> out = [mg.zeros(2) for _ in range(dist.get_world_size())]
        >>> dist.all_gather(out, mg.ones(2) * dist.get_rank())
    """
    g = _check_tensor("all_gather", tensor)
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != g.world_size:
        raise ValueError(f"all_gather: tensor_list must be a list of world_size={g.world_size} "
                         f"tensors, got {type(tensor_list).__name__} of length "
                         f"{len(tensor_list) if hasattr(tensor_list, '__len__') else '?'}")
    for i, t in enumerate(tensor_list):
        _check_tensor("all_gather", t, f"tensor_list[{i}]")
        if t.shape != tensor.shape or t.dtype != tensor.dtype:
            raise ValueError(f"all_gather: tensor_list[{i}] is {t.dtype} {list(t.shape)} but the input "
                             f"tensor is {tensor.dtype} {list(tensor.shape)}")
    arr = tensor.array
    _check_same_everywhere("all_gather", g, arr, [])
    send, _ = _wire_buffer(g, arr)
    xp = B.get_array_module(arr)
    out = xp.empty((g.world_size,) + tuple(send.shape), dtype=send.dtype)
    request = g.all_gather(out, send)

    def finish():
        for r, t in enumerate(tensor_list):
            t.array[...] = out[r]
            t._bump()
    return _run(g, request, finish, async_op)


def barrier(group=None, async_op=False):
    """Wait until every rank has called barrier()."""
    g = _group()
    return _run(g, g.barrier(), None, async_op)


def _all_reduce_buffer(buf, op="sum"):
    """Start an all-reduce of a raw contiguous backend array, unchecked (DDP's buckets, whose
    layout was verified once across ranks); returns a Work."""
    g = _group()
    return Work(g, [g.all_reduce(buf, op)])
