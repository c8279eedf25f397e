"""Tensor: a backend array (`.array`) plus the autograd bookkeeping (grad, grad_fn, version).

This module owns the data type: construction, attributes, conversion, hooks and indexing.  The
view / in-place bookkeeping is its base class `ViewTracking` (views.py); the math methods and operators
(`t.sum()`, `a + b`, `t.add_(...)`) are bound onto the class by the table in `minigrad/ops/methods.py`.
"""
import numbers

from . import backend as B
from ._tensor_str import tensor_repr
from .errors import ShapeError
from .autograd import register_tensor_class
from .primitives import elementwise as E, index as I
from .primitives.base import normalize_dim
from .primitives.index import check_index_bounds
from .tensor_autograd import AutogradMethods
from .views import Version, ViewTracking, mark_view

__all__ = ["Tensor", "tensor", "as_tensor", "from_numpy"]

_ndarray = B.np.ndarray


def _to_array(data, dt, dev):
    """Convert Python data / arrays / tensors to a backend array of minigrad dtype `dt` (or inferred)."""
    xp = B.xp_for(dev)
    if isinstance(data, Tensor):
        arr = data.array
    elif B.is_array(data):
        arr = data
    elif isinstance(data, B.np.generic):  # a NumPy scalar keeps its dtype, as in PyTorch
        arr = B.np.asarray(data)
    else:
        if isinstance(data, (list, tuple)) and _contains_tensor(data):
            data = _untensor(data)
        if isinstance(data, (str, bytes, dict, set)) or data is None:
            raise TypeError(f"cannot make a tensor from {type(data).__name__}: expected a number, a "
                            f"(nested) list of numbers, or an array")
        try:
            arr = B.np.asarray(data)
        except ValueError as exc:
            raise ValueError(f"cannot make a tensor from a ragged nested sequence: {exc}") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"cannot make a tensor from {type(data).__name__} holding "
                            f"{_kind_of_values(arr)} values: expected numbers or bools")
        if dt is None:
            if arr.dtype.kind == "f":
                dt = B.default_float()
            elif arr.dtype.kind in "iu":
                dt = B.int64
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"unsupported array dtype {arr.dtype}")
    if dt is None:
        dt = B.dtype_of(arr) if arr.dtype in (d.np for d in B.DTYPES) else B.to_dtype(arr.dtype)
    arr = B.to_device(arr, dev)
    return xp.array(arr, dtype=dt.np, copy=True)


def _kind_of_values(arr):
    """What a non-numeric NumPy array holds, in Python's words ('str', 'NoneType', ...)."""
    if arr.dtype.kind == "O":
        odd = [x for x in arr.ravel().tolist() if not isinstance(x, (numbers.Number, bool))]
        return type(odd[0]).__name__ if odd else "object"
    return {"U": "str", "S": "bytes", "c": "complex"}.get(arr.dtype.kind, str(arr.dtype))


def _contains_tensor(seq):
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
               for x in seq)


def _untensor(seq):
    return [x.tolist() if isinstance(x, Tensor) else _untensor(x) if isinstance(x, (list, tuple))
            else x for x in seq]


