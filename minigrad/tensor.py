"""Tensor: a backend array plus the autograd bookkeeping (grad, grad_fn, version) and its operators."""
import builtins
import numbers
import weakref

from . import backend as B
from . import ops
from ._tensor_str import tensor_repr
from .autograd import backward as _run_backward, is_grad_enabled
from .ops import index as I
from .ops.index import check_index_bounds

__all__ = ["Tensor", "tensor", "as_tensor", "from_numpy"]

_ndarray = B.np.ndarray
builtins_any = builtins.any


class _Version:
    """A counter of in-place modifications, shared by a tensor and its views."""
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class _HookHandle:
    def __init__(self, hooks, fn):
        self.hooks, self.fn = hooks, fn

    def remove(self):
        """Unregister the hook."""
        if self.fn in self.hooks:
            self.hooks.remove(self.fn)


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
                            f"{arr.dtype} values: expected numbers or bools")
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


def _contains_tensor(seq):
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
               for x in seq)


def _untensor(seq):
    return [x.tolist() if isinstance(x, Tensor) else _untensor(x) if isinstance(x, (list, tuple))
            else x for x in seq]


class Tensor:
    """An n-dimensional array on cpu (NumPy) or cuda (CuPy) that records operations for autograd.

    Like ``torch.Tensor``: ``Tensor(2, 3)`` makes a (zero-filled) float32 tensor of that shape, and
    ``Tensor([1, 2])`` a float32 tensor from data.
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
        self._version = _Version()
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
        t._version = _Version()
        t._hooks = None
        t._base = None
        return t

    # ------------------------------------------------------------------------------ attributes
    @property
    def data(self):
        """The raw backend array (NumPy or CuPy) holding this tensor's values (same as `.array`)."""
        return self.array

    @data.setter
    def data(self, value):
        self.array = value

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
        return self.shape[ops.normalize_dim(dim, self.ndim, "size")]

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

    # ------------------------------------------------------------------------------ conversion
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
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
                out = ops.E.ToDevice.apply(out, dev)
        if dtype is not None:
            dt = B.to_dtype(dtype)
            if dt != out.dtype:
                out = ops.E.Cast.apply(out, dt.np)
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
        return _Clone.apply(self)

    def contiguous(self):
        """This tensor (minigrad keeps no stride state that needs it)."""
        return self

    def new_tensor(self, data, dtype=None, requires_grad=False):
        """A new tensor from data, with this tensor's dtype and device by default."""
        return tensor(data, dtype=dtype or self.dtype, device=self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None):
        """Zeros of `size` with this tensor's dtype and device."""
        size = ops._shape_arg(size)
        return Tensor._make(B.xp_for(self.device).zeros(size, dtype=(B.to_dtype(dtype) if dtype else self.dtype).np))

    def new_ones(self, *size, dtype=None):
        """Ones of `size` with this tensor's dtype and device."""
        size = ops._shape_arg(size)
        return Tensor._make(B.xp_for(self.device).ones(size, dtype=(B.to_dtype(dtype) if dtype else self.dtype).np))

    def new_full(self, size, fill_value, dtype=None):
        """`fill_value` everywhere, with this tensor's dtype and device."""
        return Tensor._make(B.xp_for(self.device).full(tuple(size), fill_value,
                                                        dtype=(B.to_dtype(dtype) if dtype else self.dtype).np))

    def new_empty(self, *size, dtype=None):
        """An (uninitialised: zero-filled) tensor of `size`."""
        return self.new_zeros(*size, dtype=dtype)

    # -------------------------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=False, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the .grad of every leaf that requires grad."""
        if create_graph:
            raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
        _run_backward([self], [gradient], retain_graph=bool(retain_graph), inputs=inputs)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep .grad for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        node = self.grad_fn
        return bool(node is not None and node._retained and self._output_nr in node._retained)

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._hooks is None:
                node._hooks = {}
            hooks = node._hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # ------------------------------------------------------------------------------- in-place
    def _bump(self):
        self._version.value += 1

    def _check_inplace(self, *others):
        """Decide how to run an in-place op: False = plain write, True = record in the graph."""
        if not is_grad_enabled():
            return False
        if self._base is not None:
            if self._view_ver != self._version.value:
                self._sync_view()
            root = self._base[0]
            while root._base is not None:
                root = root._base[0]
            if root._requires_grad and root.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            if root._requires_grad and not self._requires_grad:
                raise RuntimeError("a view of a tensor that requires grad was created in no_grad mode "
                                   "and is being modified in-place with grad mode enabled; clone() it "
                                   "or modify it under no_grad")
        elif self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        record = self._requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)
        if record and self._base is not None and self._base[1] == "expand":
            raise RuntimeError(f"in-place operation on an expanded tensor of shape {self.shape}: more "
                               f"than one element refers to the same memory location; clone() it first")
        return record

    def _rebase(self, out):
        """Make this tensor take the value and the graph position of `out` (in-place semantics)."""
        if out.shape != self.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                               f"shape {list(out.shape)}")
        node = out.grad_fn
        if node is not None and node._saved:  # `out` saved our old values: keep a copy of them
            node._saved = tuple(s.copy() if s is self.array else s for s in node._saved)
            node._checks = tuple(c for c in node._checks if c[2] is not self.array)
        if out.array is not self.array:
            self._write(out.array)
        self._bump()
        if node is not None:
            self._take_graph(out)
        return self

    def _write(self, values):
        try:
            self.array[...] = values
        except ValueError:
            if getattr(self.array.flags, "writeable", True):
                raise
            raise RuntimeError(f"in-place operation on a read-only (expanded) tensor of shape "
                               f"{self.shape}; clone() it first") from None

    def _take_graph(self, out):
        """After an in-place change recorded as `out`, point this tensor (and its bases) at it."""
        self.grad_fn, self._output_nr, self._requires_grad = out.grad_fn, out._output_nr, True
        if self._base is not None:
            t = self
            while t._base is not None:  # every view in the chain is up to date with the write
                t._view_ver = t._version.value
                t = t._base[0]
            self._write_back()

    def _write_back(self):
        """Give this view's base a graph that includes the in-place change (PyTorch's CopySlices)."""
        base, kind, arg = self._base
        if kind == "index":
            out = I.SetItem.apply(base, self, arg, False)  # the data is shared: record, don't copy
        elif kind == "reshape":
            out = ops.S.Reshape.apply(self, base.shape)
        else:  # permute
            inverse = [0] * len(arg)
            for i, ax in enumerate(arg):
                inverse[ax] = i
            out = ops.S.Permute.apply(self, tuple(inverse))
        base._take_graph(out)

    def _sync_view(self):
        """Rebuild this view's graph from its base after the base (or a sibling view) changed in place."""
        if not is_grad_enabled():
            return
        base, kind, arg = self._base
        if base._base is not None and base._view_ver != base._version.value:
            base._sync_view()
        self._view_ver = self._version.value
        if not base._requires_grad:
            return
        if kind == "index":
            new = I.GetItem.apply(base, arg)
        elif kind == "permute":
            new = ops.S.Permute.apply(base, arg)
        elif kind == "expand":
            new = ops.S.Expand.apply(base, self.shape)
        else:
            new = ops.S.Reshape.apply(base, self.shape)
        self.grad_fn, self._output_nr, self._requires_grad = new.grad_fn, 0, True

    def _inplace(self, fn, other, xp_fn):
        if self._check_inplace(other):
            return self._rebase(fn(self, other))
        o = other.array if isinstance(other, Tensor) else other
        try:
            xp_fn(self.array, o)
        except ValueError:
            if not getattr(self.array.flags, "writeable", True):
                raise RuntimeError(f"in-place operation on a read-only (expanded) tensor of shape "
                                   f"{self.shape}; clone() it first") from None
            raise RuntimeError(f"in-place op: the shape {tuple(getattr(o, 'shape', ()))} cannot be "
                               f"broadcast to the output shape {self.shape}") from None
        self._bump()
        return self

    def add_(self, other, alpha=1):
        """self += alpha * other."""
        if alpha != 1:
            other = other * alpha
        return self._inplace(ops.add, other, _iadd)

    def sub_(self, other, alpha=1):
        """self -= alpha * other."""
        if alpha != 1:
            other = other * alpha
        return self._inplace(ops.sub, other, _isub)

    def mul_(self, other):
        """self *= other."""
        return self._inplace(ops.mul, other, _imul)

    def div_(self, other):
        """self /= other."""
        return self._inplace(ops.div, other, _idiv)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def clamp_(self, min=None, max=None):
        """Clamp in place."""
        if self._check_inplace():
            return self._rebase(ops.clamp(self, min, max))
        self._write(ops.clamp(self.detach(), min, max).array)
        self._bump()
        return self

    def masked_fill_(self, mask, value):
        """Write `value` where mask is true, in place."""
        if self._check_inplace(value):
            return self._rebase(ops.masked_fill(self, mask, value))
        out = ops.masked_fill(self.detach(), mask, value)
        self.array[...] = out.array
        self._bump()
        return self

    def copy_(self, src):
        """Copy src's values (broadcast, cast, moved across devices) into this tensor."""
        if self._check_inplace(src):
            return self._rebase(ops.add(ops.mul(self, 0), src.to(self.dtype)))
        s = src.array if isinstance(src, Tensor) else src
        s = B.to_device(s, self.device) if B.is_array(s) else s
        try:
            self.array[...] = s
        except ValueError:
            raise RuntimeError(f"copy_: the source of shape {tuple(getattr(s, 'shape', ()))} cannot be "
                               f"broadcast to {self.shape}") from None
        self._bump()
        return self

    def fill_(self, value):
        """Set every element to `value`, in place."""
        if self._check_inplace(value):
            return self._rebase(ops.add(ops.mul(self, 0), value))
        self.array[...] = value.item() if isinstance(value, Tensor) else value
        self._bump()
        return self

    def zero_(self):
        """Set every element to zero, in place."""
        return self.fill_(0)

    def uniform_(self, a=0.0, b=1.0):
        """Fill with samples from U(a, b), in place."""
        self._check_inplace()
        self.array[...] = B.random_uniform(self.shape, self.array.dtype, self.device, a, b)
        self._bump()
        return self

    def normal_(self, mean=0.0, std=1.0):
        """Fill with samples from N(mean, std^2), in place."""
        self._check_inplace()
        self.array[...] = B.random_normal(self.shape, self.array.dtype, self.device, mean, std)
        self._bump()
        return self

    def bernoulli_(self, p=0.5):
        """Fill with 1 with probability p, else 0, in place."""
        self._check_inplace()
        self.array[...] = B.random_uniform(self.shape, B.np.float64, self.device) < p
        self._bump()
        return self

    # ------------------------------------------------------------------------------- indexing
    def _key(self, key):
        if isinstance(key, list) and builtins_any(
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
        if not I.is_advanced(key) and not builtins_any(k is Ellipsis for k in key):
            key = key + (Ellipsis,)  # so a full integer index gives a 0-d view, not a NumPy scalar
        return key

    def __getitem__(self, key):
        key = self._key(key)
        out = I.GetItem.apply(self, key)
        if not I.is_advanced(key):  # basic indexing gives a view sharing memory and version
            out._version = self._version
            out._base = (self, "index", key)
            out._view_ver = self._version.value
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

    # ------------------------------------------------------------------------------- operators
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.pow(other, self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        return ops.remainder(self, other)

    def __rmod__(self, other):
        return ops.remainder(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(ops.as_tensor_like(other, self), self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __eq__(self, other):
        if not _comparable(other):
            return NotImplemented  # Python then compares identities: t == None is False
        return ops.eq(self, other)

    def __ne__(self, other):
        if not _comparable(other):
            return NotImplemented
        return ops.ne(self, other)

    def __lt__(self, other):
        return ops.lt(self, other)

    def __le__(self, other):
        return ops.le(self, other)

    def __gt__(self, other):
        return ops.gt(self, other)

    def __ge__(self, other):
        return ops.ge(self, other)

    def __invert__(self):
        if self.array.dtype.kind == "f":
            raise TypeError(f"~ (bitwise not) is only supported on integer and bool tensors, got "
                            f"{self.dtype}")
        return Tensor._make(~self.array)

    def __and__(self, other):
        return Tensor._make(self.array & (other.array if isinstance(other, Tensor) else other))

    def __or__(self, other):
        return Tensor._make(self.array | (other.array if isinstance(other, Tensor) else other))

    def __xor__(self, other):
        return Tensor._make(self.array ^ (other.array if isinstance(other, Tensor) else other))


def _comparable(x):
    return isinstance(x, (Tensor, numbers.Number, list, tuple)) or B.is_array(x)


def _iadd(a, b):
    a += b


def _isub(a, b):
    a -= b


def _imul(a, b):
    a *= b


def _idiv(a, b):
    a /= b


class _Clone(I.Op):
    node = "Clone"

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def _method(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _name in ["add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "sin", "cos",
              "tanh", "sigmoid", "relu", "clamp", "clip", "maximum", "minimum", "matmul", "mm",
              "bmm", "dot", "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax",
              "argmin", "logsumexp", "softmax", "log_softmax", "reshape", "view", "transpose",
              "permute", "squeeze", "unsqueeze", "expand", "flatten", "split", "chunk", "unbind",
              "flip", "gather", "index_select", "masked_fill", "eq", "ne", "lt", "le", "gt", "ge",
              "isnan", "isinf", "isfinite", "all", "any", "allclose", "equal", "sign", "floor",
              "ceil", "round", "topk", "sort", "argsort", "cumsum", "outer", "nonzero", "floor_divide",
              "remainder", "prod", "norm", "narrow", "movedim", "swapaxes", "repeat", "tile", "unflatten",
              "roll"]:
    setattr(Tensor, _name, _method(getattr(ops, _name)))
Tensor.true_divide = Tensor.div
Tensor.multiply = Tensor.mul
Tensor.subtract = Tensor.sub


def _expand_as(self, other):
    """Expand to other's shape."""
    return self.expand(*other.shape)


def _view_as(self, other):
    """Reshape to other's shape."""
    return self.view(*other.shape)


def _where(self, condition, other):
    """condition ? self : other."""
    return ops.where(condition, self, other)


def _t(self):
    """Transpose of a 1-D or 2-D tensor."""
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return self.T


Tensor.expand_as = _expand_as
Tensor.view_as = _view_as
Tensor.reshape_as = _view_as
Tensor.where = _where
Tensor.t = _t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of `data` (floats give float32, ints int64, unless `dtype`)."""
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
    """Like tensor(), but returns `data` itself when it is already a matching Tensor."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype) and (
            device is None or data.device == device):
        return data
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(arr, B.np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(arr).__name__}")
    if not arr.dtype.isnative:
        raise ValueError(f"from_numpy: the array's byte order ({arr.dtype}) is not the machine's; "
                         f"memory cannot be shared: use tensor(arr), which converts")
    B.dtype_of(arr)
    return Tensor._make(arr)


from . import autograd as _autograd  # noqa: E402
_autograd._Tensor = ops._Tensor = Tensor
