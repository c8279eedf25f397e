"""DataLoader: iterate over a dataset in (shuffled) batches, collated into tensors."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Sequence
import collections.abc
import numbers

from .. import backend as B
from ..ops import stack
from ..tensor import Tensor, tensor
from .dataset_types import make_rng
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .worker import WorkerPool, default_context

__all__ = ["DataLoader", "default_collate", "default_convert"]


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _is_numeric_numpy(x):
    return isinstance(x, (B.np.ndarray, B.np.generic)) and x.dtype.kind not in "USO"


def _mapping_like(elem, items):
    """`items` (a dict) as the mapping type of `elem` where it can be built from a dict, like PyTorch."""
    if type(elem) is not dict:
        try:
            return type(elem)(items)
        except TypeError:
            pass
    return items


def default_convert(data: Any) -> Any:
    """Turn the NumPy arrays and scalars in one sample into tensors (what batch_size=None applies).

    Like PyTorch: Python numbers and strings are kept, containers are walked and tuples give lists.

    Args:
        data: one sample (an array, a number, or a container of them).

    Example:
        >>> import numpy as np
        >>> minigrad.data.default_convert({"x": np.array([1, 2]), "y": 3})
        {'x': tensor([1, 2]), 'y': 3}
    """
    if _is_numeric_numpy(data):
        return tensor(data, device=B.default_device())
    if isinstance(data, collections.abc.Mapping):
        return _mapping_like(data, {k: default_convert(v) for k, v in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    return data


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, like PyTorch's default_collate.

    Tensors are stacked; numbers become int64 / float64 / bool tensors (ints followed by a float give
    the default float dtype, as in PyTorch); NumPy arrays and scalars are stacked into a tensor of
    their dtype (on the default device); strings stay a list; mappings, namedtuples and sequences
    are collated field by field (tuples and lists give lists).

    Args:
        batch: a list of B samples of the same structure.

    Shape:
        B tensors of shape `(*)` stack to `(B, *)`; B numbers give `(B)`.

    Example:
        >>> batch = [(minigrad.tensor([1.0, 2.0]), 0), (minigrad.tensor([3.0, 4.0]), 1)]
        >>> minigrad.data.default_collate(batch)
        [tensor([[1., 2.],
                [3., 4.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, (B.np.ndarray, B.np.generic)) and not isinstance(elem, (B.np.str_, B.np.bytes_)):
        if elem.dtype.kind in "USO":
            raise TypeError(f"default_collate: cannot batch NumPy arrays of dtype {elem.dtype}")
        arrays = [B.np.asarray(b) for b in batch]
        for i, a in enumerate(arrays):
            if a.shape != arrays[0].shape:
                raise RuntimeError(f"default_collate: expects each array to be equal size, but got "
                                   f"{arrays[0].shape} at entry 0 and {a.shape} at entry {i}")
        return tensor(B.np.stack(arrays), device=B.default_device())
    if isinstance(elem, numbers.Integral):  # bools and ints; a float later in the batch gives floats
        return tensor(batch, device=B.default_device())
    if isinstance(elem, float):
        return tensor(batch, dtype=B.float64, device=B.default_device())
    if isinstance(elem, (str, bytes)) or elem is None:
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return _mapping_like(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal size "
                               "(use a padding collate_fn such as minigrad.data.collate_text for text)")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch elements of type {type(elem).__name__}")


class DataLoader:
    """Iterate over `dataset` in batches: DataLoader(dataset, batch_size=1, shuffle=False, ...).

    shuffle=True uses a RandomSampler seeded by `seed` / `generator` (a numpy Generator or an int),
    else by minigrad's cpu generator at construction (so ``minigrad.manual_seed`` makes it
    reproducible); every pass over the loader is a new epoch with a new order. `batch_sampler`
    yields whole lists of indices (e.g. BucketBatchSampler) and excludes batch_size, shuffle,
    sampler and drop_last. batch_size=None yields single samples, with NumPy arrays made tensors
    (default_convert) unless a collate_fn is given.

    num_workers > 0 loads batches in that many worker processes (see minigrad.data.worker), with
    PyTorch's semantics: the same batches in the same order as num_workers=0, ``prefetch_factor``
    batches in flight per worker (default 2), worker ``i`` seeded with ``base_seed + i`` and running
    ``worker_init_fn(i)``, ``persistent_workers=True`` keeping the workers between epochs, ``timeout``
    seconds (0: forever) to wait for a batch, and an exception in a worker re-raised here naming the
    worker and the index. The dataset and collate_fn must be picklable where the start method is
    spawn (``multiprocessing_context``; the default is the platform's, spawn once CuPy is in use).
    pin_memory is accepted for PyTorch compatibility.

    Args:
        dataset: a map-style dataset (anything with ``__getitem__`` and ``__len__``).
        batch_size: samples per batch; None yields single samples. Default: 1.
        shuffle: a new random order every epoch. Default: False.
        sampler: an iterable of indices to use instead of the default order.
        batch_sampler: an iterable of index lists (one per batch).
        num_workers: worker processes loading batches; 0 (default) loads in this process.
        collate_fn: merges a list of samples into a batch. Default: `default_collate`.
        pin_memory: accepted for compatibility.
        drop_last: drop the short last batch. Default: False.
        timeout: seconds to wait for a worker's batch; 0 (default) waits forever.
        worker_init_fn: called as worker_init_fn(worker_id) in each worker (optional).
        multiprocessing_context: the start method or context for the workers (optional).
        generator: a NumPy Generator or an int seed for shuffling.
        prefetch_factor: batches in flight per worker (default 2 when num_workers > 0).
        persistent_workers: keep the workers alive between epochs. Default: False.
        seed: an int seed for shuffling.

    Example:
        >>> ds = minigrad.data.TensorDataset(minigrad.arange(6).reshape(3, 2), minigrad.tensor([0, 1, 0]))
        >>> for x, y in minigrad.data.DataLoader(ds, batch_size=2):
        ...     print(x.shape, y.tolist())
        (2, 2) [0, 1]
        (1, 2) [0]
    """

    dataset: Any
    sampler: Any
    batch_sampler: Any
    collate_fn: Callable[[Any], Any]
    num_workers: int
    persistent_workers: bool
    generator: Any
    _pool: Optional[WorkerPool]

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, sampler: Any = None,
                 batch_sampler: Any = None, num_workers: int = 0, collate_fn: Any = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Any = None, multiprocessing_context: Any = None,
                 generator: Any = None, *, prefetch_factor: Optional[int] = None,
                 persistent_workers: bool = False, seed: Optional[int] = None) -> None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError(f"num_workers must be a non-negative integer, got {num_workers!r}")
        if not isinstance(timeout, numbers.Real) or timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got {timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing. "
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if prefetch_factor is not None and (isinstance(prefetch_factor, bool) or not isinstance(
                prefetch_factor, numbers.Integral) or prefetch_factor < 1):
            raise ValueError(f"prefetch_factor must be a positive integer, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"worker_init_fn must be callable, got {type(worker_init_fn).__name__}")
        if isinstance(multiprocessing_context, str):
            import multiprocessing
            multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler is mutually exclusive with batch_size, shuffle, "
                                 "sampler and drop_last")
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None (no batching) is mutually exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("sampler is mutually exclusive with shuffle")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator, seed=seed) if shuffle
                       else SequentialSampler(dataset))
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.num_workers, self.pin_memory = num_workers, pin_memory
        self.timeout, self.worker_init_fn = timeout, worker_init_fn
        self.prefetch_factor = (2 if prefetch_factor is None else prefetch_factor) if num_workers else None
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context or (default_context() if num_workers
                                                                   else None)
        self.generator = generator
        self._pool = None  # the persistent workers, started by the first pass
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)

    def set_epoch(self, epoch: Optional[int]) -> None:
        """Make the next pass produce the order of epoch `epoch` (for resuming a run)."""
        target = self.batch_sampler if self.batch_sampler is not None else self.sampler
        if hasattr(target, "set_epoch"):
            target.set_epoch(epoch)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers:
            return self._iter_workers()
        return self._iter_here()

    def _iter_workers(self) -> Iterator[Any]:
        pool = self._pool
        if pool is None or not pool.alive:
            # like PyTorch: one base seed per pool, drawn from the loader's generator (else minigrad's)
            generator = self.generator if isinstance(self.generator, B.np.random.Generator) else None
            base_seed = int(make_rng(None, generator).integers(0, 2 ** 62))
            pool = WorkerPool(self, base_seed)
            if self.persistent_workers:
                self._pool = pool
        tasks = self.sampler if self.batch_sampler is None else self.batch_sampler
        try:
            yield from pool.run(tasks)
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def _iter_here(self) -> Iterator[Any]:
        if self.batch_sampler is None:
            for idx in self.sampler:
                yield self.collate_fn(self.dataset[idx])
            return
        for indices in self.batch_sampler:
            yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
