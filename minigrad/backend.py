"""The one place that chooses NumPy or CuPy: devices, dtypes, random generators and array helpers.

Every other module asks this one for the array module (``xp``) instead of importing numpy or cupy.
"""
import logging
import math
import os

import numpy as np

from .errors import DeviceError

__all__ = [
    "np", "Device", "device", "get_array_module", "xp_for", "device_of", "to_device", "to_numpy",
    "set_backend", "get_backend", "default_device", "cuda_available", "BackendError",
    "dtype", "to_dtype", "default_float", "scatter_add", "erf", "rng", "manual_seed",
]


class BackendError(RuntimeError):
    """Raised when a requested backend (CuPy / CUDA) cannot be used on this machine."""


# ----------------------------------------------------------------------------------------- cupy
_cupy = None          # the cupy module once imported successfully
_cupy_error = None    # why it could not be used


def _load_cupy():
    """Import cupy and check that a GPU is visible; return the module or raise BackendError."""
    global _cupy, _cupy_error
    if _cupy is not None:
        return _cupy
    if _cupy_error is None:
        try:
            import cupy  # noqa: the only cupy import in minigrad
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("no CUDA device is visible")
            _cupy = cupy
            return cupy
        except Exception as exc:  # ImportError, CUDA driver errors, ...
            _cupy_error = f"{type(exc).__name__}: {exc}"
            logging.getLogger(__name__).info("the cupy backend is not available: %s", _cupy_error)
    raise BackendError(
        "the cupy backend is not available (" + _cupy_error + "). Install it with "
        "`pip install -e \".[cuda]\"` from a minigrad checkout (CuPy for CUDA 12.x; minigrad is installed "
        "from source) on a machine with an NVIDIA GPU, "
        "or use MINIGRAD_BACKEND=numpy.")


def cuda_available():
    """True when CuPy imports and at least one CUDA device is visible."""
    try:
        _load_cupy()
        return True
    except BackendError:
        return False


# -------------------------------------------------------------------------------------- devices
class Device:
    """A device: 'cpu' (NumPy arrays) or 'cuda' (CuPy arrays); also available as ``minigrad.device``.

    Args:
        type: 'cpu', 'cuda', 'cuda:<index>', or another Device.
        index: the GPU index for 'cuda' (optional; ignored for 'cpu').

    Example:
        >>> minigrad.device("cpu")
        device(type='cpu')
        >>> d = minigrad.device("cuda:1")
        >>> d.type, d.index, d == "cuda:1"
        ('cuda', 1, True)
    """
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, Device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            type, idx = type.split(":", 1)
            if not idx.isdigit():
                raise DeviceError(f"invalid device index {idx!r} in {type + ':' + idx!r}: expected "
                                  f"a non-negative integer, e.g. 'cuda:0'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise DeviceError(f"unknown device {type!r}: expected 'cpu' or 'cuda'")
        self.type = type
        self.index = index if type == "cuda" else None

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except ValueError:
                return False
        return isinstance(other, Device) and self.type == other.type and (
            self.index is None or other.index is None or self.index == other.index)

    def __hash__(self):
        return hash(self.type)

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"


device = Device
CPU = Device("cpu")
CUDA = Device("cuda")


def _device_from_env():
    name = os.environ.get("MINIGRAD_BACKEND", "numpy").strip().lower()
    if name in ("", "numpy", "cpu"):
        return CPU
    if name in ("cupy", "cuda", "gpu"):
        _load_cupy()
        return CUDA
    raise BackendError(f"MINIGRAD_BACKEND={name!r} is not a backend: use 'numpy' or 'cupy'")


_default_device = _device_from_env()


def default_device():
    """The device new tensors are created on ('cpu' for numpy, 'cuda' for cupy)."""
    return _default_device


def set_backend(name):
    """Chooses the default backend for new tensors: 'numpy' (cpu) or 'cupy' (cuda).

    The environment variable MINIGRAD_BACKEND sets the same at import time.

    Args:
        name: 'numpy' (or 'cpu') or 'cupy' (or 'cuda'; needs CuPy and a GPU).

    Example:
        >>> minigrad.set_backend("numpy"); minigrad.get_backend()
        'numpy'
    """
    global _default_device
    name = str(name).lower()
    if name in ("numpy", "cpu"):
        _default_device = CPU
    elif name in ("cupy", "cuda", "gpu"):
        _load_cupy()
        _default_device = CUDA
    else:
        raise BackendError(f"unknown backend {name!r}: use 'numpy' or 'cupy'")


def set_default_device(device):
    """Make `device` the place where new tensors are created (as torch.set_default_device).

    Args:
        device: 'cpu', 'cuda' (needs CuPy) or a Device; None restores 'cpu'.

    Example:
        >>> minigrad.set_default_device("cpu"); minigrad.zeros(2).device
        device(type='cpu')
    """
    global _default_device
    dev = CPU if device is None else as_device(device)
    if dev.type == "cuda":
        _load_cupy()
    _default_device = dev


def get_default_device():
    """The device new tensors are created on (see set_default_device).

    Example:
        >>> minigrad.get_default_device()
        device(type='cpu')
    """
    return _default_device


def get_backend():
    """The name of the default backend: 'numpy' or 'cupy'.

    Example:
        >>> minigrad.get_backend()
        'numpy'
    """
    return "cupy" if _default_device.type == "cuda" else "numpy"


def as_device(dev):
    """Normalise None / str / Device to a Device (None means the default device)."""
    if dev is None:
        return _default_device
    if isinstance(dev, Device):
        return dev
    if isinstance(dev, str):
        return Device(dev)
    raise TypeError(f"expected a device such as 'cpu' or 'cuda', got {type(dev).__name__}")


def xp_for(dev):
    """The array module (numpy or cupy) that holds arrays on `dev`."""
    if as_device(dev).type == "cuda":
        return _load_cupy()
    return np


def get_array_module(arr):
    """The array module (numpy or cupy) of an array."""
    if _cupy is not None and not isinstance(arr, np.ndarray) and isinstance(arr, _cupy.ndarray):
        return _cupy
    return np


def is_array(x):
    """True for a numpy or cupy ndarray."""
    return isinstance(x, np.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray))


