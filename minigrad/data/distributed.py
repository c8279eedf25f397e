"""Samplers for data-parallel training: each of `num_replicas` processes gets its own shard.

Every rank must build the sampler with the same arguments (above all the same seed): the ranks then
agree on the order without communicating, and each keeps only its share.
"""
import math
import numbers

from .. import backend as B
from .sampler import Sampler, BucketBatchSampler, _check_bool

__all__ = ["DistributedSampler", "DistributedBucketBatchSampler", "torch_randperm"]


def torch_randperm(n, seed):
    """The permutation ``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` gives.

    torch draws it on the CPU with a Fisher-Yates shuffle driven by MT19937 seeded with the low 32
    bits of the seed (swap position i with i + u_i mod (n - i), u_i the i-th 32-bit output), which is
    NumPy's legacy MT19937 stream; reproducing it makes DistributedSampler's shards equal torch's.
    """
    order = list(range(n))
    if n > 1:
        draws = B.np.random.RandomState(seed & 0xFFFFFFFF).randint(0, 2 ** 32, size=n - 1,
                                                                     dtype=B.np.uint32).tolist()
        for i, u in enumerate(draws):
            j = i + u % (n - i)
            order[i], order[j] = order[j], order[i]
    return order


def _world_and_rank(num_replicas, rank):
    if num_replicas is None or rank is None:
        from .. import distributed as dist
        if not dist.is_initialized():
            raise RuntimeError("DistributedSampler: pass num_replicas and rank, or call "
                               "minigrad.distributed.init_process_group first")
        num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
        rank = dist.get_rank() if rank is None else rank
    if not isinstance(num_replicas, numbers.Integral) or num_replicas < 1:
        raise ValueError(f"num_replicas must be a positive integer, got {num_replicas!r}")
    if not isinstance(rank, numbers.Integral) or not 0 <= rank < num_replicas:
        raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
    return int(num_replicas), int(rank)


class DistributedSampler(Sampler):
    """This rank's disjoint, equally sized share of the dataset's indices (torch's DistributedSampler).

    Each epoch the indices 0..N-1 are permuted (``shuffle``, seeded by ``seed + epoch``, the same
    permutation torch draws), then either padded by repeating the first indices up to a multiple of
    ``num_replicas`` or, with ``drop_last``, cut down to one; rank r takes every num_replicas-th index
    starting at r. As in torch the epoch does not advance by itself: call ``set_epoch(epoch)`` before
    each epoch, or every epoch has the same order.

    Args:
        dataset: anything with len().
        num_replicas, rank: default: the process group's world size and rank.
        shuffle: permute each epoch (else 0..N-1 in order).
        seed: must be the same on every rank.
        drop_last: drop the tail instead of padding, so no index is seen twice.

    Example::

        >>> sampler = DistributedSampler(range(10), num_replicas=2, rank=1, shuffle=False)
        >>> list(sampler)
        [1, 3, 5, 7, 9]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        self.num_replicas, self.rank = _world_and_rank(num_replicas, rank)
        _check_bool("drop_last", drop_last)
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = drop_last
        self.epoch = 0
        n, w = len(dataset), self.num_replicas
        if drop_last and n % w:
            self.num_samples = math.ceil((n - w) / w)
        else:
            self.num_samples = math.ceil(n / w)
        self.total_size = self.num_samples * w

    def set_epoch(self, epoch):
        """Use epoch `epoch`'s permutation (every rank must pass the same epoch)."""
        self.epoch = int(epoch)

    def state_dict(self):
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state):
        self.seed, self.epoch = int(state["seed"]), int(state["epoch"])

    def __iter__(self):
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        elif n:
            missing = self.total_size - n
            indices += (indices * math.ceil(missing / n))[:missing]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples


class DistributedBucketBatchSampler(Sampler):
    """BucketBatchSampler for data parallelism: global batches of similar lengths, split across ranks.

    The global batches are exactly those of ``BucketBatchSampler(lengths, batch_size * num_replicas,
    ...)`` with the same seed; rank r takes rows r, r + num_replicas, ... of each (after its sort by
    length, so every rank gets a similar mix of lengths). Every rank yields the same number of
    batches, each of ``batch_size`` rows; only a short final global batch is padded by repeating its
    own rows up to a multiple of num_replicas (or dropped with ``drop_last``), so the ranks' shards
    always have equal sizes and the averaged gradient equals the global batch's.

    Args:
        lengths: the length of every example (the same list on every rank).
        batch_size: rows per rank per batch (the global batch is batch_size * num_replicas).
        num_replicas, rank: default: the process group's.
        shuffle, drop_last, bucket_size_multiplier, seed: as in BucketBatchSampler.

    Example::

        >>> s = DistributedBucketBatchSampler([3, 1, 2, 5], 1, num_replicas=2, rank=0, shuffle=False)
        >>> list(s)   # global batches [1, 2] and [0, 3] (sorted by length); rank 0 takes the first row
        [[1], [0]]
    """

    def __init__(self, lengths, batch_size, num_replicas=None, rank=None, shuffle=True,
                 drop_last=False, bucket_size_multiplier=100, seed=0):
        self.num_replicas, self.rank = _world_and_rank(num_replicas, rank)
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.global_batches = BucketBatchSampler(lengths, self.batch_size * self.num_replicas,
                                                 shuffle=shuffle, drop_last=drop_last,
                                                 bucket_size_multiplier=bucket_size_multiplier,
                                                 seed=seed)

    @property
    def seed(self):
        return self.global_batches.seed

    @property
    def epoch(self):
        return self.global_batches.epoch

    def set_epoch(self, epoch):
        """Make the next pass produce epoch `epoch` (passes advance the epoch by themselves)."""
        self.global_batches.set_epoch(epoch)

    def state_dict(self):
        return self.global_batches.state_dict()

    def load_state_dict(self, state):
        self.global_batches.load_state_dict(state)

    def __iter__(self):
        w = self.num_replicas
        for batch in self.global_batches:
            short = -len(batch) % w
            if short:
                batch = batch + (batch * math.ceil(short / len(batch)))[:short]
            yield batch[self.rank::w]

    def __len__(self):
        return len(self.global_batches)
