"""minigrad.cuda: is the GPU (CuPy) backend usable here?"""
from . import backend as B


def is_available():
    """True when CuPy is installed and a CUDA device is visible."""
    return B.cuda_available()


def device_count():
    """Number of visible CUDA devices (0 without CuPy)."""
    if not B.cuda_available():
        return 0
    return B.xp_for("cuda").cuda.runtime.getDeviceCount()


def manual_seed(seed):
    """Seed the GPU generator (same as minigrad.manual_seed)."""
    return B.manual_seed(seed)


def synchronize():
    """Wait for all queued GPU work to finish (no-op without CuPy)."""
    if B.cupy_loaded():
        B.xp_for("cuda").cuda.Device().synchronize()