def device_of(arr):
    """The Device an array lives on."""
    if _cupy is not None and not isinstance(arr, np.ndarray) and isinstance(arr, _cupy.ndarray):
        return CUDA
    return CPU


def to_device(arr, dev):
    """Return `arr` on device `dev` (no copy if it is already there)."""
    dev = as_device(dev)
    if dev.type == "cuda":
        cp = _load_cupy()
        return arr if isinstance(arr, cp.ndarray) else cp.asarray(arr)
    return to_numpy(arr)


def to_numpy(arr):
    """Return `arr` as a NumPy array (copied from the GPU if needed)."""
    if isinstance(arr, np.ndarray):
        return arr
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return _cupy.asnumpy(arr)
    return np.asarray(arr)


def shares_memory(a, b):
    """True when two arrays may overlap in memory (a cheap bounds check)."""
    return bool(get_array_module(a).may_share_memory(a, b))


def cupy_loaded():
    """True once CuPy has been imported (so arrays may live on two devices)."""
    return _cupy is not None


# --------------------------------------------------------------------------------------- dtypes
class dtype:
    """A tensor element type, printed as ``minigrad.float32`` and backed by a NumPy dtype.

    The instances are module attributes: float16/half, float32/float, float64/double, int8,
    int16/short, int32/int, int64/long, uint8 and bool.

    Attributes:
        name: e.g. 'float32'.
        np: the NumPy dtype.
        is_floating_point: True for the float dtypes.
        is_signed: True for the signed types.
        itemsize: bytes per element.

    Example:
        >>> minigrad.float32, minigrad.float32.is_floating_point, minigrad.int64.itemsize
        (minigrad.float32, True, 8)
        >>> minigrad.tensor([1, 2]).to(minigrad.float64).dtype
        minigrad.float64
    """
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"minigrad.{self.name}"

    def __reduce__(self):
        return (to_dtype, (self.name,))

    def __eq__(self, other):
        if isinstance(other, dtype):
            return self.np == other.np
        try:
            return self.np == to_dtype(other).np
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.np)


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool_ = dtype("bool", np.bool_)
DTYPES = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_BY_NP = {d.np: d for d in DTYPES}
_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
            "short": int16, "bool": bool_}
_default_float = float32


def default_float():
    """The default floating dtype (float32)."""
    return _default_float


