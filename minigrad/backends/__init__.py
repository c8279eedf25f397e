"""minigrad.backends: the switches PyTorch keeps under ``torch.backends``, with minigrad's meaning.

minigrad runs NumPy on the cpu and CuPy on the GPU; it has no cuDNN kernels to choose between and
no Apple-GPU (MPS) backend. The flags exist so that PyTorch code setting them runs unchanged:

- ``cudnn.deterministic``: minigrad's results are already deterministic for a given seed and
  device (no autotuned kernels, no atomics); the flag is stored and changes nothing.
- ``cudnn.benchmark``: minigrad does no kernel autotuning; stored, changes nothing.
- ``cudnn.enabled``: stored; minigrad's GPU path (CuPy) does not use cuDNN either way.
- ``cudnn.is_available()`` is False (minigrad never calls cuDNN); ``mps.is_available()`` is False.
"""
from . import cudnn, mps, cuda

__all__ = ["cudnn", "mps", "cuda"]
