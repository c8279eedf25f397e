"""PyTorch's legacy typed constructors: LongTensor, FloatTensor, DoubleTensor, IntTensor, ...

``LongTensor([1, 2])`` makes an int64 tensor from data, ``FloatTensor(2, 3)`` a float32 tensor of
that size (PyTorch leaves it uninitialised; minigrad fills it with zeros), ``LongTensor()`` an
empty one. As in PyTorch, ``isinstance(t, LongTensor)`` asks whether `t` is a cpu Tensor of that
dtype. New code should prefer ``minigrad.tensor(data, dtype=...)`` and ``minigrad.zeros``.
"""
import numbers

from . import backend as B
from .tensor import Tensor, tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
           "CharTensor", "ByteTensor", "BoolTensor"]


class _TypedTensorMeta(type):
    """Makes isinstance(t, LongTensor) true for int64 Tensors, like torch's tensortype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == "cpu"

    def __call__(cls, *args, device=None):
        return _construct(cls.__name__, cls.dtype, args, device)


def _construct(name, dt, args, device):
    if not args:
        return Tensor._make(B.xp_for(device).zeros((0,), dtype=dt.np))
    if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
        if any(a < 0 for a in args):
            raise RuntimeError(f"{name}: negative dimension in size {args}")
        return Tensor._make(B.xp_for(device).zeros(tuple(int(a) for a in args), dtype=dt.np))
    if len(args) == 1 and isinstance(args[0], (tuple, list)) and not args[0]:
        return Tensor._make(B.xp_for(device).zeros((0,), dtype=dt.np))
    if len(args) > 1:
        raise TypeError(f"{name}() received an invalid combination of arguments: expected sizes "
                        f"(ints) or one sequence of data, got {tuple(type(a).__name__ for a in args)}")
    data = args[0]
    if isinstance(data, Tensor):  # wraps the tensor's storage, so the dtype must already match
        if data.dtype != dt:
            raise TypeError(f"{name}(): expected a tensor of dtype {dt}, got {data.dtype}; use "
                            f".to({dt}) to convert")
        return data.detach()
    if isinstance(data, (numbers.Number, B.np.generic)) or isinstance(data, (str, bytes)):
        raise TypeError(f"{name}(): data must be a sequence (got {type(data).__name__})")
    if dt.is_floating_point:
        return Tensor(data, dtype=dt, device=device)
    arr = tensor(data, device=device).array
    return Tensor._make(arr.astype(dt.np))  # floats truncate toward zero, as in PyTorch


def _typed(name, dt):
    doc = f"Legacy constructor of {dt} tensors: {name}(data), {name}(*sizes) or {name}()."
    return _TypedTensorMeta(name, (), {"dtype": dt, "__doc__": doc, "__module__": __name__})


FloatTensor = _typed("FloatTensor", B.float32)
DoubleTensor = _typed("DoubleTensor", B.float64)
HalfTensor = _typed("HalfTensor", B.float16)
LongTensor = _typed("LongTensor", B.int64)
IntTensor = _typed("IntTensor", B.int32)
ShortTensor = _typed("ShortTensor", B.int16)
CharTensor = _typed("CharTensor", B.int8)
ByteTensor = _typed("ByteTensor", B.uint8)
BoolTensor = _typed("BoolTensor", B.bool_)


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)

    def __call__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad = True
        return out


class Variable(metaclass=_VariableMeta):
    """PyTorch's pre-0.4 wrapper, kept as PyTorch keeps it: ``Variable(t)`` is ``t.detach()``
    (sharing storage), with ``requires_grad`` set when asked; every Tensor is a Variable.

    Example:
        >>> w = Variable(minigrad.randn(3), requires_grad=True)
    """


def _tensor_new(self, *args, device=None):
    """Legacy ``t.new(*sizes)`` / ``t.new(data)`` / ``t.new()``: a new tensor with t's dtype and device
    (from sizes: zero-filled, where PyTorch leaves the memory uninitialised)."""
    return _construct("new", self.dtype, args, self.device if device is None else device)


Tensor.new = _tensor_new
