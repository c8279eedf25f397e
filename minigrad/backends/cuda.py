"""CUDA switches (stored for PyTorch compatibility): minigrad's GPU matmuls are CuPy's."""
import types

matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built():
    """True when CuPy (minigrad's GPU backend) can be imported."""
    from .. import cuda
    return cuda.is_available()
