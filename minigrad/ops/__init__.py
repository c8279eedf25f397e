"""The public op layer: `minigrad.add`, `minigrad.matmul`, ... and the Tensor methods and operators.

The functions live in themed modules (elementwise, compare, linalg, reduce, shape, index, inplace),
each checking arguments and promoting dtypes (one ladder, in `promotion`) in front of the
differentiable primitives of `minigrad.primitives`.  `methods.TABLE` is the one list of which
functions `minigrad` exports and which methods `Tensor` has; this module applies it.
"""
from ..primitives import recurrent  # noqa: F401  (minigrad.ops.recurrent.USE_CUDA_KERNELS, as documented)
from ..primitives.base import normalize_dim, normalize_dims  # noqa: F401  (used by nn modules)
from . import methods
from .promotion import as_tensor_like  # noqa: F401

_functions = methods.functions()
globals().update(_functions)
__all__ = list(_functions)
methods.install()


def __getattr__(name):  # rows added after import by methods.register
    fn = methods.functions().get(name)
    if fn is None:
        raise AttributeError(f"module 'minigrad.ops' has no attribute {name!r}")
    return fn
