"""Map-style datasets: Dataset, TensorDataset, Subset, ConcatDataset and random_split."""
from __future__ import annotations

from typing import Any, Iterable, List, Optional, Sequence, Union
import bisect
import math
import numbers

from .. import backend as B
from ..random import Generator

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "make_rng"]


def make_rng(seed: Optional[int] = None, generator: Any = None) -> Any:
    """A NumPy Generator: from `generator` (Generator or int), else `seed`, else minigrad's cpu RNG.

    Without a seed or generator the new generator is seeded from ``minigrad.backend.rng('cpu')``, so
    ``minigrad.manual_seed`` makes the result reproducible.
    """
    if generator is not None and seed is not None:
        raise ValueError("give either seed or generator, not both")
    if isinstance(generator, numbers.Integral):
        seed, generator = int(generator), None
    if isinstance(generator, Generator):  # draws advance it, as in PyTorch
        if generator.device.type != "cpu":
            raise RuntimeError(f"Expected a 'cpu' device type for generator but found "
                               f"'{generator.device.type}'")
        return generator._backend
    if generator is not None:
        if not isinstance(generator, B.np.random.Generator):
            raise TypeError(f"generator must be a minigrad.Generator, a numpy.random.Generator or "
                            f"an int seed, "
                            f"got {type(generator).__name__}")
        return generator
    if seed is None:
        seed = int(B.rng("cpu").integers(0, 2 ** 63 - 1))
    return B.np.random.default_rng(int(seed))


class Dataset:
    """Base class of map-style datasets: a subclass implements ``__getitem__(index)`` and ``__len__()``.

    ``a + b`` concatenates two datasets (a `ConcatDataset`).

    Example:
        >>> class Squares(minigrad.data.Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i, i * i
        >>> Squares()[3], len(Squares() + Squares())
        ((3, 9), 8)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """A dataset whose sample i is the tuple of row i of each given tensor.

    Args:
        *tensors: Tensors (or arrays) with the same size N of their first dim.

    Shape:
        - tensors: `(N, *)` each, trailing dims free.
        - sample: a tuple with one `(*)` row per tensor.

    Example:
        >>> ds = minigrad.data.TensorDataset(minigrad.arange(6).reshape(3, 2), minigrad.tensor([0, 1, 0]))
        >>> ds[1], len(ds)
        ((tensor([2, 3]), tensor(1)), 3)
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0]
        for i, t in enumerate(tensors):
            if t.shape[0] != n:
                raise ValueError(f"TensorDataset: size mismatch, tensor 0 has {n} rows but tensor "
                                 f"{i} has {t.shape[0]}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> Any:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """A view of a dataset restricted to the given indices: ``Subset(ds, idx)[i] == ds[idx[i]]``.

    Args:
        dataset: any map-style dataset.
        indices: the positions in dataset, in the order the subset presents them.

    Example:
        >>> sub = minigrad.data.Subset(["a", "b", "c", "d"], [3, 0])
        >>> sub[0], len(sub)
        ('d', 2)
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, slice):
            return [self.dataset[self.indices[i]] for i in range(*index.indices(len(self)))]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another: indices 0..len(d0)-1 reach d0, the next ones d1, ...

    Args:
        datasets: a non-empty iterable of map-style datasets.

    Example:
        >>> ds = minigrad.data.ConcatDataset([["a", "b"], ["c"]])
        >>> len(ds), ds[2], ds[-1]
        (3, 'c', 'c')
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        i = index + len(self) if index < 0 else index
        if not 0 <= i < len(self):
            raise IndexError(f"index {index} out of range for ConcatDataset of length {len(self)}")
        k = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][i - start]


def _split_lengths(lengths, n):
    lengths = list(lengths)
    if all(isinstance(x, numbers.Integral) for x in lengths):
        if any(x < 0 for x in lengths):  # PyTorch accepts these and returns overlapping subsets
            raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
        if sum(lengths) != n:
            raise ValueError(f"random_split: lengths sum to {sum(lengths)}, dataset has {n} items")
        return [int(x) for x in lengths]
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6) or any(x < 0 for x in lengths):
        raise ValueError("random_split: fractions must be non-negative and sum to 1")
    sizes = [int(math.floor(n * f)) for f in lengths]
    for i in range(n - sum(sizes)):  # hand the remainder out round-robin, like PyTorch
        sizes[i % len(sizes)] += 1
    return sizes


def random_split(dataset: Any, lengths: Sequence[Union[int, float]], generator: Any = None,
                 seed: Optional[int] = None) -> List[Subset]:
    """Splits a dataset into non-overlapping random `Subset`s of the given lengths.

    Args:
        dataset: any map-style dataset.
        lengths: item counts summing to len(dataset), or fractions summing to 1 (the remainder of
            the rounding is handed out one by one from the first subset, as in PyTorch).
        generator: a NumPy Generator or an int seed for the order (optional).
        seed: an int seed (optional). With neither, the seed is drawn from minigrad's cpu generator
            at construction, so ``minigrad.manual_seed`` makes the order reproducible.

    Returns:
        A list of Subsets, one per length.

    Example:
        >>> train, val = minigrad.data.random_split(range(10), [0.8, 0.2], seed=0)
        >>> len(train), len(val), sorted(list(train) + list(val)) == list(range(10))
        (8, 2, True)
    """
    sizes = _split_lengths(lengths, len(dataset))
    perm = make_rng(seed, generator).permutation(len(dataset)).tolist()
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
