"""The one dtype-promotion ladder of the public ops: bool < integer < floating, as in PyTorch.

Every public function that mixes operands (tensors of different dtypes, a tensor and a Python
number, a list to concatenate) asks this module which dtype the result has, and casts with
`Tensor.to` before calling the primitive, so the primitives always see operands of one dtype.
"""
import numbers

from .. import backend as B
from ..errors import ShapeError
from ..tensor import Tensor, tensor


def as_tensor_like(x, ref):
    """Turn a non-Tensor operand (array, list) into a Tensor on `ref`'s device."""
    if isinstance(x, Tensor):
        return x
    return tensor(x, device=ref.device if isinstance(ref, Tensor) else None)


def is_scalar(x):
    return isinstance(x, numbers.Number) and not B.is_array(x)


def binary(fn, a, b, op):
    """Apply a broadcasting binary op, promoting dtypes the way PyTorch does."""
    if a.__class__ is Tensor and b.__class__ is Tensor and a.array.dtype is b.array.dtype:
        return fn.apply(a, b)   # the common case, nothing to promote
    if not isinstance(a, Tensor) and not is_scalar(a):
        a = coerce(a, b, op)
    if not isinstance(b, Tensor) and not is_scalar(b):
        b = coerce(b, a, op)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        da, db = a.array.dtype, b.array.dtype
        if da != db:
            ka, kb = category(da), category(db)
            if ka > kb:
                b = b.to(B.dtype_of(a.array))
            elif kb > ka:
                a = a.to(B.dtype_of(b.array))
            elif a.ndim == 0 and b.ndim:  # same category: a dimensioned tensor beats a 0-d one
                a = a.to(B.dtype_of(b.array))
            elif b.ndim == 0 and a.ndim:
                b = b.to(B.dtype_of(a.array))
    elif isinstance(a, Tensor):
        a, b = scalar_promote(a, b)
    elif isinstance(b, Tensor):
        b, a = scalar_promote(b, a)
    else:
        raise TypeError(f"{op}: expected at least one Tensor operand, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    return fn.apply(a, b)


def category(np_dtype):
    """PyTorch's promotion categories: bool < integer < floating."""
    return 0 if np_dtype.kind == "b" else 1 if np_dtype.kind in "iu" else 2


def coerce(x, ref, op):
    if B.is_array(x) or isinstance(x, (list, tuple)):
        return as_tensor_like(x, ref)
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def scalar_promote(t, s):
    """Promote (tensor, Python scalar) as PyTorch does: a scalar of a higher category (bool < int <
    float) gives that category's default dtype (int64, float32); otherwise the tensor's dtype wins
    and an int scalar wraps around into it (uint8 + -1 is uint8 255)."""
    if isinstance(s, complex):
        raise TypeError("complex scalars are not supported")
    if isinstance(s, B.np.generic):
        s = s.item()
    kind = category(t.array.dtype)
    if isinstance(s, float):
        return (t.to(B.default_float()) if kind < 2 else t), s
    if isinstance(s, bool):
        return t, (s if kind == 0 else int(s))
    if kind == 0:
        return t.to(B.int64), s
    if kind == 1:  # an int scalar takes the tensor's integer dtype, wrapping like PyTorch
        return t, B.np.array(s).astype(t.array.dtype)[()] if not B.np.can_cast(
            B.np.min_scalar_type(s), t.array.dtype) else s
    return t, s


def float_unary(fn, a):
    if a.array.dtype.kind != "f":
        a = a.to(B.default_float())
    return fn.apply(a)


def floatify(a):
    return a if a.dtype.is_floating_point else a.to(B.default_float())


def tensor_list(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ShapeError(f"{op}: expected a non-empty list of Tensors")  # torch: cat ValueError, stack RuntimeError
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a list of Tensors, but element {i} is "
                            f"{type(t).__name__}")
    floats = [t.dtype for t in tensors if t.dtype.is_floating_point]
    if floats and len(floats) != len(tensors):
        target = floats[0]
        tensors = [t if t.dtype.is_floating_point else t.to(target) for t in tensors]
    return tensors
