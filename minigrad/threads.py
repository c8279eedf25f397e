"""How many threads minigrad's CPU work may use: the BLAS's threads for matrix products and the helper
thread of the fused recurrent gate math.

Why a policy at all.  A BLAS such as OpenBLAS starts one thread per core and splits every product
between them.  That pays for a large product; for the small ones of a recurrent time loop the threads
spend more time waiting for each other than multiplying, and when other programs use the cores a
waiting thread may not run for a whole scheduler slice, so a program that is fast on a quiet machine
becomes several times slower on a busy one.  PyTorch avoids this by running small ops on one thread;
minigrad does the same:

* ``get_num_threads()`` is the most threads minigrad uses (``set_num_threads(n)`` in PyTorch's style;
  by default the first of ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ...
  that is set, else the number of cores this process may run on);
* a matrix product uses more than one only when it has at least ``GEMM_PARALLEL_MIN_FLOPS``
  floating-point operations, and then no more than the cores that other programs left free over
  the last fifth of a second (``gemm_threads``, ``free_threads``): never more busy threads than cores;
* the BLAS's own thread count is set for the duration of minigrad's product only (``blas_threads(n)``)
  and restored afterwards, so NumPy code of the user's own sees the count it had before.

The BLAS is reached through threadpoolctl; without it (or on CuPy) these calls change nothing.
"""
import os
import time

from . import backend as _backend  # noqa: F401  (NumPy, and so its BLAS, is loaded before we look)

__all__ = ["set_num_threads", "get_num_threads", "gemm_threads", "blas_threads",
           "free_threads", "matmul", "GEMM_PARALLEL_MIN_FLOPS", "THREAD_ENV_VARS"]

# Read in this order; the first one set to a positive integer gives the default thread count.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                   "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
# 2*m*k*n from which a product is split between threads (measured on a 2-core AVX-512 Xeon: the
# medium LSTM's recurrent product, 64x256 @ 256x1024 = 2**25, pays on two threads when the machine is
# quiet; the small one's, 2**22, does not; on a busy machine free_threads() keeps them on one).
GEMM_PARALLEL_MIN_FLOPS = 2 ** 24


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _from_env():
    """The thread count the user's environment asks for, else the number of usable cores."""
    for var in THREAD_ENV_VARS:
        value = os.environ.get(var, "").strip().split(",")[0]   # OMP allows "4,2" (nested levels)
        if value.isdigit() and int(value) > 0:
            return int(value)
    return _cores()


_num_threads = _from_env()


