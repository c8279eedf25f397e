"""Random generators as objects (``minigrad.Generator``) and sampling from categorical weights.

A ``Generator`` is an independent stream of random numbers: seed one with ``manual_seed`` and
hand it to ``rand``/``randn``/``randint``/``randperm``/``multinomial``, to ``random_split``, the
samplers or the ``DataLoader``, and that draw is reproducible without touching the global
generator that ``minigrad.manual_seed`` seeds.
"""
import numbers

from . import backend as B
from .tensor import Tensor

__all__ = ["Generator", "multinomial"]

DEFAULT_SEED = 67280421310721  # the seed a fresh PyTorch generator starts from


class Generator:
    """An independent random number generator on one device.

    Args:
        device: 'cpu' (a NumPy PCG64 stream) or 'cuda' (a CuPy stream); default 'cpu'.

    Example:
        >>> g = Generator().manual_seed(0)
        >>> a = minigrad.randn(3, generator=g)
    """

    def __init__(self, device="cpu"):
        self.device = B.as_device(device)
        self._seed = DEFAULT_SEED
        self._backend = B._make_generator(self.device.type, DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart the stream from `seed` (an int); returns the generator, as in PyTorch."""
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise TypeError(f"manual_seed expected an int seed, got {type(seed).__name__}")
        self._seed = int(seed) & (2 ** 64 - 1)  # negative seeds wrap around, as in PyTorch
        self._backend = B._make_generator(self.device.type, self._seed)
        return self

    def seed(self):
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int.from_bytes(B.os.urandom(8), "little") >> 1)
        return self._seed

    def initial_seed(self):
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self):
        """A snapshot of the stream (a dict for cpu generators) for set_state."""
        if self.device.type != "cpu":
            raise RuntimeError("get_state is only supported for cpu generators in minigrad")
        return {"seed": self._seed, "state": self._backend.bit_generator.state}

    def set_state(self, state):
        """Restore a snapshot from get_state; returns the generator."""
        if self.device.type != "cpu":
            raise RuntimeError("set_state is only supported for cpu generators in minigrad")
        self._seed = state["seed"]
        self._backend.bit_generator.state = state["state"]
        return self

    def __repr__(self):
        return f"<minigrad.Generator object at {hex(id(self))}>"


def backend_generator(generator, device=None):
    """The backend stream behind `generator` for a draw on `device` (None: the device's global one)."""
    if generator is None:
        return None
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a minigrad.Generator, got {type(generator).__name__}")
    dev = B.as_device(device)
    if generator.device.type != dev.type:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator._backend


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Draw category indices with probabilities proportional to the rows of `input`.

    Each row of `input` holds non-negative weights w (they need not sum to one); category i is
    drawn with probability w_i / sum(w). Without replacement, a drawn category cannot be drawn
    again (its weight leaves the sum); once the positive weights are used up, the zero-weight
    categories follow in index order (as PyTorch does on the cpu).

    Args:
        input: weights of shape (C,) or (N, C), floating point.
        num_samples: how many draws per row.
        replacement: draw with replacement.
        generator: a minigrad.Generator to draw from (default: the global one).

    Shape:
        (C,) -> (num_samples,); (N, C) -> (N, num_samples); int64.

    Example:
        >>> multinomial(minigrad.tensor([0.1, 0.0, 0.9]), 2)   # e.g. tensor([2, 0])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype}")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = input.shape[-1]
    if not replacement and n > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    xp = B.xp_for(input.device)
    w = input.array.reshape(-1, categories).astype(B.np.float64)
    if not bool(xp.isfinite(w).all()) or bool((w < 0).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = w.sum(axis=1)
    if bool((totals <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    gen = backend_generator(generator, input.device)
    u = B.random_uniform((w.shape[0], n if replacement else categories), B.np.float64, input.device,
                         gen=gen)
    if replacement:  # inverse CDF: the first category whose cumulative weight exceeds u * total
        cdf = xp.cumsum(w, axis=1)
        out = xp.stack([xp.searchsorted(cdf[r], u[r] * totals[r], side="right")
                        for r in range(w.shape[0])])
        out = xp.minimum(out, categories - 1)
    else:  # exponential races: category i finishes at E_i / w_i; the n fastest are drawn, in order
        with B.np.errstate(divide="ignore"):
            times = -xp.log1p(-u) / w
        out = xp.argsort(times, axis=1, kind="stable")[:, :n]
    out = out.astype(B.np.int64)
    return Tensor._make(out.reshape(n) if input.ndim == 1 else out)
