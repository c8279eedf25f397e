"""minigrad: a small PyTorch-like deep-learning framework with reverse-mode autograd on NumPy or CuPy."""
from . import backend
from .backend import (Device, device, set_backend, get_backend, manual_seed, float16, float32, float64,
                      int8, int16, int32, int64, uint8, bool_ as bool, dtype, get_rng_state,
                      set_rng_state)
from .tensor import Tensor, tensor, as_tensor, from_numpy
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from . import autograd
from .ops import *  # noqa: F401,F403  (the op functions: add, matmul, sum, cat, ...)
from .creation import *  # noqa: F401,F403
from . import cuda
from .serialization import save, load
from .threads import set_num_threads, get_num_threads
from .interchange import save_safetensors, load_safetensors
from . import nn, optim, data, utils  # noqa: E402  (subpackages, after the core they build on)
from . import distributed  # noqa: E402  (torch.distributed's names over MPI / NCCL)
from .random import Generator, multinomial
from .legacy import *  # noqa: F401,F403  (LongTensor, FloatTensor, ...)
from . import backends, random  # noqa: F401,E402
from .backend import set_default_device, get_default_device, set_default_dtype
from . import onnx  # noqa: E402  (import-only: export raises, see minigrad/onnx.py)

half, float, double = float16, float32, float64
long, int, short = int64, int32, int16

__version__ = "0.1.0"


def is_tensor(obj):
    """True if obj is a minigrad Tensor (a Parameter counts).

    Example:
        >>> minigrad.is_tensor(minigrad.zeros(1)), minigrad.is_tensor([0.0])
        (True, False)
    """
    return isinstance(obj, Tensor)


def get_default_dtype():
    """The default floating dtype: float32 unless changed with set_default_dtype.

    Example:
        >>> minigrad.get_default_dtype()
        minigrad.float32
    """
    return backend.default_float()


from .ops import methods as _op_table  # noqa: E402


def __getattr__(name):  # ops added after import (minigrad.ops.methods.register) are minigrad.<name> too
    fn = _op_table.functions().get(name)
    if fn is None:
        raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
    return fn
