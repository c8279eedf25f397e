"""Matrix products: matmul and its fixed-rank variants mm, bmm, dot, and outer."""
from ..primitives import matmul as M
from ..tensor import Tensor
from .elementwise import mul


def matmul(a, b):
    """Matrix product with NumPy's and PyTorch's rules (also ``a @ b``).

    `out[..., i, j] = Σ_k a[..., i, k] · b[..., k, j]`.

    1-D operands act as a row (a) or column (b) vector whose dim is then dropped; two 1-D operands
    give their dot product; dims before the last two are batch dims and broadcast.

    Args:
        a: a Tensor with at least 1 dim.
        b: a Tensor with at least 1 dim.

    Shape:
        - a `(n)`, b `(n)` -> `()`; a `(m, n)`, b `(n)` -> `(m)`; a `(n)`, b `(n, p)` -> `(p)`.
        - a `(*, m, n)`, b `(*, n, p)` -> `(*, m, p)`, the batch dims `*` broadcast.

    Example:
        >>> a = minigrad.ones(2, 3)
        >>> b = minigrad.ones(3, 4)
        >>> minigrad.matmul(a, b).shape
        (2, 4)
        >>> (minigrad.ones(10, 2, 3) @ b).shape
        (10, 2, 4)
        >>> minigrad.tensor([1.0, 2.0]) @ minigrad.tensor([3.0, 4.0])
        tensor(11.)
    """
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    return M.MatMul.apply(a, b)


def mm(a, b):
    """Product of two matrices: `out[i, j] = Σ_k a[i, k] · b[k, j]` (2-D only; see `matmul`).

    Args:
        a: a `(m, n)` Tensor.
        b: an `(n, p)` Tensor.

    Shape:
        a `(m, n)`, b `(n, p)` -> `(m, p)`.

    Example:
        >>> minigrad.mm(minigrad.tensor([[1.0, 2.0]]), minigrad.tensor([[3.0], [4.0]]))
        tensor([[11.]])
    """
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def bmm(a, b):
    """Batched matrix product: `out[i] = a[i] @ b[i]` (3-D only, no broadcasting).

    Args:
        a: a `(B, m, n)` Tensor.
        b: a `(B, n, p)` Tensor.

    Shape:
        a `(B, m, n)`, b `(B, n, p)` -> `(B, m, p)`.

    Example:
        >>> minigrad.bmm(minigrad.ones(5, 2, 3), minigrad.ones(5, 3, 4)).shape
        (5, 2, 4)
    """
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape} and {b.shape}")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two vectors: `out = Σ_i a_i · b_i`.

    Args:
        a: a 1-D Tensor.
        b: a 1-D Tensor of the same length.

    Shape:
        a `(n)`, b `(n)` -> `()`.

    Example:
        >>> minigrad.dot(minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0]))
        tensor(11.)
    """
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: expected 1-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def outer(a, b):
    """Outer product of two vectors: `out[i, j] = a_i · b_j`.

    Args:
        a: a 1-D Tensor.
        b: a 1-D Tensor.

    Shape:
        a `(n)`, b `(m)` -> `(n, m)`.

    Example:
        >>> minigrad.outer(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 10.0]))
        tensor([[ 1., 10.],
                [ 2., 20.]])
    """
    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:  # a 2-D input would silently broadcast into a 3-D result
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return mul(a.unsqueeze(1), b.unsqueeze(0))
