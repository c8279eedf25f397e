"""Apple-GPU (MPS) queries: minigrad has no MPS backend."""


def is_available():
    """False: minigrad runs on the cpu (NumPy) or on NVIDIA GPUs (CuPy), never on MPS."""
    return False


def is_built():
    """False: minigrad has no MPS backend."""
    return False