def set_default_dtype(d):
    """Make the floating dtype `d` the default for new float tensors (as torch.set_default_dtype).

    It applies to factories without a dtype (zeros, randn, ...), to tensors made from Python
    floats, and to the parameters of layers created afterwards.

    Args:
        d: a floating minigrad dtype (float16, float32, float64); others raise TypeError.

    Example:
        >>> minigrad.set_default_dtype(minigrad.float64); minigrad.tensor([1.5]).dtype
        minigrad.float64
        >>> minigrad.set_default_dtype(minigrad.float32)  # back to the default
    """
    global _default_float
    if not isinstance(d, dtype):
        raise TypeError(f"set_default_dtype: expected a minigrad dtype such as minigrad.float64, "
                        f"got {d!r}")
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def to_dtype(x):
    """Convert a minigrad dtype, NumPy dtype, string or Python type to a minigrad dtype."""
    if isinstance(x, dtype):
        return x
    if isinstance(x, type) and isinstance(getattr(x, "dtype", None), dtype):
        return x.dtype  # a legacy typed class such as minigrad.LongTensor
    if x is float:
        return _default_float
    if x is int:
        return int64
    if x is bool:
        return bool_
    if isinstance(x, str) and x in _ALIASES:
        return _ALIASES[x]
    try:
        d = np.dtype(x)
    except TypeError:
        d = None
    if d is not None and not d.isnative:  # e.g. big-endian '>i4' read from a file: same values
        d = d.newbyteorder("=")
    if d is not None and d in _BY_NP:
        return _BY_NP[d]
    raise TypeError(f"unsupported dtype {x!r}: expected one of "
                    + ", ".join(f"minigrad.{d.name}" for d in DTYPES))


def dtype_of(arr):
    """The minigrad dtype of a backend array."""
    try:
        return _BY_NP[arr.dtype]
    except KeyError:
        raise TypeError(f"arrays of dtype {arr.dtype} are not supported") from None


# ------------------------------------------------------------------------------ array helpers
def scatter_add(target, index, values):
    """target[index] += values, accumulating repeated indices (in place)."""
    if get_array_module(target) is np:
        np.add.at(target, index, values)
    else:
        import cupyx  # noqa: part of cupy
        cupyx.scatter_add(target, index, values)
    return target


_erf_coefs = None


def _erf_coefficients():
    """Polynomial coefficients for erf, from Chebyshev interpolation of math.erf / math.erfc.

    erf(x) = x * P(2 (x/3)^2 - 1) for |x| <= 3, and 1 - exp(-x^2) Q(6/x - 1) / x for x > 3; both
    degree-20 fits agree with math.erf to a few units in the last place of float64.
    """
    global _erf_coefs
    if _erf_coefs is None:
        from numpy.polynomial import chebyshev as cheb

        def inner(u):  # erf(x) / x
            x = 3 * np.sqrt((u + 1) / 2)
            return np.array([math.erf(v) / v if v > 0 else 2 / math.sqrt(math.pi) for v in x])

        def outer(u):  # erfc(x) exp(x^2) x, by its asymptotic series where exp(x^2) overflows
            x = 6 / (u + 1)
            return np.array([math.erfc(v) * math.exp(v * v) * v if v < 20 else _erfc_asymptotic(v)
                             for v in x])

        _erf_coefs = (cheb.cheb2poly(cheb.chebinterpolate(inner, 20)),
                      cheb.cheb2poly(cheb.chebinterpolate(outer, 20)))
    return _erf_coefs


def _erfc_asymptotic(x):
    """erfc(x) exp(x^2) x for large x: (1 - 1/(2x^2) + 3/(2x^2)^2 - ...) / sqrt(pi)."""
    total, term = 0.0, 1.0
    for n in range(10):
        total += term
        term *= -(2 * n + 1) / (2 * x * x)
    return total / math.sqrt(math.pi)


def _horner(coefs, u):
    p = np.full_like(u, coefs[-1])
    for c in coefs[-2::-1]:
        p *= u
        p += c
    return p


def erf(x):
    """The error function, elementwise, to float64 accuracy on either backend."""
    xp = get_array_module(x)
    if xp is not np:
        from cupyx.scipy.special import erf as cu_erf
        return cu_erf(x)
    inner_c, outer_c = _erf_coefficients()
    x64 = np.asarray(x, dtype=np.float64).reshape(-1)
    ax = np.abs(x64)
    inner = ax <= 3
    if inner.all():
        out = x64 * _horner(inner_c, (2 / 9) * x64 * x64 - 1)
    else:
        out = np.empty_like(x64)
        xi = x64[inner]
        out[inner] = xi * _horner(inner_c, (2 / 9) * xi * xi - 1)
        xo = ax[~inner]
        with np.errstate(under="ignore", invalid="ignore", divide="ignore"):
            tail = np.exp(-xo * xo) * _horner(outer_c, 6 / xo - 1) / xo
        out[~inner] = np.copysign(1 - tail, x64[~inner])
    return out.reshape(np.shape(x)).astype(x.dtype, copy=False)


