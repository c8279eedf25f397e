"""DistributedDataParallel: every rank runs the same model on its own slice of the batch; gradients
are averaged across ranks during backward, so every rank then takes the same optimizer step.

How the averaging overlaps backward: parameters are grouped, in reverse registration order (roughly
the order backward produces their gradients), into buckets of about ``bucket_cap_mb``. Each
parameter has a post-accumulate-grad hook; when the last gradient of a bucket has arrived, the bucket
(one flat buffer holding those gradients, pre-divided by the world size) starts an asynchronous
all-reduce while backward goes on computing the earlier layers. Buckets start strictly in index order
on every rank, because MPI and NCCL match collectives by the order in which they are issued. When the
last bucket has started, all are waited for and the averaged values are written back into ``.grad``.
"""
import contextlib
import zlib

from ... import autograd
from ... import backend as B
from ... import distributed as dist
from ...distributed.collectives import _all_reduce_buffer
from ...tensor import Tensor
from ..module import Module

__all__ = ["DistributedDataParallel"]

_UNFINISHED = ("Expected to have finished reduction in the prior iteration before starting a new one. "
               "This error indicates that your module has parameters that were not used in producing "
               "loss. You can enable unused parameter detection by passing the keyword argument "
               "`find_unused_parameters=True` to `DistributedDataParallel`, and by making sure all "
               "`forward` function outputs participate in calculating loss. Parameters that did not "
               "receive a gradient on rank {rank}: {names}")


class _Bucket:
    """Parameters whose gradients are averaged together through one flat buffer."""
    __slots__ = ("params", "offsets", "buffer", "pending", "work")

    def __init__(self, params):
        self.params = params
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        first = params[0].array
        self.buffer = B.get_array_module(first).zeros(n, dtype=first.dtype)
        self.pending = len(params)
        self.work = None

    def slot(self, k):
        p = self.params[k]
        return self.buffer[self.offsets[k]:self.offsets[k] + p.numel()].reshape(p.array.shape)


def _assign_buckets(params, cap_bytes, first_cap_bytes):
    """Group parameters (reverse order, same dtype and device per bucket) under the byte caps."""
    buckets, current, size = [], [], 0
    for p in reversed(params):
        cap = first_cap_bytes if not buckets else cap_bytes
        same_kind = not current or (p.dtype == current[0].dtype and p.device == current[0].device)
        if current and (size + p.array.nbytes > cap or not same_kind):
            buckets.append(current)
            current, size = [], 0
        current.append(p)
        size += p.array.nbytes
    if current:
        buckets.append(current)
    return buckets


