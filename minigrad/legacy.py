"""PyTorch's legacy typed constructors: LongTensor, FloatTensor, DoubleTensor, IntTensor, ...

``LongTensor([1, 2])`` makes an int64 tensor from data, ``FloatTensor(2, 3)`` a float32 tensor of
that size (PyTorch leaves it uninitialised; minigrad fills it with zeros), ``LongTensor()`` an
empty one. As in PyTorch, ``isinstance(t, LongTensor)`` asks whether `t` is a cpu Tensor of that
dtype. New code should prefer ``minigrad.tensor(data, dtype=...)`` and ``minigrad.zeros``.
"""
from . import backend as B
from .ops.compat import construct_typed
from .tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
           "CharTensor", "ByteTensor", "BoolTensor"]


class _TypedTensorMeta(type):
    """Makes isinstance(t, LongTensor) true for int64 Tensors, like torch's tensortype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == "cpu"

    def __call__(cls, *args, device=None):
        return construct_typed(cls.__name__, cls.dtype, args, device)


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

