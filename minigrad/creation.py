"""Tensor factories: zeros, ones, full, arange, linspace, eye, random tensors and their *_like forms."""
import math

from . import backend as B
from .errors import ArgumentError
from .tensor import Tensor, shape_arg
from .random import backend_generator

__all__ = ["zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand", "randn", "randint",
           "randperm", "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "randint_like", "normal"]


def _size_arg(size, op):
    """A shape for a new tensor: ints >= 0 (PyTorch's error for a negative one)."""
    shape = shape_arg(size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _finish(arr, requires_grad):
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _float_dtype(dtype, op=None):
    dt = B.to_dtype(dtype) if dtype is not None else B.default_float()
    if op is not None and not dt.is_floating_point:
        raise TypeError(f"{op}: expected a floating point dtype, got {dt}")
    return dt


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of the given shape filled with 0.

    Args:
        *size: the shape, as ints or one tuple/list.
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `size`.

    Example:
        >>> minigrad.zeros(2, 3)
        tensor([[0., 0., 0.],
                [0., 0., 0.]])
        >>> minigrad.zeros((2,), dtype=minigrad.int64)
        tensor([0, 0])
    """
    return _finish(B.xp_for(device).zeros(_size_arg(size, "zeros"), dtype=_float_dtype(dtype).np), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of the given shape filled with 1.

    Args:
        *size: the shape, as ints or one tuple/list.
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `size`.

    Example:
        >>> minigrad.ones(2)
        tensor([1., 1.])
    """
    return _finish(B.xp_for(device).ones(_size_arg(size, "ones"), dtype=_float_dtype(dtype).np), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of the given shape (minigrad fills it with zeros, so it is reproducible).

    Args:
        *size: the shape, as ints or one tuple/list.
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `size`.

    Example:
        >>> minigrad.empty(2, 3).shape
        (2, 3)
    """
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of the given shape filled with fill_value.

    Without a dtype it is inferred from the value as PyTorch does: bool, int64, or the default float.

    Args:
        size: the shape, a tuple or list.
        fill_value: the value.
        dtype: the dtype (None: inferred as described above).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `size`.

    Example:
        >>> minigrad.full((2, 2), 7)
        tensor([[7, 7],
                [7, 7]])
        >>> minigrad.full((3,), 0.5)
        tensor([0.5000, 0.5000, 0.5000])
    """
    if dtype is None:
        dtype = (B.bool_ if isinstance(fill_value, bool) else B.int64 if isinstance(fill_value, int)
                 else B.default_float())
    size = _size_arg((size,), "full")
    return _finish(B.xp_for(device).full(size, fill_value, dtype=B.to_dtype(dtype).np), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """The values start, start + step, ... up to but excluding end: `out_i = start + i · step`.

    ``arange(n)`` gives 0..n-1. Integer arguments give int64, any float the default float dtype.

    Args:
        start: the first value (or the end, when end is None, starting from 0).
        end: the bound, excluded.
        step: the spacing. Default: 1.
        dtype: the dtype (None: inferred as described above).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `(⌈(end - start) / step⌉)`.

    Example:
        >>> minigrad.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> minigrad.arange(1, 2, 0.25)
        tensor([1.0000, 1.2500, 1.5000, 1.7500])
    """
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise ArgumentError(f"arange: unsupported range {start} -> {end} with step {step} (every "
                            f"bound must be finite)")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    if dtype is None:
        dtype = B.int64 if all(isinstance(v, int) for v in (start, end, step)) else B.default_float()
    dt = B.to_dtype(dtype)
    arr = B.xp_for(device).arange(start, end, step, dtype=B.np.float64 if dt.is_floating_point else B.np.int64)
    return _finish(arr.astype(dt.np), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """steps evenly spaced values from start to end, both included.

    `out_i = start + i · (end - start) / (steps - 1)`.

    Args:
        start: the first value.
        end: the last value.
        steps: how many values.
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `(steps)`.

    Example:
        >>> minigrad.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    arr = B.xp_for(device).linspace(start, end, int(steps), dtype=_float_dtype(dtype).np)
    return _finish(arr, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix: `out[i, j] = 1 if i == j else 0`.

    Args:
        n: the number of rows.
        m: the number of columns (None: n).
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `(n, m)`.

    Example:
        >>> minigrad.eye(2, 3)
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be greater or equal to 0, got n={n}, m={m}")
    return _finish(B.xp_for(device).eye(n, m, dtype=_float_dtype(dtype).np), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from the uniform distribution on [0, 1).

    Drawn from ``generator`` when given, else from minigrad's generator for the device, so
    ``minigrad.manual_seed`` makes it reproducible.

    Args:
        *size: the shape, as ints or one tuple/list.
        generator: a `minigrad.Generator` to draw from (optional).
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `size`.

    Example:
        >>> x = minigrad.rand(1000)
        >>> bool((x >= 0).all()), bool((x < 1).all())
        (True, True)
    """
    dt = _float_dtype(dtype, "rand")
    gen = backend_generator(generator, device)
    return _finish(B.random_uniform(_size_arg(size, "rand"), dt.np, device, gen=gen), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from the standard normal distribution N(0, 1).

    Drawn from ``generator`` when given, else from minigrad's generator for the device, so
    ``minigrad.manual_seed`` makes it reproducible.

    Args:
        *size: the shape, as ints or one tuple/list.
        generator: a `minigrad.Generator` to draw from (optional).
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `size`.

    Example:
        >>> minigrad.randn(2, 3).shape
        (2, 3)
    """
    dt = _float_dtype(dtype, "randn")
    gen = backend_generator(generator, device)
    return _finish(B.random_normal(_size_arg(size, "randn"), dt.np, device, gen=gen), requires_grad)


def normal(mean, std, size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from N(mean, std²) of the given size.

    Drawn from ``generator`` when given, else from minigrad's generator for the device, so
    ``minigrad.manual_seed`` makes it reproducible.

    Args:
        mean: the mean (a number).
        std: the standard deviation (a number).
        size: the shape, a tuple.
        generator: a `minigrad.Generator` to draw from (optional).
        dtype: the dtype (None: the default float dtype, float32).
        device: where the tensor is made (None: the default device).
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: `size`.

    Example:
        >>> x = minigrad.normal(5.0, 0.1, (10000,))
        >>> round(x.mean().item())
        5
    """
    dt = _float_dtype(dtype)
    gen = backend_generator(generator, device)
    return _finish(B.random_normal(_size_arg((size,), "random"), dt.np, device, mean, std, gen=gen),
                   requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) (int64).

    Drawn from ``generator`` when given, else from minigrad's generator for the device, so
    ``minigrad.manual_seed`` makes it reproducible.

    Args:
        low: the lowest value (or high, when high is None, with low = 0).
        high: the bound, excluded.
        size: the shape, a tuple.
        generator: a `minigrad.Generator` to draw from (optional).
        dtype: the integer dtype. Default: int64.
        device: where the tensor is made.

    Shape:
        Output: `size`.

    Example:
        >>> x = minigrad.randint(0, 10, (100,))
        >>> int(x.min()) >= 0 and int(x.max()) < 10, x.dtype
        (True, minigrad.int64)
    """
    if high is None or (size is None and isinstance(high, (tuple, list))):
        low, high, size = 0, low, size if high is None else high  # randint(high, size)
    if size is None:
        raise TypeError("randint() missing the required argument 'size'")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    gen = backend_generator(generator, device)
    arr = B.random_integers(low, high, _size_arg((size,), "random"), device, gen=gen)
    return _finish(arr.astype(B.to_dtype(dtype or B.int64).np), False)


def randperm(n, generator=None, dtype=None, device=None):
    """A random permutation of 0, ..., n-1 (int64).

    Drawn from ``generator`` when given, else from minigrad's generator for the device, so
    ``minigrad.manual_seed`` makes it reproducible.

    Args:
        n: the number of elements.
        generator: a `minigrad.Generator` to draw from (optional).
        dtype: the integer dtype. Default: int64.
        device: where the tensor is made.

    Shape:
        Output: `(n)`.

    Example:
        >>> sorted(minigrad.randperm(5).tolist())
        [0, 1, 2, 3, 4]
    """
    gen = backend_generator(generator, device)
    return _finish(B.random_permutation(n, device, gen=gen).astype(B.to_dtype(dtype or B.int64).np),
                   False)


def _like(t, dtype, device):
    return (B.to_dtype(dtype) if dtype is not None else t.dtype), (device if device is not None else t.device)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    """Zeros with t's shape, dtype and device.

    Args:
        t: the Tensor whose shape (and, unless given, dtype and device) to copy.
        dtype: overrides t's dtype.
        device: overrides t's device.
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: t's shape.

    Example:
        >>> minigrad.zeros_like(minigrad.tensor([1, 2, 3]))
        tensor([0, 0, 0])
    """
    dt, dev = _like(t, dtype, device)
    return _finish(B.xp_for(dev).zeros(t.shape, dtype=dt.np), requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    """Ones with t's shape, dtype and device.

    Args:
        t: the Tensor whose shape (and, unless given, dtype and device) to copy.
        dtype: overrides t's dtype.
        device: overrides t's device.
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: t's shape.

    Example:
        >>> minigrad.ones_like(minigrad.tensor([[1.5, 2.5]]))
        tensor([[1., 1.]])
    """
    dt, dev = _like(t, dtype, device)
    return _finish(B.xp_for(dev).ones(t.shape, dtype=dt.np), requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    """An uninitialised (zero-filled) tensor with t's shape, dtype and device.

    Args:
        t: the Tensor whose shape (and, unless given, dtype and device) to copy.
        dtype: overrides t's dtype.
        device: overrides t's device.
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: t's shape.

    Example:
        >>> minigrad.empty_like(minigrad.zeros(2, 2)).shape
        (2, 2)
    """
    return zeros_like(t, dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    """fill_value everywhere, with t's shape, dtype and device.

    Args:
        t: the Tensor whose shape (and, unless given, dtype and device) to copy.
        fill_value: the value.
        dtype: overrides t's dtype.
        device: overrides t's device.
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: t's shape.

    Example:
        >>> minigrad.full_like(minigrad.zeros(3), 2.5)
        tensor([2.5000, 2.5000, 2.5000])
    """
    dt, dev = _like(t, dtype, device)
    return _finish(B.xp_for(dev).full(t.shape, fill_value, dtype=dt.np), requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad=False):
    """Samples from U[0, 1) with t's shape, dtype and device.

    Args:
        t: the Tensor whose shape (and, unless given, dtype and device) to copy.
        dtype: overrides t's dtype.
        device: overrides t's device.
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: t's shape.

    Example:
        >>> minigrad.rand_like(minigrad.zeros(2, 3)).shape
        (2, 3)
    """
    dt, dev = _like(t, dtype, device)
    return _finish(B.random_uniform(t.shape, dt.np, dev), requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False):
    """Samples from N(0, 1) with t's shape, dtype and device.

    Args:
        t: the Tensor whose shape (and, unless given, dtype and device) to copy.
        dtype: overrides t's dtype.
        device: overrides t's device.
        requires_grad: record operations on it for autograd. Default: False.

    Shape:
        Output: t's shape.

    Example:
        >>> minigrad.randn_like(minigrad.zeros(2, 3)).dtype
        minigrad.float32
    """
    dt, dev = _like(t, dtype, device)
    return _finish(B.random_normal(t.shape, dt.np, dev), requires_grad)


def randint_like(t, low, high=None, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) with t's shape.

    Args:
        t: the Tensor whose shape (and, unless given, dtype and device) to copy.
        low: the lowest value (or high, when high is None).
        high: the bound, excluded.
        dtype: overrides t's dtype.
        device: overrides t's device.

    Shape:
        Output: t's shape.

    Example:
        >>> minigrad.randint_like(minigrad.zeros(4), 3, 4)
        tensor([3., 3., 3., 3.])
    """
    dt, dev = _like(t, dtype, device)
    return randint(low, high, t.shape, dtype=dt, device=dev)
