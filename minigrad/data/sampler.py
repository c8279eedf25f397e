"""Samplers: which indices a DataLoader visits, in what order, and how they are grouped into batches.

Random samplers are keyed by (seed, epoch): each pass over the sampler uses the current epoch and
then advances it, so successive epochs differ, the same seed gives the same sequence of epochs, and
``set_epoch(e)`` replays epoch ``e`` exactly (for resuming). Without a seed, one is drawn at
construction from minigrad's cpu generator, so ``minigrad.manual_seed`` makes runs reproducible.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional, Sequence
import math
import numbers

from .. import backend as B
from ..errors import ArgumentError
from ..tensor import Tensor
from .dataset_types import make_rng

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "BucketBatchSampler"]


def _check_bool(name, value, error=ValueError):
    if not isinstance(value, bool):
        raise error(f"{name} should be a boolean value, got {name}={value!r}")


def _check_num_samples(num_samples):
    if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool) or num_samples <= 0:
        raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")


class Sampler:
    """Base class of samplers: an iterable over dataset indices, handed to a `DataLoader`.

    A subclass implements ``__iter__`` (and ``__len__`` where the count is known).

    Example:
        >>> class Reversed(minigrad.data.Sampler):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(self.n - 1, -1, -1))
        >>> list(Reversed(3))
        [2, 1, 0]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError

    def set_epoch(self, epoch: Optional[int]) -> None:
        """Choose the epoch the next iteration uses (no effect for deterministic samplers)."""


class SequentialSampler(Sampler):
    """Yields the indices 0, 1, ..., len(data_source) - 1 in order.

    Args:
        data_source: the dataset (only its length is used).

    Example:
        >>> list(minigrad.data.SequentialSampler(["a", "b", "c"]))
        [0, 1, 2]
    """

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[Any]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class _Seeded(Sampler):
    """Mixin for samplers whose order is a function of (seed, epoch)."""

    def _init_seed(self, seed, generator):
        if seed is None and isinstance(generator, numbers.Integral):
            seed, generator = int(generator), None
        if seed is None:
            seed = int(make_rng(None, generator).integers(0, 2 ** 63 - 1))
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch):
        """Make the next iteration produce the order of epoch `epoch`."""
        self.epoch = int(epoch)

    def state_dict(self):
        """The seed and the epoch the next iteration will use."""
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state):
        """Restore what state_dict() returned."""
        self.seed, self.epoch = int(state["seed"]), int(state["epoch"])

    def _next_rng(self):
        rng = B.np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        return rng


