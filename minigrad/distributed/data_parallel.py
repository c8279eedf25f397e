"""DataParallelContext: the few things a training script changes to run under ``mpiexec -n N``.

The example trainers use it so that their single-process code path stays as it is::

    dp = DataParallelContext(args.distributed)      # a no-op context when False
    args.out = dp.private_out(args.out)             # files: rank 0 only
    loader = dp.shard_loader(loader)                # each rank: its share of every global batch
    net = dp.wrap(model)                            # DistributedDataParallel, or the model itself
    val_loss, val_acc = dp.mean([val_loss, val_acc], weight=len(my_val_shard))

Every rank runs the same script with the same seed; rank 0's weights are broadcast when the model
is wrapped, and from then on DDP keeps the ranks identical.
"""
import atexit
import os
import shutil
import sys
import tempfile

from .. import backend as B
from ..tensor import Tensor
from . import collectives, process_group

__all__ = ["DataParallelContext"]


class DataParallelContext:
    """Process-group plumbing for a training script (disabled: one process, everything unchanged).

    Args:
        enabled: join the MPI job (init_process_group) and shard the work.
        backend: "mpi" or "nccl"; default: "nccl" when minigrad's default device is CUDA, else "mpi".
        quiet_workers: send stdout of ranks other than 0 to /dev/null (stderr stays, for errors).

    Example::

        >>> dp = DataParallelContext(False)
        >>> dp.rank, dp.world_size, dp.is_main, dp.eval_shard([1, 2, 3])
        (0, 1, True, [1, 2, 3])
    """

    def __init__(self, enabled, backend=None, quiet_workers=True):
        self.enabled = bool(enabled)
        self.rank, self.world_size = 0, 1
        if not self.enabled:
            return
        if not process_group.is_initialized():
            if backend is None:
                backend = "nccl" if B.default_device().type == "cuda" else "mpi"
            process_group.init_process_group(backend)
        self.rank, self.world_size = process_group.get_rank(), process_group.get_world_size()
        if quiet_workers and self.rank != 0:   # at the file-descriptor level: C output too
            sys.stdout.flush()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)

    @property
    def is_main(self):
        """True on rank 0 (the one that prints, draws progress bars and writes files)."""
        return self.rank == 0

    def private_out(self, out):
        """`out` on rank 0; on other ranks a temporary directory, removed at exit, holding copies
        of the checkpoints (``*.ckpt``) already in `out`, so that a resumed run finds them there.

        A script that writes its files unconditionally thus leaves only rank 0's (ranks share no
        file, whatever the way they write).
        """
        if self.is_main:
            return out
        tmp = tempfile.mkdtemp(prefix=f"minigrad-rank{self.rank}-")
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        if os.path.isdir(out):
            for name in os.listdir(out):
                source = os.path.abspath(os.path.join(out, name))
                if name.endswith(".ckpt") and os.path.isfile(source):
                    shutil.copy2(source, os.path.join(tmp, name))   # copies: nothing shared
        return tmp

    def wrap(self, model, **ddp_kwargs):
        """DistributedDataParallel(model) when enabled, else the model itself."""
        if not self.enabled:
            return model
        from ..nn.parallel import DistributedDataParallel
        return DistributedDataParallel(model, **ddp_kwargs)

    def shard_loader(self, loader):
        """A DataLoader over the same data whose BucketBatchSampler's global batches are split
        across the ranks (each rank gets batch_size / world_size rows of every global batch)."""
        if not self.enabled:
            return loader
        from ..data import BucketBatchSampler, DataLoader, DistributedBucketBatchSampler
        old = loader.batch_sampler
        if not isinstance(old, BucketBatchSampler):
            raise TypeError(f"shard_loader: expected a DataLoader with a BucketBatchSampler, got "
                            f"{type(old).__name__}")
        if old.batch_size % self.world_size:
            raise ValueError(f"the global batch size {old.batch_size} must be divisible by the "
                             f"number of processes {self.world_size}")
        sampler = DistributedBucketBatchSampler(
            old.lengths.tolist(), old.batch_size // self.world_size, self.world_size, self.rank,
            shuffle=old.shuffle, drop_last=old.drop_last,
            bucket_size_multiplier=old.bucket_size // old.batch_size, seed=old.seed)
        sampler.load_state_dict(old.state_dict())
        return DataLoader(loader.dataset, batch_sampler=sampler, collate_fn=loader.collate_fn)

    def eval_shard(self, data):
        """This rank's share of an evaluation set (every world_size-th item; sizes may differ by
        one, so combine the results with mean(..., weight=len(shard)))."""
        return data[self.rank::self.world_size] if self.enabled else data

    def mean(self, values, weight=1.0):
        """Weighted means of per-rank `values` over all ranks: sum_r w_r v_r / sum_r w_r."""
        values = [float(v) for v in values]
        if not self.enabled:
            return values
        buf = Tensor._make(B.np.asarray([v * weight for v in values] + [float(weight)], B.np.float64))
        if B.default_device().type == "cuda" and process_group.get_backend() == "nccl":
            buf = buf.to("cuda")
        collectives.all_reduce(buf)
        total = buf.array.tolist()
        return [v / total[-1] for v in total[:-1]]