def set_num_threads(n):
    """Set the number of threads minigrad's CPU work may use (as ``torch.set_num_threads``).

    Products big enough to pay for it are split between up to ``n`` BLAS threads; everything else
    runs on one.  The BLAS's own setting outside minigrad's calls is left as it is.

    Args:
        n (int): a positive number of threads.

    Example::

        >>> import minigrad
        >>> old = minigrad.get_num_threads()
        >>> minigrad.set_num_threads(1)
        >>> minigrad.get_num_threads()
        1
        >>> minigrad.set_num_threads(old)
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads(): argument 'int' must be int, not {type(n).__name__}")
    if n < 1:
        raise RuntimeError(f"set_num_threads: expected a positive number of threads, got {n}")
    _num_threads = n


def get_num_threads():
    """The number of threads minigrad's CPU work may use (as ``torch.get_num_threads``): the last
    ``set_num_threads(n)``, else the first thread variable set in the environment
    (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ...), else the core count.

    Example::

        >>> import minigrad
        >>> minigrad.get_num_threads() >= 1
        True
    """
    return _num_threads


def gemm_threads(m, k, n):
    """Threads for an (m, k) x (k, n) product: 1 below ``GEMM_PARALLEL_MIN_FLOPS`` operations, else
    ``get_num_threads()`` capped by the cores other programs leave free (``free_threads()``)."""
    if _num_threads > 1 and 2 * m * k * n >= GEMM_PARALLEL_MIN_FLOPS:
        return free_threads()
    return 1


def free_threads():
    """``get_num_threads()``, less the cores that other programs kept busy lately.

    A thread that shares its core with another program's is descheduled for whole time slices, and
    the threads that wait for it at the end of every product wait too: on a busy machine one thread
    is faster than two.  So the cores this process may use are counted, minus what the rest of the
    machine used over the last fifth of a second (Linux: /proc/stat against this process's CPU time;
    elsewhere nothing is subtracted)."""
    if _num_threads == 1:
        return 1
    return max(1, min(_num_threads, round(_cores() - _load.others())))


class _MachineLoad:
    """How many cores other programs used over the last ``INTERVAL`` seconds (sampled lazily).

    The window is refreshed by the calls themselves, so a process that has not asked for a while
    holds an old sample: the average since then describes what ran while it was idle (another
    process taking its turn, say), not what runs now.  So the first look, and any look after more
    than ``STALE`` seconds, counts the processes runnable at this instant (less this thread) instead,
    and starts a new window."""
    INTERVAL = 0.2
    STALE = 1.0

    def __init__(self):
        self.when = None        # (monotonic time, machine busy seconds, own CPU seconds)
        self.value = 0.0

    @staticmethod
    def _read_stat(runnable):
        """(busy seconds of the whole machine, processes runnable now or None) from /proc/stat."""
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
            running = None
            if runnable:        # the count is near the end, after the long interrupt lines
                for line in f:
                    if line.startswith("procs_running"):
                        running = int(line.split()[1])
                        break
        ticks = [int(v) for v in fields[:8]]     # user nice system idle iowait irq softirq steal
        return (sum(ticks) - ticks[3] - ticks[4]) / _TICK, running

    def others(self):
        now = time.monotonic()
        if self.when is not None and now - self.when[0] < self.INTERVAL:
            return self.value
        fresh = self.when is None or now - self.when[0] > self.STALE
        try:
            busy, running = self._read_stat(fresh)
            sample = (now, busy, _own_cpu_seconds())
        except (OSError, ValueError, IndexError):
            return 0.0
        if fresh:
            self.value = float(max(0, (running or 1) - 1))
        else:
            span = now - self.when[0]
            machine, own = sample[1] - self.when[1], sample[2] - self.when[2]
            self.value = max(0.0, (machine - own) / span)
        self.when = sample
        return self.value


def _own_cpu_seconds():
    t = os.times()
    return t.user + t.system


try:
    _TICK = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):
    _TICK = 100
_load = _MachineLoad()


# ----------------------------------------------------------------------- the BLAS's thread count
_blas = None   # [(get, set)] thread-count functions of the loaded BLAS libraries, found on first use


def _functions(lib):
    """(get, set) for one threadpoolctl library controller: OpenBLAS's own C functions when it runs
    its own pthreads (0.2 us a call instead of threadpoolctl's Python wrapper, 3 us), else the
    controller's methods."""
    if getattr(lib, "internal_api", "") == "openblas" and getattr(lib, "threading_layer", "") != "openmp":
        try:
            get, set_ = (lib._get_symbol(f"openblas_{op}_num_threads") for op in ("get", "set"))
            if get is not None and set_ is not None:
                return get, set_
        except Exception:   # a threadpoolctl without this helper: use its public methods
            pass
    return lib.get_num_threads, lib.set_num_threads


def _blas_functions():
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
            _blas = [_functions(c) for c in ThreadpoolController().lib_controllers
                     if c.user_api == "blas"]
        except Exception:   # not installed, or a platform it cannot inspect: leave the BLAS alone
            _blas = []
    return _blas


def _forget_functions():
    global _blas
    _blas = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_functions)


class blas_threads:
    """Context manager: the BLAS runs on ``n`` threads inside, and on what it had before after.

    Cheap when nothing changes (one query per library), so it can wrap every product::

        with blas_threads(gemm_threads(m, k, n)):
            c = a @ b
    """
    __slots__ = ("n", "previous")

    def __init__(self, n):
        self.n = n
        self.previous = None

    def __enter__(self):
        previous = []
        for get, set_ in _blas_functions():
            count = get()
            if count != self.n:
                set_(self.n)
                previous.append((set_, count))
        self.previous = previous
        return self

    def __exit__(self, *exc):
        for set_, count in self.previous:
            set_(count)
        self.previous = None
        return False


# OpenBLAS runs a product with m*k*n below this on one thread whatever its setting (its
# SMP threshold), so minigrad does not switch the count for it.
_BLAS_SERIAL_MNK = 2 ** 18


def matmul(a, b, out=None):
    """``a @ b`` (NumPy arrays, 2-D or stacked) on the threads ``gemm_threads`` picks; the BLAS's
    thread count is restored afterwards.  Other arrays (CuPy) are multiplied as they are."""
    np = _backend.np
    if a.ndim >= 2 and b.ndim >= 2 and isinstance(a, np.ndarray):
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        if m * k * n >= _BLAS_SERIAL_MNK:
            with blas_threads(gemm_threads(m, k, n)):
                return np.matmul(a, b, out=out)
    return a @ b if out is None else _backend.get_array_module(a).matmul(a, b, out=out)
