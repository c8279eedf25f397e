"""What every primitive shares: the `Op` base class, broadcast error messages and dim normalisation.

A primitive is one differentiable operation on backend arrays (NumPy or CuPy): a `forward` that
computes the result and a `backward` that turns the output's gradient into the inputs' gradients,
written side by side.  Primitives know nothing about `Tensor`: the engine (`minigrad.autograd`)
unwraps tensors into arrays before `forward` and wraps the results afterwards.
"""
import sys

from .. import backend as B
from ..autograd import Function

__all__ = ["Op", "shape_of", "broadcast_error", "normalize_dim", "normalize_dims"]


class Op(Function):
    """A built-in op: forward and backward work on backend arrays (numpy or cupy).

    forward(ctx, *arrays, **options) returns the result array(s); backward(ctx, *output_grads)
    returns one gradient array (or None) per input, in the order of forward's arguments.  A
    gradient may keep the broadcast shape of the output: the engine sums it down to the input's
    shape (`autograd.sum_to`), so binary ops need no reduction of their own.
    """
    node = None   # PyTorch's name for the node where it differs from the class name (e.g. 'Mm')
    overload = 0  # PyTorch numbers the nodes of an op's overloads: SumBackward0 / SumBackward1

    def name(self):
        """The node's name as PyTorch shows it in `grad_fn` (e.g. 'MulBackward0')."""
        return f"{self.node or type(self).__name__}Backward{self.overload}"

    # the engine's two hooks: forward sees the tensors' arrays, backward returns a tuple of arrays
    @classmethod
    def _forward(cls, ctx, args, arrays, kwargs):
        return cls.forward(ctx, *arrays, **kwargs)

    def _backward(self, grads):
        out = self.backward(self, *grads)
        return out if isinstance(out, tuple) else (out,)


def shape_of(x):
    """The shape of an array, or () for a Python scalar operand."""
    return getattr(x, "shape", ())


def broadcast_error(op, a, b):
    """The error to raise for a ValueError from a binary op: a clear one for a shape mismatch."""
    try:
        B.np.broadcast_shapes(tuple(shape_of(a)), tuple(shape_of(b)))
    except ValueError:
        return RuntimeError(f"{op}: the shapes {tuple(shape_of(a))} and {tuple(shape_of(b))} cannot "
                            f"be broadcast together")
    return sys.exc_info()[1]  # the shapes were fine: keep the original error


def normalize_dim(dim, ndim, op="op"):
    """Turn an int (possibly negative) into a valid axis, raising IndexError like PyTorch."""
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)


def normalize_dims(dim, ndim, op="op"):
    """None -> all axes; int or sequence -> a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        axes = [normalize_dim(d, ndim, op) for d in dim]
        for i, ax in enumerate(axes):
            if ax in axes[:i]:
                raise RuntimeError(f"{op}: dim {ax} appears multiple times in the list of dims")
        axes = tuple(sorted(axes)) if ndim else ()
        return axes if axes or ndim == 0 else tuple(range(ndim))
    return (normalize_dim(dim, ndim, op),) if ndim else ()