class Tensor(ViewTracking, AutogradMethods):
    """An n-dimensional array on cpu (NumPy) or cuda (CuPy) that records operations for autograd.

    Like ``torch.Tensor``: ``Tensor(2, 3)`` makes a (zero-filled) float32 tensor of that shape, and
    ``Tensor([1, 2])`` a float32 tensor from data. Prefer `minigrad.tensor` to build one from data.

    A tensor with ``requires_grad=True`` is a leaf of the graph; every operation on it returns a
    tensor whose ``grad_fn`` remembers how it was made, and ``out.backward()`` fills ``leaf.grad``
    with the gradient of out with respect to the leaf. The raw backend array is ``t.array``.

    Example:
        >>> x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4., 6.])
        >>> minigrad.Tensor(2, 3).shape
        (2, 3)
    """
    __slots__ = ("array", "_grad", "_requires_grad", "grad_fn", "_output_nr", "_version", "_hooks",
                 "_base", "_view_ver", "__weakref__")
    __array_priority__ = 1000  # so that ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        dev = B.as_device(device)
        dt = B.to_dtype(dtype) if dtype is not None else B.default_float()
        if len(args) == 1 and isinstance(args[0], Tensor):
            data = args[0].array
        elif args and all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
            if any(a < 0 for a in args):
                raise RuntimeError(f"Tensor: negative dimension in size {args}")
            data = B.xp_for(dev).zeros(tuple(int(a) for a in args), dtype=dt.np)
        elif len(args) == 1:
            if isinstance(args[0], (numbers.Number, B.np.generic)):
                raise TypeError(f"Tensor(): data must be a sequence (got {type(args[0]).__name__}); "
                                f"use minigrad.tensor({args[0]!r}) for a 0-d tensor")
            data = _to_array(args[0], dt, dev)
        elif not args:
            data = B.xp_for(dev).zeros((0,), dtype=dt.np)
        else:
            raise TypeError(f"Tensor(): expected sizes (ints) or one sequence of data, got "
                            f"{tuple(type(a).__name__ for a in args)}")
        self.array = data
        self._grad = None
        self._requires_grad = False
        self.grad_fn = None
        self._output_nr = 0
        self._version = Version()
        self._hooks = None
        self._base = None
        self._view_ver = 0
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, output_nr=0):
        """Wrap a backend array without copying (internal fast path)."""
        if data.__class__ is not _ndarray and not B.is_array(data):
            data = B.np.asarray(data)  # NumPy reductions return scalars; keep 0-d arrays instead
        t = object.__new__(cls)
        t.array = data
        t._grad = None
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._version = Version()
        t._hooks = None
        t._base = None
        return t

    # ------------------------------------------------------------------------------ attributes
    @property
    def data(self):
        """This tensor's values as a Tensor that shares storage but not autograd, as in PyTorch.

        The alias never requires grad and has its own version counter, so in-place changes made
        through it (``p.data.add_(g, alpha=-lr)``) update this tensor without recording a graph
        and without tripping autograd's in-place checks. Assigning ``t.data = other`` makes this
        tensor use `other`'s storage (shape and dtype may change; the graph and grad are kept).
        Use ``.array`` for the raw backend array.
        """
        return Tensor._make(self.array)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and not value.dtype.is_floating_point:
            raise RuntimeError("data set to a tensor that requires gradients must be floating point "
                               "or complex dtype")
        self.array = value.array
        self._base = None  # its storage is no longer a view of another tensor's

    @property
    def requires_grad(self):
        """True when gradients are computed for this tensor."""
        if self._base is not None and self._view_ver != self._version.value:
            self._sync_view()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self.grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                               "to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if value and self.array.dtype.kind != "f":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got "
                               f"{self.dtype}")
        self._requires_grad = value

    @property
    def grad(self):
        """The accumulated gradient (a Tensor of this tensor's shape and dtype), or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of shape {value.shape} to a "
                                   f"tensor of shape {self.shape}")
            if value.dtype != self.dtype:
                raise RuntimeError(f"attempting to assign a gradient of dtype {value.dtype} to a "
                                   f"tensor of dtype {self.dtype}")
            if value.device != self.device:
                raise RuntimeError(f"attempting to assign a gradient on {value.device} to a tensor "
                                   f"on {self.device}")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (user-created, or requires_grad=False)."""
        return self.grad_fn is None

    @property
    def shape(self):
        return tuple(self.array.shape)

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def dtype(self):
        return B.dtype_of(self.array)

    @property
    def device(self):
        return B.device_of(self.array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def T(self):
        """The tensor with its dimensions reversed."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        """The tensor with its last two dimensions swapped."""
        return self.transpose(-2, -1)

    def size(self, dim=None):
        """The shape as a tuple, or the size of one dimension."""
        if dim is None:
            return self.shape
        return self.shape[normalize_dim(dim, self.ndim, "size")]

    def dim(self):
        """Number of dimensions."""
        return self.array.ndim

    def numel(self):
        """Number of elements."""
        return int(self.array.size)

    nelement = numel

    def element_size(self):
        """Bytes per element."""
        return self.array.itemsize

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {self.shape})")
        return bool(self.array.reshape(-1)[0])

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iu" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __repr__(self):
        return tensor_repr(self)

    def __format__(self, spec):
        """f'{t:.2f}' formats a 0-d tensor as its number, as PyTorch does; other tensors as repr."""
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # ------------------------------------------------------------------------------ conversion
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            # RuntimeError for item() and ValueError for float()/int(), as PyTorch raises
            raise ShapeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self.array.reshape(-1)[0].item()

    def numpy(self):
        """The data as a NumPy array (shared on cpu, copied from the GPU)."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return B.to_numpy(self.array)

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        return B.to_numpy(self.array).tolist()

    def __array__(self, dtype=None, copy=None):
        arr = B.to_numpy(self.array)
        return arr if dtype is None else arr.astype(dtype)

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """Move to a device and/or cast to a dtype: to('cuda'), to(minigrad.float64), to(other)."""
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (str, B.Device)):
                device = a
            else:
                dtype = a
        out = self
        if device is not None:
            dev = B.as_device(device)
            if dev != self.device:
                if dev.type == "cuda":
                    B.xp_for(dev)  # raises a clear error when cupy is missing
                out = E.ToDevice.apply(out, dev)
        if dtype is not None:
            dt = B.to_dtype(dtype)
            if dt != out.dtype:
                out = E.Cast.apply(out, dt.np)
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None):
        """Cast to `dtype`, or return the type name when none is given."""
        if dtype is None:
            return f"minigrad.{self.dtype.name}"
        return self.to(dtype)

    def type_as(self, other):
        """Cast to other's dtype."""
        return self.to(other.dtype)

    def cpu(self):
        """This tensor on the cpu."""
        return self.to("cpu")

    def cuda(self, device=None):
        """This tensor on the GPU (needs CuPy)."""
        return self.to("cuda")

    def float(self):
        """Cast to float32."""
        return self.to(B.float32)

    def double(self):
        """Cast to float64."""
        return self.to(B.float64)

    def half(self):
        """Cast to float16."""
        return self.to(B.float16)

    def long(self):
        """Cast to int64."""
        return self.to(B.int64)

    def int(self):
        """Cast to int32."""
        return self.to(B.int32)

    def bool(self):
        """Cast to bool."""
        return self.to(B.bool_)

    def is_floating_point(self):
        """True for float dtypes."""
        return self.dtype.is_floating_point

    def detach(self):
        """A tensor sharing this data, cut from the graph."""
        t = Tensor._make(self.array, False, None, 0)
        t._version = self._version
        return t

    def detach_(self):
        """Cut this tensor from the graph, in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self):
        """A copy of the data that stays in the graph."""
        return E.Clone.apply(self)

    def contiguous(self):
        """This tensor (minigrad keeps no stride state that needs it)."""
        return self

    def new_tensor(self, data, dtype=None, requires_grad=False):
        """A new tensor from data, with this tensor's dtype and device by default."""
        return tensor(data, dtype=dtype or self.dtype, device=self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None):
        """Zeros of `size` with this tensor's dtype and device."""
        size = shape_arg(size)
        return Tensor._make(B.xp_for(self.device).zeros(size, dtype=(B.to_dtype(dtype) if dtype else self.dtype).np))

    def new_ones(self, *size, dtype=None):
        """Ones of `size` with this tensor's dtype and device."""
        size = shape_arg(size)
        return Tensor._make(B.xp_for(self.device).ones(size, dtype=(B.to_dtype(dtype) if dtype else self.dtype).np))

    def new_full(self, size, fill_value, dtype=None):
        """`fill_value` everywhere, with this tensor's dtype and device."""
        return Tensor._make(B.xp_for(self.device).full(tuple(size), fill_value,
                                                        dtype=(B.to_dtype(dtype) if dtype else self.dtype).np))

    def new_empty(self, *size, dtype=None):
        """An (uninitialised: zero-filled) tensor of `size`."""
        return self.new_zeros(*size, dtype=dtype)

    # ------------------------------------------------------------------------------- indexing
    def _key(self, key):
        if isinstance(key, list) and any(
                k is None or k is Ellipsis or isinstance(k, (list, tuple, slice, Tensor)) for k in key):
            key = tuple(key)  # x[[[0, 1], [1, 2]]] means x[[0, 1], [1, 2]], as in PyTorch
        if not isinstance(key, tuple):
            key = (key,)
        xp = B.xp_for(self.device)
        out = []
        for k in key:
            if isinstance(k, Tensor):
                k = k.array
            elif isinstance(k, (list, B.np.ndarray)) or B.is_array(k):
                if isinstance(k, list):
                    k = B.np.asarray(k, dtype=None if k else B.np.int64)  # [] selects nothing
                k = xp.asarray(B.to_device(k, self.device))
            elif isinstance(k, bool):
                k = xp.asarray(k)  # True adds a dimension of size 1, False one of size 0
            if B.is_array(k) and k.dtype == B.np.uint8:
                k = k.astype(bool)  # PyTorch treats a uint8 index as a (legacy) mask
            if B.is_array(k):
                if k.dtype.kind not in "biu":
                    raise IndexError(f"tensors used as indices must be long, int or bool tensors, "
                                     f"got {k.dtype}")
                if B.device_of(k) != self.device:
                    k = B.to_device(k, self.device)
            elif not (k is None or k is Ellipsis or isinstance(k, (slice, numbers.Integral))):
                raise IndexError(f"unsupported index of type {type(k).__name__}: use ints, slices, "
                                 f"None, Ellipsis, integer or boolean tensors")
            elif isinstance(k, slice) and k.step is not None and k.step <= 0:
                raise ValueError(f"index: slice step must be greater than zero, got {k.step} (use "
                                 f"flip() to reverse)")
            out.append(k)
        key = tuple(out)
        check_index_bounds(key, self.shape)
        if not I.is_advanced(key) and not any(k is Ellipsis for k in key):
            key = key + (Ellipsis,)  # so a full integer index gives a 0-d view, not a NumPy scalar
        return key

    def __getitem__(self, key):
        key = self._key(key)
        out = I.GetItem.apply(self, key)
        if not I.is_advanced(key):  # basic indexing gives a view sharing memory and version
            mark_view(out, self, "index", key)
        return out

    def __setitem__(self, key, value):
        key = self._key(key)
        if isinstance(value, Tensor) and value.device != self.device:
            raise RuntimeError(f"setitem: value is on {value.device} but the tensor is on {self.device}")
        if self._check_inplace(value):
            if isinstance(value, Tensor) and value.dtype != self.dtype:
                value = value.to(self.dtype)
            out = I.SetItem.apply(self, value, key)
            self._bump()
            self._take_graph(out)
            return
        try:
            self.array[key] = value.array if isinstance(value, Tensor) else value
        except ValueError as exc:
            raise RuntimeError(f"setitem: {exc} (tensor shape {self.shape})") from None
        self._bump()


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of data (Python floats give float32, ints int64, bools bool).

    Args:
        data: a number, a (nested) list or tuple, a NumPy/CuPy array or a Tensor.
        dtype: the dtype (None: inferred from data as described; NumPy arrays keep theirs).
        device: where the tensor lives (None: data's device for a Tensor or CuPy array, else the
            default device).
        requires_grad: make it a leaf that records operations for autograd. Default: False.

    Example:
        >>> minigrad.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> minigrad.tensor([0.5, 1.0], dtype=minigrad.float64, requires_grad=True)
        tensor([0.5000, 1.0000], dtype=minigrad.float64, requires_grad=True)
    """
    dt = B.to_dtype(dtype) if dtype is not None else None
    # a Tensor or CuPy array keeps its device; Python data and NumPy arrays go to the default device
    dev = B.as_device(device) if device is not None else (
        data.device if isinstance(data, Tensor) else
        B.CUDA if B.is_array(data) and B.device_of(data) == B.CUDA else None)
    t = Tensor._make(_to_array(data, dt, dev))
    if requires_grad:
        t.requires_grad = True
    return t


def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but returns data itself (no copy) when it is a Tensor of that dtype and device.

    Args:
        data: a number, a sequence, an array or a Tensor.
        dtype: the dtype wanted (None: keep or infer).
        device: the device wanted (None: keep or the default).

    Example:
        >>> t = minigrad.tensor([1.0, 2.0])
        >>> minigrad.as_tensor(t) is t, minigrad.as_tensor(t, dtype=minigrad.float64) is t
        (True, False)
    """
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype) and (
            device is None or data.device == device):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr):
    """A cpu tensor sharing memory with a NumPy array: writes to one show in the other.

    Args:
        arr: a numpy.ndarray (its dtype is kept).

    Example:
        >>> import numpy as np
        >>> a = np.array([1.0, 2.0])
        >>> t = minigrad.from_numpy(a)
        >>> a[0] = 5.0
        >>> t
        tensor([5., 2.], dtype=minigrad.float64)
    """
    if not isinstance(arr, B.np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(arr).__name__}")
    if not arr.dtype.isnative:
        raise ValueError(f"from_numpy: the array's byte order ({arr.dtype}) is not the machine's; "
                         f"memory cannot be shared: use tensor(arr), which converts")
    B.dtype_of(arr)
    return Tensor._make(arr)


def shape_arg(shape):
    """A shape given as ints, one tuple / list of ints, or one-element integer tensors -> tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(s.item() if isinstance(s, Tensor) and s.numel() == 1 and s.array.dtype.kind in "iu"
                  else s for s in shape)
    for s in shape:
        if not isinstance(s, (int, B.np.integer)) or isinstance(s, bool):
            raise TypeError(f"shape must be a sequence of ints, got {shape!r}")
    return tuple(int(s) for s in shape)


# The engine creates tensors (Function outputs, gradients for hooks, autograd.grad's results) but sits
# below this module; this call is how it learns the class (see autograd.register_tensor_class).
register_tensor_class(Tensor)
