"""Argument checks shared by nn.functional's layers, activations and losses (loss_functional.py)."""
from __future__ import annotations

import warnings

from .. import backend as B
from ..tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


# --------------------------------------------------------------------------------- helpers
def _check_tensor(x, name, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: argument '{name}' must be a minigrad Tensor, not {type(x).__name__}")


def _reduction(size_average, reduce, reduction, op):
    """Resolve the legacy size_average / reduce flags into a reduction string and validate it."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected 'none', "
                         f"'mean' or 'sum')")
    return reduction


def _const_array(t, ref, name, op):
    """A weight-like argument (Tensor, array or None) as a backend array in ref's dtype and device."""
    if t is None:
        return None
    arr = t.array if isinstance(t, Tensor) else t
    if not B.is_array(arr):
        arr = B.to_device(B.np.asarray(arr), ref.device)
    if B.device_of(arr) != ref.device:
        raise RuntimeError(f"{op}: {name} is on {B.device_of(arr)} but the input is on {ref.device}")
    return arr.astype(ref.array.dtype, copy=False)


def _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _float_input(input, op):
    _check_tensor(input, "input", op)
    if not input.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype}")
