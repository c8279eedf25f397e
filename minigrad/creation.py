"""Tensor factories: zeros, ones, full, arange, linspace, eye, random tensors and their *_like forms."""
import math

from . import backend as B
from .errors import ArgumentError
from .tensor import Tensor, size_arg as _size_arg
from .random import backend_generator

__all__ = ["zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand", "randn", "randint",
           "randperm", "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "randint_like", "normal"]


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
    """A tensor of zeros of the given shape."""
    return _finish(B.xp_for(device).zeros(_size_arg(size, "zeros"), dtype=_float_dtype(dtype).np), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones of the given shape."""
    return _finish(B.xp_for(device).ones(_size_arg(size, "ones"), dtype=_float_dtype(dtype).np), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor (minigrad fills it with zeros, so it is reproducible)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with `fill_value` (dtype inferred from it like PyTorch)."""
    if dtype is None:
        dtype = (B.bool_ if isinstance(fill_value, bool) else B.int64 if isinstance(fill_value, int)
                 else B.default_float())
    size = _size_arg((size,), "full")
    return _finish(B.xp_for(device).full(size, fill_value, dtype=B.to_dtype(dtype).np), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from start (inclusive) to end (exclusive) in steps; ints give int64."""
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
    """`steps` evenly spaced values from start to end, both included."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    arr = B.xp_for(device).linspace(start, end, int(steps), dtype=_float_dtype(dtype).np)
    return _finish(arr, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix of shape (n, m or n)."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be greater or equal to 0, got n={n}, m={m}")
    return _finish(B.xp_for(device).eye(n, m, dtype=_float_dtype(dtype).np), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from U[0, 1) (drawn from `generator`, a minigrad.Generator, when given)."""
    dt = _float_dtype(dtype, "rand")
    gen = backend_generator(generator, device)
    return _finish(B.random_uniform(_size_arg(size, "rand"), dt.np, device, gen=gen), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from the standard normal distribution (from `generator` when given)."""
    dt = _float_dtype(dtype, "randn")
    gen = backend_generator(generator, device)
    return _finish(B.random_normal(_size_arg(size, "randn"), dt.np, device, gen=gen), requires_grad)


def normal(mean, std, size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from N(mean, std^2) of the given size."""
    dt = _float_dtype(dtype)
    gen = backend_generator(generator, device)
    return _finish(B.random_normal(_size_arg((size,), "random"), dt.np, device, mean, std, gen=gen),
                   requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) (int64)."""
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
    """A random permutation of 0..n-1 (int64), from `generator` when given."""
    gen = backend_generator(generator, device)
    return _finish(B.random_permutation(n, device, gen=gen).astype(B.to_dtype(dtype or B.int64).np),
                   False)


def _like(t, dtype, device):
    return (B.to_dtype(dtype) if dtype is not None else t.dtype), (device if device is not None else t.device)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    """Zeros with t's shape, dtype and device."""
    dt, dev = _like(t, dtype, device)
    return _finish(B.xp_for(dev).zeros(t.shape, dtype=dt.np), requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    """Ones with t's shape, dtype and device."""
    dt, dev = _like(t, dtype, device)
    return _finish(B.xp_for(dev).ones(t.shape, dtype=dt.np), requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    """An uninitialised (zero-filled) tensor like t."""
    return zeros_like(t, dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    """`fill_value` everywhere, with t's shape, dtype and device."""
    dt, dev = _like(t, dtype, device)
    return _finish(B.xp_for(dev).full(t.shape, fill_value, dtype=dt.np), requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad=False):
    """U[0, 1) samples with t's shape, dtype and device."""
    dt, dev = _like(t, dtype, device)
    return _finish(B.random_uniform(t.shape, dt.np, dev), requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False):
    """Standard normal samples with t's shape, dtype and device."""
    dt, dev = _like(t, dtype, device)
    return _finish(B.random_normal(t.shape, dt.np, dev), requires_grad)


def randint_like(t, low, high=None, dtype=None, device=None):
    """Random integers in [low, high) with t's shape."""
    dt, dev = _like(t, dtype, device)
    return randint(low, high, t.shape, dtype=dt, device=dev)
