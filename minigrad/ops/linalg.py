"""Matrix products: matmul and its fixed-rank variants mm, bmm, dot, and outer."""
from ..primitives import matmul as M
from ..tensor import Tensor
from .elementwise import mul


def matmul(a, b):
    """Matrix product with NumPy/PyTorch rules for 1-D, 2-D and batched (broadcast) operands."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    return M.MatMul.apply(a, b)


def mm(a, b):
    """2-D matrix product."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def bmm(a, b):
    """Batched 3-D matrix product."""
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape} and {b.shape}")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two 1-D tensors."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: expected 1-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def outer(a, b):
    """Outer product of two 1-D tensors."""
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:  # a 2-D input would silently broadcast into a 3-D result
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return mul(a.unsqueeze(1), b.unsqueeze(0))
