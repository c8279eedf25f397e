"""PyTorch's older Tensor API, kept because real programs use it: the in-place shape ops
(unsqueeze_, squeeze_, transpose_, t_), ``t.new(...)`` and the typed construction behind
``minigrad.LongTensor`` & co.  The methods are bound by the table in `minigrad.ops.methods`.

An in-place shape op changes the tensor's own shape, keeping its storage, bumps its version and,
when the tensor is part of a graph, makes it the output of the corresponding view op, as in PyTorch.
"""
import numbers

from .. import backend as B
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor, tensor

def _restyle(t, out, name, keeps_reshape):
    """Give `t` the storage view and graph position of `out` (its reshaped or transposed self)."""
    if t._base is not None and not _in_graph(t):
        t._base = None  # no graph to keep in step with the base: only the shared memory matters
    if t._base is not None:
        kind = t._base[1]
        if not (kind == "reshape" and keeps_reshape):
            raise RuntimeError(f"{name}: changing the shape in place of a view made by "
                               f"{'indexing' if kind == 'index' else kind} is not supported in "
                               f"minigrad; use the out-of-place {name[:-1]}() instead")
    if is_grad_enabled() and t._requires_grad and t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    t.array = out.array
    t._bump()
    if out.grad_fn is not None:
        t.grad_fn, t._output_nr = out.grad_fn, out._output_nr
    if t._base is not None:
        t._view_ver = t._version.value
    return t


def _in_graph(view):
    """True when `view` or any tensor it is a view of requires grad."""
    t = view
    while t is not None:
        if t._requires_grad:
            return True
        t = t._base[0] if t._base is not None else None
    return False


def unsqueeze_(self, dim):
    """Insert a dimension of size 1 at `dim`, in place."""
    return _restyle(self, self.unsqueeze(dim), "unsqueeze_", True)


def squeeze_(self, dim=None):
    """Remove dimensions of size 1 (all, or only `dim`), in place."""
    out = self.squeeze() if dim is None else self.squeeze(dim)
    return _restyle(self, out, "squeeze_", True)


def transpose_(self, dim0, dim1):
    """Swap dimensions dim0 and dim1, in place."""
    return _restyle(self, self.transpose(dim0, dim1), "transpose_", False)


def t_(self):
    """Transpose a tensor of at most 2 dimensions, in place."""
    return _restyle(self, self.t(), "t_", False)


def construct_typed(name, dt, args, device):
    """What the legacy typed constructors (LongTensor(...), t.new(...)) build: from sizes (zeros),
    from data (cast, integers truncating toward zero), from a tensor of that dtype (its storage)."""
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


def new(self, *args, device=None):
    """Legacy ``t.new(*sizes)`` / ``t.new(data)`` / ``t.new()``: a new tensor with t's dtype and device
    (from sizes: zero-filled, where PyTorch leaves the memory uninitialised)."""
    return construct_typed("new", self.dtype, args, self.device if device is None else device)
