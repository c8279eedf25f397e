"""The recurrent cells, the readable reference path: one time step written with primitive ops.

rnn_tanh_cell, rnn_relu_cell, lstm_cell and gru_cell are PyTorch's equations, one line per gate;
RNNCell, LSTMCell and GRUCell hold their parameters.  The layers in rnn.py run the same functions step by
step when `layer.fused = False`, and otherwise one fused node per layer and direction
(minigrad/primitives/recurrent.py), which the tests check against these cells.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple
import math

from .. import backend as B
from .. import ops
from ..autograd import no_grad
from ..tensor import Tensor
from .module import Module, Parameter

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "rnn_tanh_cell", "rnn_relu_cell",
           "lstm_cell", "gru_cell"]


# ------------------------------------------------------------------------- the cell equations
def _linear(x, w, b):
    out = x.matmul(w.t())
    return out if b is None else out + b


def rnn_tanh_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Optional[Tensor] = None,
                  b_hh: Optional[Tensor] = None) -> Tensor:
    """One Elman step h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh): x (B, I), h (B, H) -> (B, H)."""
    return ops.tanh(_linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh))


def rnn_relu_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Optional[Tensor] = None,
                  b_hh: Optional[Tensor] = None) -> Tensor:
    """One Elman step h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh): x (B, I), h (B, H) -> (B, H)."""
    return ops.relu(_linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh))


def lstm_cell(x: Tensor, hc: Tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor,
              b_ih: Optional[Tensor] = None, b_hh: Optional[Tensor] = None,
              w_hr: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """One LSTM step: x (B, I), (h, c) each (B, H) -> (h', c'), gates in PyTorch's order i, f, g, o.

    i, f, o = sigmoid(.), g = tanh(.) of x W_ih^T + b_ih + h W_hh^T + b_hh;
    c' = f * c + i * g;  h' = o * tanh(c')  (with a projection W_hr (P, H): h' = (o * tanh(c')) W_hr^T).
    """
    h, c = hc
    gates = _linear(x, w_ih, b_ih) + _linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c_new = f * c + i * g
    if w_hr is not None:  # an LSTM with projections (proj_size > 0)
        return _linear(o * c_new.tanh(), w_hr, None), c_new
    return o * c_new.tanh(), c_new


def gru_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Optional[Tensor] = None,
             b_hh: Optional[Tensor] = None) -> Tensor:
    """One GRU step: x (B, I), h (B, H) -> h' (B, H), gates in PyTorch's order r, z, n.

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h.
    """
    x_r, x_z, x_n = _linear(x, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = _linear(h, w_hh, b_hh).chunk(3, 1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * h

def _param(shape, device, dtype):
    dt = B.to_dtype(dtype) if dtype is not None else B.default_float()
    return Parameter(B.xp_for(device).zeros(shape, dtype=dt.np))


def _reset_uniform(module, hidden_size):
    """PyTorch's init: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)) from minigrad's generator."""
    k = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    with no_grad():
        for p in module.parameters():
            p.uniform_(-k, k)


def _check_int(name, value, positive=True):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be greater than zero")


def _same_place(x, h, label):
    """h must live on x's device and have x's dtype (label names it in the error)."""
    if not isinstance(h, Tensor):
        raise TypeError(f"Expected {label} to be a Tensor, got {type(h).__name__}")
    if h.device != x.device:
        raise RuntimeError(f"Input and hidden tensors are not at the same device, found input tensor "
                           f"at {x.device} and hidden tensor at {h.device}")
    if h.dtype != x.dtype:
        raise RuntimeError(f"Expected {label} dtype {x.dtype} (the input's dtype), got {h.dtype}")


def _check_weight_dtype(x, w, name):
    if x.dtype != w.dtype:
        raise ValueError(f"{name} input dtype ({x.dtype}) does not match weight dtype ({w.dtype}). "
                         f"Convert input: input.to({w.dtype}), or convert model: model.to({x.dtype})")
    if x.device != w.device:
        raise RuntimeError(f"Input and parameter tensors are not at the same device, found input "
                           f"tensor at {x.device} and parameter tensor at {w.device}")


# ------------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Parameters and checks shared by the cells: weight_ih (G*H, I), weight_hh (G*H, H), biases (G*H,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _check_int("input_size", input_size)
        _check_int("hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = _param((num_chunks * hidden_size, input_size), device, dtype)
        self.weight_hh = _param((num_chunks * hidden_size, hidden_size), device, dtype)
        if bias:
            self.bias_ih = _param((num_chunks * hidden_size,), device, dtype)
            self.bias_hh = _param((num_chunks * hidden_size,), device, dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        _reset_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _prepare(self, input, hx, n_states):
        """Check input (B, I) or (I,) and the states; return batched input, states and batched flag."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        _check_weight_dtype(input, self.weight_ih, name)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            xp = B.xp_for(x.device)
            zeros = Tensor._make(xp.zeros((x.shape[0], self.hidden_size), dtype=x.array.dtype))
            return x, [zeros] * n_states, batched
        if n_states > 1 and not isinstance(hx, (tuple, list)):
            raise TypeError(f"{name}: expected hx to be a tuple (h_0, c_0) of {n_states} tensors, "
                            f"got {type(hx).__name__}")
        states = list(hx) if n_states > 1 else [hx]
        if len(states) != n_states:
            raise RuntimeError(f"{name}: expected hx to be a tuple of {n_states} tensors, got "
                               f"{len(states)}")
        out = []
        for k, h in enumerate(states):
            _same_place(input, h, f"hidden{k}")
            if h.ndim not in (1, 2):
                label = f"hx[{k}]" if n_states > 1 else "hidden"
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.ndim}D instead")
            if h.ndim != input.ndim:
                raise RuntimeError(f"{name}: for {input.ndim}-D input, hidden{k} should also be "
                                   f"{input.ndim}-D but got {h.ndim}-D tensor")
            h = h if batched else h.unsqueeze(0)
            if h.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{k} batch size "
                                   f"{h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.shape[1]}, "
                                   f"expected {self.hidden_size}")
            out.append(h)
        return x, out, batched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: `h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`.

    Args:
        input_size: number of features in the input x.
        hidden_size: number of features in the hidden state h.
        bias: if False, the cell has no b_ih / b_hh. Default: True.
        nonlinearity: 'tanh' or 'relu'. Default: 'tanh'.
        device: where the parameters live (None: the default device).
        dtype: their floating dtype (None: the default float dtype).

    Shape:
        - input: (B, input_size) or, unbatched, (input_size,).
        - hidden: (B, hidden_size) or (hidden_size,); zeros if not given.
        - output: h', the same shapes as the state.

    Attributes:
        weight_ih: (1*hidden_size, input_size), learnable.
        weight_hh: (1*hidden_size, hidden_size), learnable.
        bias_ih: (1*hidden_size,), learnable (None when bias=False); bias_hh likewise. Every
            parameter is drawn from `U(-√k, √k)`,
            `k = 1 / hidden_size`.

    Example:
        >>> cell = nn.RNNCell(10, 20)
        >>> x, h = minigrad.randn(6, 3, 10), minigrad.zeros(3, 20)
        >>> for t in range(6):
        ...     h = cell(x[t], h)
        >>> h.shape
        (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Any] = None) -> Tensor:
        """input (B, I) or (I,), hx (B, H) or (H,) (zeros if None) -> h' of hx's shape."""
        x, (h,), batched = self._prepare(input, hx, 1)
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        out = cell(x, h, *self._weights())
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, the equations of `LSTM` for a single time step:

        i, f, o = σ(·),   g = tanh(·)  of the four chunks of
            x W_ih^T + b_ih + h W_hh^T + b_hh
        c' = f ⊙ c + i ⊙ g,      h' = o ⊙ tanh(c')

    Args:
        input_size: number of features in the input x.
        hidden_size: number of features in the hidden state h.
        bias: if False, the cell has no b_ih / b_hh. Default: True.
        device: where the parameters live (None: the default device).
        dtype: their floating dtype (None: the default float dtype).

    Shape:
        - input: (B, input_size) or, unbatched, (input_size,).
        - hx = (h, c): (B, hidden_size) or (hidden_size,), each; zeros if not given.
        - output: (h', c'), the same shapes as the state.

    Attributes:
        weight_ih: (4*hidden_size, input_size), learnable.
        weight_hh: (4*hidden_size, hidden_size), learnable.
        bias_ih: (4*hidden_size,), learnable (None when bias=False); bias_hh likewise. Every
            parameter is drawn from `U(-√k, √k)`,
            `k = 1 / hidden_size`.

    Example:
        >>> cell = nn.LSTMCell(10, 20)
        >>> x = minigrad.randn(6, 3, 10)
        >>> h, c = minigrad.zeros(3, 20), minigrad.zeros(3, 20)
        >>> for t in range(6):
        ...     h, c = cell(x[t], (h, c))
        >>> h.shape, c.shape
        ((3, 20), (3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: Optional[Any] = None) -> Tuple[Tensor, Tensor]:
        """input (B, I) or (I,), hx = (h, c) each (B, H) or (H,) (zeros if None) -> (h', c')."""
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = lstm_cell(x, (h, c), *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step, the equations of `GRU` for a single time step:

        r = σ(x W_ir^T + b_ir + h W_hr^T + b_hr),
        z = σ(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r ⊙ (h W_hn^T + b_hn)),
        h' = (1 - z) ⊙ n + z ⊙ h

    Args:
        input_size: number of features in the input x.
        hidden_size: number of features in the hidden state h.
        bias: if False, the cell has no b_ih / b_hh. Default: True.
        device: where the parameters live (None: the default device).
        dtype: their floating dtype (None: the default float dtype).

    Shape:
        - input: (B, input_size) or, unbatched, (input_size,).
        - hidden: (B, hidden_size) or (hidden_size,); zeros if not given.
        - output: h', the same shapes as the state.

    Attributes:
        weight_ih: (3*hidden_size, input_size), learnable.
        weight_hh: (3*hidden_size, hidden_size), learnable.
        bias_ih: (3*hidden_size,), learnable (None when bias=False); bias_hh likewise. Every
            parameter is drawn from `U(-√k, √k)`,
            `k = 1 / hidden_size`.

    Example:
        >>> cell = nn.GRUCell(10, 20)
        >>> h = cell(minigrad.randn(3, 10))
        >>> h.shape
        (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Optional[Any] = None) -> Tensor:
        """input (B, I) or (I,), hx (B, H) or (H,) (zeros if None) -> h' of hx's shape."""
        x, (h,), batched = self._prepare(input, hx, 1)
        out = gru_cell(x, h, *self._weights())
        return out if batched else out.squeeze(0)


# ------------------------------------------------------------------------------------ layers