class RandomSampler(_Seeded):
    """Yields a new random permutation of the indices each epoch, or random draws with replacement.

    The order of epoch e depends only on (seed, e), so a run resumed with ``load_state_dict``
    continues the same sequence of orders.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw num_samples indices with replacement instead of permuting. Default: False.
        num_samples: indices per epoch. Default: len(data_source).
        generator: a NumPy Generator or an int seed for the order (optional).
        seed: an int seed (optional). With neither, the seed is drawn from minigrad's cpu generator
            at construction, so ``minigrad.manual_seed`` makes the order reproducible.

    Example:
        >>> sampler = minigrad.data.RandomSampler(range(5), seed=0)
        >>> sorted(sampler), len(sampler)
        ([0, 1, 2, 3, 4], 5)
    """

    def __init__(self, data_source: Any, replacement: bool = False, num_samples: Optional[int] = None,
                 generator: Any = None, seed: Optional[int] = None) -> None:
        _check_bool("replacement", replacement, TypeError)
        if num_samples is not None:
            _check_num_samples(num_samples)
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self._init_seed(seed, generator)

    @property
    def num_samples(self) -> int:
        """How many indices one epoch yields."""
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[Any]:
        n, rng = len(self.data_source), self._next_rng()
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        reps = -(-self.num_samples // n) if n else 0
        idx = [i for _ in range(reps) for i in rng.permutation(n).tolist()]
        return iter(idx[:self.num_samples])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(_Seeded):
    """Yields the given indices in a new random order each epoch.

    Args:
        indices: the indices to sample from.
        generator: a NumPy Generator or an int seed for the order (optional).
        seed: an int seed (optional). With neither, the seed is drawn from minigrad's cpu generator
            at construction, so ``minigrad.manual_seed`` makes the order reproducible.

    Example:
        >>> sorted(minigrad.data.SubsetRandomSampler([3, 7, 9], seed=0))
        [3, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None, seed: Optional[int] = None) -> None:
        self.indices = indices
        self._init_seed(seed, generator)

    def __iter__(self) -> Iterator[Any]:
        perm = self._next_rng().permutation(len(self.indices)).tolist()
        return iter([self.indices[i] for i in perm])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_Seeded):
    """Draws num_samples indices, index i with probability `weights[i] / Σ_j weights[j]`.

    Args:
        weights: a 1-D sequence (or Tensor) of non-negative weights, not all zero.
        num_samples: indices per epoch.
        replacement: draw with replacement (default); without it, num_samples <= len(weights).
        generator: a NumPy Generator or an int seed for the order (optional).
        seed: an int seed (optional). With neither, the seed is drawn from minigrad's cpu generator
            at construction, so ``minigrad.manual_seed`` makes the order reproducible.

    Example:
        >>> draws = list(minigrad.data.WeightedRandomSampler([0.0, 1.0, 3.0], 100, seed=0))
        >>> 0 in draws, len(draws)
        (False, 100)
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None, seed: Optional[int] = None) -> None:
        _check_num_samples(num_samples)
        _check_bool("replacement", replacement)
        w = B.np.asarray(B.to_numpy(weights.array) if isinstance(weights, Tensor) else weights,
                         dtype=B.np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1-D sequence, got shape {w.shape}")
        if not (B.np.all(B.np.isfinite(w)) and B.np.all(w >= 0) and w.sum() > 0):
            bad = w[~(B.np.isfinite(w) & (w >= 0))]
            raise ArgumentError("weights must be finite, non-negative and not all zero, got "
                                + (f"{bad[0]}" if bad.size else "all zeros"))
        if not replacement and num_samples > B.np.count_nonzero(w):
            raise ArgumentError(f"cannot draw {num_samples} samples without replacement from "
                             f"{B.np.count_nonzero(w)} non-zero weights")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self._init_seed(seed, generator)

    def __iter__(self) -> Iterator[Any]:
        rng, p = self._next_rng(), self.weights / self.weights.sum()
        return iter(rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of another sampler into lists of batch_size.

    Args:
        sampler: any iterable of indices (a Sampler, a range, ...).
        batch_size: indices per batch, > 0.
        drop_last: drop the last batch if it is short. Default: False.

    Example:
        >>> list(minigrad.data.BatchSampler(range(7), 3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6]]
        >>> list(minigrad.data.BatchSampler(range(7), 3, drop_last=True))
        [[0, 1, 2], [3, 4, 5]]
    """

    sampler: Any
    batch_size: int
    drop_last: bool

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool = False) -> None:
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        _check_bool("drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def set_epoch(self, epoch: Optional[int]) -> None:
        """Forward the epoch to the wrapped sampler."""
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[Any]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


class BucketBatchSampler(_Seeded):
    """Batches of indices whose `lengths` are similar, for padding-efficient text batches.

    With shuffle=True each epoch shuffles the indices, cuts them into buckets of
    ``batch_size * bucket_size_multiplier``, sorts each bucket by length, cuts it into batches and
    shuffles the batch order; only the very last batch can be short. With shuffle=False all indices
    are sorted by length (stable) and batched in order, which gives the least padding (evaluation).
    Pass it to `DataLoader` as ``batch_sampler``.

    Args:
        lengths: the length of every sample (e.g. its token count).
        batch_size: indices per batch, > 0.
        shuffle: shuffle as described above (training) or sort everything (evaluation). Default: True.
        drop_last: drop the short last batch. Default: False.
        bucket_size_multiplier: batches per bucket. Default: 100.
        seed: an int seed (optional).
        generator: a NumPy Generator or an int seed (optional).

    Example:
        >>> lengths = [5, 1, 4, 2, 3, 6]
        >>> list(minigrad.data.BucketBatchSampler(lengths, batch_size=2, shuffle=False))
        [[1, 3], [4, 2], [0, 5]]
    """

    lengths: Any
    batch_size: int
    shuffle: bool
    drop_last: bool
    bucket_size: int

    def __init__(self, lengths: Sequence[int], batch_size: int, shuffle: bool = True,
                 drop_last: bool = False, bucket_size_multiplier: int = 100, seed: Optional[int] = None,
                 generator: Any = None) -> None:
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        _check_bool("drop_last", drop_last)
        if not isinstance(bucket_size_multiplier, numbers.Integral) or bucket_size_multiplier <= 0:
            raise ValueError(f"bucket_size_multiplier must be a positive integer, "
                             f"got {bucket_size_multiplier!r}")
        self.lengths = B.np.asarray([int(x) for x in lengths], dtype=B.np.int64)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.bucket_size = self.batch_size * int(bucket_size_multiplier)
        self._init_seed(seed, generator)

    def _batches(self):
        np, n = B.np, len(self.lengths)
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
            return [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)], None
        rng = self._next_rng()
        perm = rng.permutation(n)
        batches = []
        for start in range(0, n, self.bucket_size):
            bucket = perm[start:start + self.bucket_size]
            bucket = bucket[np.argsort(self.lengths[bucket], kind="stable")]
            batches += [bucket[i:i + self.batch_size] for i in range(0, len(bucket), self.batch_size)]
        return batches, rng

    def __iter__(self) -> Iterator[Any]:
        batches, rng = self._batches()
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        order = rng.permutation(len(batches)) if rng is not None else range(len(batches))
        for k in order:
            yield batches[k].tolist()

    def __len__(self) -> int:
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
