"""In-place shape ops: unsqueeze_, squeeze_, transpose_, t_ (bound as Tensor methods).

Each changes the tensor's own shape, keeping its storage, bumps its version and, when the
tensor is part of a graph, makes it the output of the corresponding view op, as in PyTorch
(``y.unsqueeze_(0).grad_fn`` is an UnsqueezeBackward node).
"""
from .autograd import is_grad_enabled
from .tensor import Tensor


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


for _fn in (unsqueeze_, squeeze_, transpose_, t_):
    setattr(Tensor, _fn.__name__, _fn)
