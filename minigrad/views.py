"""PyTorch's view and in-place bookkeeping, as a base class of Tensor.

A view (a slice, transpose, reshape or expand that shares memory) shares its base's version counter
and remembers how it was made (`_base = (base, kind, arg)`).  An in-place write bumps the counter;
when recorded for autograd it also re-points the tensor (and its bases) at the node that did the write,
and a view whose base changed in place rebuilds its own graph node from the base before it is used
(`_sync_view`, called by the engine).  This is PyTorch's CopySlices / view-replay scheme, reduced to
the four view kinds minigrad has.
"""
from . import backend as B
from .autograd import is_grad_enabled
from .primitives import index as I, shape as S

__all__ = ["Version", "ViewTracking", "mark_view"]


class Version:
    """A counter of in-place modifications, shared by a tensor and its views."""
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def mark_view(out, src, kind, arg=None):
    """Mark `out` as a view of `src` (shared memory and version counter) when it shares memory.

    kind is how to rebuild it from `src`: 'index' (arg = key), 'reshape', 'permute' (arg = axes)
    or 'expand'; an in-place change to the view then updates `src`'s graph as well.
    """
    if out is src or (kind == "reshape" and not B.shares_memory(out.array, src.array)):
        return out
    out._version = src._version
    out._base = (src, kind, arg)
    out._view_ver = src._version.value
    return out


class ViewTracking:
    """The in-place and view machinery of Tensor (no state of its own: Tensor declares the slots)."""
    __slots__ = ()

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
        record = self._requires_grad or any(isinstance(o, ViewTracking) and o.requires_grad for o in others)
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
            out = S.Reshape.apply(self, base.shape)
        else:  # permute
            inverse = [0] * len(arg)
            for i, ax in enumerate(arg):
                inverse[ax] = i
            out = S.Permute.apply(self, tuple(inverse))
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
            new = S.Permute.apply(base, arg)
        elif kind == "expand":
            new = S.Expand.apply(base, self.shape)
        else:
            new = S.Reshape.apply(base, self.shape)
        self.grad_fn, self._output_nr, self._requires_grad = new.grad_fn, 0, True
