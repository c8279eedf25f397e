"""Gradient clipping: clip_grad_norm_ (by total norm) and clip_grad_value_ (elementwise)."""
from __future__ import annotations

from typing import Iterable, Optional, Union
import math

from ... import backend as B
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(arr, p):
    """The p-norm of a flattened array, as torch.linalg.vector_norm (p may be inf, -inf or 0)."""
    xp = B.get_array_module(arr)
    a = abs(arr.reshape(-1))
    if p == math.inf:
        return a.max() if a.size else xp.zeros((), dtype=a.dtype)
    if p == -math.inf:
        return a.min()
    if p == 0:
        return (a != 0).sum().astype(a.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return xp.sqrt((a * a).sum())
    return (a ** p).sum() ** (1.0 / p)


def clip_grad_norm_(parameters: Union[Tensor, Iterable[Tensor]], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: Optional[bool] = None) -> Tensor:
    """Rescales all gradients in place so that their joint p-norm is at most max_norm.

    With `n = ‖(g_1, ..., g_k)‖_p`, the norm of all gradients concatenated into
    one vector, every gradient becomes `g_i · min(1, max_norm / (n + 1e-6))`.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without a grad are skipped).
        max_norm: the largest allowed norm.
        norm_type: p of the p-norm; may be ``float('inf')``. Default: 2.
        error_if_nonfinite: raise RuntimeError if the norm is nan or inf. Default: False.
        foreach: accepted for PyTorch compatibility; ignored.

    Returns:
        The total norm before clipping, a 0-d Tensor.

    Example:
        >>> w = nn.Parameter(minigrad.zeros(2))
        >>> w.grad = minigrad.tensor([3.0, 4.0])
        >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(5.)
        >>> w.grad
        tensor([0.6000, 0.8000])
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(B.xp_for(None).zeros((), dtype=B.default_float().np))
    xp = B.get_array_module(grads[0].array)
    per_grad = xp.stack([_vector_norm(g.array, norm_type) for g in grads])
    total = _vector_norm(per_grad, norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           f"non-finite, so it cannot be clipped. To disable this error and scale the "
                           f"gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    if coef != 1.0 or not math.isfinite(float(total)):
        with B.np.errstate(invalid="ignore"):  # inf * 0 gives nan silently, as in PyTorch
            for g in grads:
                g.array *= g.array.dtype.type(coef)
                g._bump()
    return Tensor._make(xp.asarray(total))


def clip_grad_value_(parameters: Union[Tensor, Iterable[Tensor]], clip_value: float,
                     foreach: Optional[bool] = None) -> None:
    """Clamps every gradient element into [-clip_value, clip_value], in place.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without a grad are skipped).
        clip_value: the largest allowed magnitude.
        foreach: accepted for PyTorch compatibility; ignored.

    Example:
        >>> w = nn.Parameter(minigrad.zeros(3))
        >>> w.grad = minigrad.tensor([-2.0, 0.5, 3.0])
        >>> nn.utils.clip_grad_value_(w, 1.0)
        >>> w.grad
        tensor([-1.0000,  0.5000,  1.0000])
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        B.get_array_module(g.array).clip(g.array, -clip_value, clip_value, out=g.array)
        g._bump()