# ------------------------------------------------------------------------------------ randomness
_generators = {}
_manual_seed = None   # the last manual_seed(): a device's generator made later starts from it too


def rng(dev=None):
    """The random generator of a device (numpy Generator on cpu, cupy RandomState on cuda)."""
    dev = as_device(dev)
    gen = _generators.get(dev.type)
    if gen is None:
        seed = _manual_seed if _manual_seed is not None else int.from_bytes(os.urandom(4), "little")
        gen = _make_generator(dev.type, seed)
        _generators[dev.type] = gen
    return gen


def _make_generator(kind, seed):
    if kind == "cuda":
        return _load_cupy().random.RandomState(seed)
    return np.random.default_rng(seed)


def manual_seed(seed):
    """Seeds the random generators of every backend, so runs are reproducible.

    Covers everything drawn from minigrad's generators: the factories (rand, randn, ...), layer
    initialisation, dropout masks and the data samplers' default seeds.

    Args:
        seed: an int.

    Example:
        >>> _ = minigrad.manual_seed(0); a = minigrad.randn(3)
        >>> _ = minigrad.manual_seed(0); b = minigrad.randn(3)
        >>> minigrad.equal(a, b)
        True
    """
    global _manual_seed
    seed = _manual_seed = int(seed)
    _generators["cpu"] = _make_generator("cpu", seed)
    if _cupy is not None:
        _generators["cuda"] = _make_generator("cuda", seed)
    return seed


def get_rng_state():
    """A picklable snapshot of the random generators, for an exact resume with `set_rng_state`.

    Example:
        >>> state = minigrad.get_rng_state()
        >>> a = minigrad.rand(2)
        >>> minigrad.set_rng_state(state)
        >>> minigrad.equal(a, minigrad.rand(2))
        True
    """
    state = {"cpu": rng("cpu").bit_generator.state}
    if _cupy is not None and "cuda" in _generators:
        state["cuda"] = None  # cupy RandomState has no portable state; resume re-seeds instead
    return state


def set_rng_state(state):
    """Restores the random generators from a `get_rng_state` snapshot.

    Args:
        state: what get_rng_state() returned.

    Example:
        >>> state = minigrad.get_rng_state()
        >>> a = minigrad.randn(2)
        >>> minigrad.set_rng_state(state)
        >>> minigrad.equal(a, minigrad.randn(2))
        True
    """
    gen = np.random.default_rng()
    gen.bit_generator.state = state["cpu"]
    _generators["cpu"] = gen


def random_normal(shape, dt, dev=None, mean=0.0, std=1.0, gen=None):
    """Array of normal samples with the given numpy dtype on `dev` (from `gen`, else the device's)."""
    gen = rng(dev) if gen is None else gen
    # both generators draw float32 / float64 only (float16 is drawn in float64, then cast)
    out = gen.standard_normal(shape, dtype=dt if dt in (np.float32, np.float64) else np.float64)
    if std != 1.0 or mean != 0.0:
        out = out * std + mean
    return out.astype(dt, copy=False)


def random_uniform(shape, dt, dev=None, low=0.0, high=1.0, gen=None):
    """Array of samples from U[low, high) with the given numpy dtype on `dev`."""
    gen = rng(dev) if gen is None else gen
    sample_dt = dt if dt in (np.float32, np.float64) else np.float64
    if as_device(dev).type == "cuda":
        out = gen.random_sample(shape, dtype=sample_dt)
    else:
        out = gen.random(shape, dtype=sample_dt)
    if low != 0.0 or high != 1.0:
        out = out * (high - low) + low
    return out.astype(dt, copy=False)


def random_integers(low, high, shape, dev=None, gen=None):
    """int64 array of samples from [low, high)."""
    gen = rng(dev) if gen is None else gen
    if as_device(dev).type == "cuda":
        return gen.randint(low, high, size=shape, dtype=np.int64)
    return gen.integers(low, high, size=shape, dtype=np.int64)


def random_permutation(n, dev=None, gen=None):
    """A random permutation of range(n) as int64."""
    gen = rng(dev) if gen is None else gen
    return gen.permutation(n).astype(np.int64)


def nccl_module():
    """CuPy's NCCL bindings (``cupy.cuda.nccl``), or None without CuPy, a GPU or NCCL support."""
    if not cuda_available():
        return None
    try:
        import cupy.cuda.nccl as nccl  # noqa: a submodule that `import cupy` does not load
    except ImportError:
        return None
    return nccl if getattr(nccl, "available", True) else None
