"""minigrad.nn.init: in-place weight initialisers with torch.nn.init's names, formulas and defaults.

All draw from minigrad's random generator (so `minigrad.manual_seed` reproduces them) and run
under no_grad, so they can fill parameters that require grad.
"""
from __future__ import annotations

from typing import Optional
import math
import warnings

from .. import backend as B
from ..autograd import no_grad
from ..errors import ArgumentError
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_"]

_LINEAR_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The recommended gain for a nonlinearity, used to scale initialisations.

    1 for linear, conv and sigmoid; 5/3 for tanh; √2 for relu; `√(2 / (1 + slope²))` for leaky_relu
    (slope default 0.01); 3/4 for selu.

    Args:
        nonlinearity: the function's name, e.g. 'relu', 'tanh', 'leaky_relu', 'linear'.
        param: the negative slope for 'leaky_relu' (optional).

    Example:
        >>> nn.init.calculate_gain('tanh')
        1.6666666666666667
        >>> round(nn.init.calculate_gain('leaky_relu', 0.2), 4)
        1.3868
    """
    if nonlinearity in _LINEAR_GAIN:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) = (size(1), size(0)) times the receptive field prod(shape[2:])."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, arr):
    """Write `arr` into the tensor's data without recording a graph."""
    with no_grad():
        tensor.array[...] = arr
        tensor._bump()
    return tensor


def _uniform(tensor, a, b):
    return _fill(tensor, B.random_uniform(tensor.shape, tensor.array.dtype, tensor.device, a, b))


def _normal(tensor, mean, std):
    return _fill(tensor, B.random_normal(tensor.shape, tensor.array.dtype, tensor.device, mean, std))


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fills the tensor with samples from the uniform distribution U(a, b); returns it.

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).
        a: the lower bound. Default: 0.
        b: the upper bound. Default: 1.

    Example:
        >>> w = minigrad.empty(3, 5)
        >>> x = nn.init.uniform_(w, -0.1, 0.1)
        >>> bool((w.abs() <= 0.1).all())
        True
    """
    if not a <= b:  # also catches NaN bounds
        raise ArgumentError(f"uniform_ expects a range [a, b) with a <= b, but got a={a}, b={b}")
    return _uniform(tensor, a, b)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fills the tensor with samples from N(mean, std²); returns it.

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).
        mean: the mean. Default: 0.
        std: the standard deviation. Default: 1.

    Example:
        >>> w = nn.init.normal_(minigrad.empty(10000), mean=3.0, std=0.5)
        >>> round(w.mean().item(), 1)
        3.0
    """
    if not std >= 0:  # also catches a NaN std
        raise ArgumentError(f"normal_ expects std >= 0.0, but got std={std}")
    return _normal(tensor, mean, std)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fills the tensor with the value val; returns it.

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).
        val: the value.

    Example:
        >>> nn.init.constant_(minigrad.empty(3), 0.3)
        tensor([0.3000, 0.3000, 0.3000])
    """
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fills the tensor with 0; returns it.

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).

    Example:
        >>> nn.init.zeros_(minigrad.empty(2))
        tensor([0., 0.])
    """
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fills the tensor with 1; returns it.

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).

    Example:
        >>> nn.init.ones_(minigrad.empty(2))
        tensor([1., 1.])
    """
    return _fill(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """Fills a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere); returns it.

    Args:
        tensor: a 2-D Tensor, filled in place.

    Example:
        >>> nn.init.eye_(minigrad.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, B.xp_for(tensor.device).eye(*tensor.shape, dtype=tensor.array.dtype))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot/Xavier uniform init (Glorot & Bengio, 2010): samples from U(-a, a), with

        a = gain · √(6 / (fan_in + fan_out))

    where fan_in = tensor.shape[1] · r and fan_out = tensor.shape[0] · r, with r the product of shape[2:]
    (the receptive field, 1 for a Linear weight).

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).
        gain: a scale factor (see `calculate_gain`). Default: 1.

    Example:
        >>> w = minigrad.empty(3, 5)
        >>> x = nn.init.xavier_uniform_(w)
        >>> bool((w.abs() <= (6 / (5 + 3)) ** 0.5).all())
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _uniform(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot/Xavier normal init: samples from N(0, std²), with

        std = gain · √(2 / (fan_in + fan_out))

    where fan_in = tensor.shape[1] · r and fan_out = tensor.shape[0] · r, with r the product of shape[2:]
    (the receptive field, 1 for a Linear weight).

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).
        gain: a scale factor (see `calculate_gain`). Default: 1.

    Example:
        >>> w = nn.init.xavier_normal_(minigrad.empty(200, 300))
        >>> round(w.std().item(), 2)
        0.06
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _normal(tensor, 0.0, std)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He/Kaiming uniform init (He et al., 2015): samples from U(-bound, bound), with

        bound = gain · √(3 / fan),  gain = calculate_gain(nonlinearity, a)

    fan is fan_in (keeps the forward pass's variance) or fan_out (the backward pass's), with
    fan_in = tensor.shape[1] · r and fan_out = tensor.shape[0] · r, with r the product of shape[2:]
    (the receptive field, 1 for a Linear weight).

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).
        a: the negative slope of a leaky_relu after this layer. Default: 0.
        mode: 'fan_in' (default) or 'fan_out'.
        nonlinearity: 'leaky_relu' (default) or 'relu', ...

    Example:
        >>> w = minigrad.empty(3, 5)
        >>> x = nn.init.kaiming_uniform_(w, nonlinearity='relu')
        >>> bool((w.abs() <= (2 ** 0.5) * (3 / 5) ** 0.5).all())
        True
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return _uniform(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He/Kaiming normal init: samples from N(0, std²), with

        std = gain / √fan,  gain = calculate_gain(nonlinearity, a)

    and fan as in `kaiming_uniform_`.

    Args:
        tensor: the Tensor to fill in place (no graph is recorded).
        a: the negative slope of a leaky_relu after this layer. Default: 0.
        mode: 'fan_in' (default) or 'fan_out'.
        nonlinearity: 'leaky_relu' (default) or 'relu', ...

    Example:
        >>> w = nn.init.kaiming_normal_(minigrad.empty(300, 200), nonlinearity='relu')
        >>> round(w.std().item(), 2)
        0.1
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    return _normal(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


def orthogonal_(tensor: Tensor, gain: float = 1) -> Tensor:
    """Fills the tensor with gain times a (semi-)orthogonal matrix: Q of the QR decomposition of a
    normal matrix (dims after the first are flattened); rows or columns come out orthonormal.

    Args:
        tensor: a Tensor with at least 2 dims, filled in place.
        gain: a scale factor. Default: 1.

    Example:
        >>> w = nn.init.orthogonal_(minigrad.empty(3, 5))
        >>> minigrad.allclose(w @ w.T, minigrad.eye(3), atol=1e-5)
        True
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = B.xp_for(tensor.device)
    flat = B.random_normal((rows, cols), B.np.float64, tensor.device)
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diag(r))  # make the decomposition unique (positive diagonal of r)
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape).astype(tensor.array.dtype))