def _leaves_reached(outputs):
    """ids of the leaf tensors the autograd graph of `outputs` reaches (for unused-parameter search)."""
    found, seen, stack = set(), set(), []

    def collect(obj):
        if isinstance(obj, Tensor):
            if obj.grad_fn is None:
                found.add(id(obj))
            else:
                stack.append(obj.grad_fn)
        elif isinstance(obj, (list, tuple)):
            for x in obj:
                collect(x)
        elif isinstance(obj, dict):
            for x in obj.values():
                collect(x)

    collect(outputs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for e in node._edges:
            if e is not None:
                if e[1] is None:
                    found.add(id(e[0]))
                else:
                    stack.append(e[0])
    return found


class DistributedDataParallel(Module):
    """Wrap `module` so that backward averages its gradients over all ranks (torch's DDP).

    .. math:: g \\leftarrow \\frac{1}{W} \\sum_{r=0}^{W-1} g_r

    With each rank's loss a mean over its B/W samples, this is the gradient of the mean loss over
    the global batch of B, so W ranks take exactly the step one process would on the whole batch.

    Args:
        module: the model (identical architecture on every rank; rank 0's values are broadcast).
        bucket_cap_mb: gradient bucket size in MiB (the first bucket is capped at 1 MiB, as in torch,
            so that communication starts early).
        broadcast_buffers: copy rank 0's buffers to every rank at the start of each forward.
        find_unused_parameters: after each forward, walk the autograd graph of the outputs and mark
            the parameters it does not reach as ready (they contribute zero); parameters unused on
            every rank keep their ``.grad`` untouched. Without it, a parameter that gets no gradient
            makes the next forward raise (the reduction never finished), as in torch.

    Shape: whatever `module` takes and returns.

    Example::

        >>> dist.init_process_group("mpi")
        >>> model = DistributedDataParallel(Net())
        >>> loss_fn(model(x_shard), y_shard).backward()   # .grad is the global-batch gradient
        >>> with model.no_sync():                          # accumulate locally, no communication
        ...     loss_fn(model(x2), y2).backward()
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a minigrad.nn.Module, got "
                            f"{type(module).__name__}")
        if not dist.is_initialized():
            raise RuntimeError("DistributedDataParallel: the default process group has not been "
                               "initialized; call minigrad.distributed.init_process_group first")
        bucket_cap_mb = 25 if bucket_cap_mb is None else bucket_cap_mb
        if not bucket_cap_mb > 0:
            raise ValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        self.require_backward_grad_sync = True
        self._world = dist.get_world_size()
        named = list(module.named_parameters())
        self._param_names = {id(p): n for n, p in named}
        self._params = [p for _, p in named if p.requires_grad]
        if not self._params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any "
                               "parameter that requires a gradient.")
        self._verify_same_model(named)
        with autograd.no_grad():
            for _, p in named:
                dist.broadcast(p, src=0)
            self._sync_buffers()
        first_cap = min(1024 * 1024, self.bucket_bytes_cap)
        self._buckets = [_Bucket(ps) for ps in _assign_buckets(self._params, self.bucket_bytes_cap,
                                                               first_cap)]
        self._where = {}
        for b, bucket in enumerate(self._buckets):
            for k, p in enumerate(bucket.params):
                self._where[id(p)] = (b, k)
        self._hook_handles = [p.register_post_accumulate_grad_hook(self._grad_ready)
                              for p in self._params]
        self._index = {id(p): i for i, p in enumerate(self._params)}
        self._next_bucket = len(self._buckets)   # "nothing in flight" until a forward prepares
        self._ready_ids = set()
        self._used = None

    # ----------------------------------------------------------------------------- set-up
    def _verify_same_model(self, named):
        """Every rank must wrap the same parameters (names, shapes, dtypes, order)."""
        layout = repr([(n, tuple(p.shape), str(p.dtype), p.requires_grad) for n, p in named])
        if not dist.collectives._group().check_same([len(named), zlib.crc32(layout.encode())]):
            raise RuntimeError("DistributedDataParallel: the ranks' models differ (parameter names, "
                               "shapes, dtypes or requires_grad); every rank must build the same model")

    def _sync_buffers(self):
        for buf in self.module.buffers():
            dist.broadcast(buf, src=0)

    @property
    def bucket_sizes(self):
        """How many parameters each gradient bucket holds, in the order they are all-reduced."""
        return [len(b.params) for b in self._buckets]

    # ----------------------------------------------------------------------------- forward
    def forward(self, *inputs, **kwargs):
        if self._next_bucket < len(self._buckets) and self._ready_ids:
            missing = [self._param_names[id(p)] for p in self._params if id(p) not in self._ready_ids]
            raise RuntimeError(_UNFINISHED.format(rank=dist.get_rank(), names=", ".join(missing)))
        if self.broadcast_buffers and self.module.training:
            with autograd.no_grad():
                self._sync_buffers()
        out = self.module(*inputs, **kwargs)
        if autograd.is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(out)
        return out

    def _prepare_for_backward(self, out):
        for b in self._buckets:
            b.pending, b.work = len(b.params), None
        self._next_bucket = 0
        self._ready_ids = set()
        self._used = None
        if self.find_unused_parameters:
            reached = _leaves_reached(out)
            xp = B.get_array_module(self._params[0].array)   # NCCL reduces device memory only
            self._used = xp.asarray([id(p) in reached for p in self._params], dtype=xp.int32)
            for b in self._buckets:
                b.buffer[...] = 0
            for p in self._params:
                if id(p) not in reached:
                    self._mark_ready(p)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without communication; the first backward
        after it averages the accumulated gradients (gradient accumulation over several batches)."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ----------------------------------------------------------------------------- backward
    def _grad_ready(self, p):
        if not self.require_backward_grad_sync or self._next_bucket >= len(self._buckets):
            return   # no_sync, or a backward through a graph DDP's forward did not prepare
        b, k = self._where[id(p)]
        self._buckets[b].slot(k)[...] = p.grad.array
        self._mark_ready(p)

    def _mark_ready(self, p):
        self._ready_ids.add(id(p))
        b, _ = self._where[id(p)]
        bucket = self._buckets[b]
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready_buckets()

    def _launch_ready_buckets(self):
        buckets = self._buckets
        while self._next_bucket < len(buckets) and buckets[self._next_bucket].pending == 0:
            bucket = buckets[self._next_bucket]
            bucket.buffer /= self._world
            bucket.work = _all_reduce_buffer(bucket.buffer, "sum")
            self._next_bucket += 1
        if self._next_bucket == len(buckets):
            self._finish_reduction()

    def _finish_reduction(self):
        used = self._used
        if used is not None:   # which parameters got a gradient on at least one rank
            _all_reduce_buffer(used, "max").wait()
            used = B.to_numpy(used)
        for b in self._buckets:
            b.work.wait()
            for k, p in enumerate(b.params):
                if used is None or used[self._index[id(p)]]:
                    if p.grad is None:
                        p.grad = Tensor._make(b.slot(k).copy())
                    else:
                        p.grad.array[...] = b.slot(k)
        self._next_bucket = len(self._buckets) + 1   # reduction complete

    def extra_repr(self):
        return f"bucket_cap_mb={self.bucket_bytes_cap / 2 ** 20:g}, buckets={len(self._buckets)}"
