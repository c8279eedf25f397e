"""Recurrent layers RNN, LSTM, GRU and their cells, with PyTorch's equations, parameters and shapes.

Two paths compute the same thing:
  * the cells (RNNCell, LSTMCell, GRUCell and the functions rnn_tanh_cell, lstm_cell, gru_cell below)
    are written with primitive autograd ops, one step at a time: the readable reference;
  * the layers (RNN, LSTM, GRU) run each layer as one fused autograd node over the whole sequence
    (minigrad/primitives/recurrent.py).  Set `layer.fused = False` to run a layer step by step through the
    cell functions instead (slow; used to cross-check the fused path).
"""
from __future__ import annotations

from typing import Any, Callable, List, NamedTuple, Optional, Tuple
import numbers
import warnings

from .. import backend as B
from .. import ops
from ..primitives import recurrent as R
from ..tensor import Tensor
from . import functional as F
from .module import Module, Parameter
from .utils.rnn import PackedSequence, check_packed
from .rnn_cells import (RNNCellBase, RNNCell, LSTMCell, GRUCell, rnn_tanh_cell,  # noqa: F401
                        rnn_relu_cell, lstm_cell, gru_cell, _check_int, _check_weight_dtype, _param,
                        _reset_uniform, _same_place)

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU",
           "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"]


# ------------------------------------------------------------- the modes: cell step and fused node
def _lstm_step(x, h, c, w, w_hr):
    return lstm_cell(x, (h, c), *w, w_hr=w_hr)  # type: ignore[misc]  # w: 2 or 4 weights


def _step_without_cell_state(cell):
    """cell(x, h, *w) -> h as a step (x, h, c, w, w_hr) -> (h, None), the LSTM step's signature."""
    def step(x, h, c, w, w_hr):
        return cell(x, h, *w), None
    return step


class _Mode(NamedTuple):
    """What differs between the recurrent modes, looked up once (RNNBase._kind) instead of compared
    as strings: the step-by-step cell and the fused node of one direction of one layer."""
    name: str                # as PyTorch's error messages spell the layer
    num_gates: int
    has_cell_state: bool     # LSTM: (h, c) states and a (h_n, c_n) result
    step: Callable           # (x, h, c, weights, w_hr) -> (h', c' or None), through the cell functions
    fused: type              # the fused autograd node (primitives/recurrent.py)
    fused_kwargs: dict


_MODES = {
    "RNN_TANH": _Mode("RNN", 1, False, _step_without_cell_state(rnn_tanh_cell), R.RNNLayer,
                      {"nonlinearity": "tanh"}),
    "RNN_RELU": _Mode("RNN", 1, False, _step_without_cell_state(rnn_relu_cell), R.RNNLayer,
                      {"nonlinearity": "relu"}),
    "LSTM": _Mode("LSTM", 4, True, _lstm_step, R.LSTMLayer, {}),
    "GRU": _Mode("GRU", 3, False, _step_without_cell_state(gru_cell), R.GRULayer, {}),
}


class RNNBase(Module):
    """A stack of recurrent layers (mode 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'), optionally
    bidirectional, over (T, B, I) / (B, T, I) / (T, I) input or a PackedSequence.

    The shared base of `RNN`, `LSTM` and `GRU`, which document the equations, arguments and shapes;
    use those classes rather than this one.
    """

    fused = True  # False: run step by step through the cell functions (the slow reference path)

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if mode not in _MODES:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=3)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        _check_int("input_size", input_size)
        _check_int("hidden_size", hidden_size)
        _check_int("num_layers", num_layers)
        _check_int("proj_size", proj_size, positive=False)
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size > 0 and not _MODES[mode].has_cell_state:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _MODES[mode].num_gates * hidden_size
        D = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        state_size = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else state_size * D
            for d in range(D):
                suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                setattr(self, names[0], _param((gate_size, layer_input), device, dtype))
                setattr(self, names[1], _param((gate_size, state_size), device, dtype))
                if bias:
                    names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
                    setattr(self, names[2], _param((gate_size,), device, dtype))
                    setattr(self, names[3], _param((gate_size,), device, dtype))
                if proj_size > 0:
                    names.append(f"weight_hr{suffix}")
                    setattr(self, names[-1], _param((proj_size, hidden_size), device, dtype))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        """2 for a bidirectional layer, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self) -> List[List[Parameter]]:
        """The parameters, one list per layer and direction."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch compatibility (minigrad needs no cuDNN weight buffer)."""

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        _reset_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------------------- forward
    @property
    def _kind(self):
        """The _Mode of self.mode (RNN_TANH, RNN_RELU, LSTM or GRU)."""
        return _MODES[self.mode]

    def _name(self):
        return self._kind.name

    def forward(self, input: Tensor, hx: Optional[Any] = None) -> Tuple[Any, Any]:
        """input (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence;
        hx (num_layers*D, B, H) (LSTM: a tuple (h0, c0)), zeros when None.
        Returns output (T, B, D*H) (same layout as the input) and h_n (LSTM: (h_n, c_n))."""
        name = self._name()
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes, sorted_indices, unsorted_indices = input
            if isinstance(x, Tensor) and x.ndim != 2:
                raise RuntimeError(f"input must have 2 dimensions, got {x.ndim}")
            check_packed(x, batch_sizes, sorted_indices, unsorted_indices, name)  # hand-built ones too
            steps = tuple(int(b) for b in B.to_numpy(batch_sizes.array).tolist())
            nb, batched = steps[0], True
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"{name}: expected input to be a Tensor or PackedSequence, got "
                                f"{type(input).__name__}")
            if input.ndim not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
            batched = input.ndim == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
        _check_weight_dtype(x, self.weight_ih_l0, name)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        if not packed:
            T, nb = x.shape[0], x.shape[1]
            if T == 0:  # an empty batch (nb == 0) is fine: it gives empty outputs, as in PyTorch
                raise RuntimeError(f"{name}: Expected sequence length to be larger than 0, got "
                                   f"input of shape {input.shape}")
            x = x.reshape(T * nb, self.input_size)
            steps = (nb,) * T
            sorted_indices = unsorted_indices = None
        h0, c0 = self._check_hidden(input if not packed else x, hx, nb, batched)
        if sorted_indices is not None:
            h0 = None if h0 is None else h0.index_select(1, sorted_indices)
            c0 = None if c0 is None else c0.index_select(1, sorted_indices)

        y, hn, cn = self._run(x, steps, h0, c0)

        if unsorted_indices is not None:
            hn = hn.index_select(1, unsorted_indices)
            cn = None if cn is None else cn.index_select(1, unsorted_indices)
        if packed:
            output = PackedSequence(y, batch_sizes, sorted_indices, unsorted_indices)
        else:
            output = y.reshape(len(steps), nb, y.shape[-1])
            if not batched:
                output, hn = output.squeeze(1), hn.squeeze(1)
                cn = None if cn is None else cn.squeeze(1)
            elif self.batch_first:
                output = output.transpose(0, 1)
        return (output, (hn, cn)) if self._kind.has_cell_state else (output, hn)

    def _check_hidden(self, input, hx, nb, batched):
        """Validate hx against (num_layers*D, B, H) and return (h0, c0) batched (or Nones)."""
        if hx is None:
            return None, None
        expected = (self.num_layers * self.num_directions, nb, self.proj_size or self.hidden_size)
        expected_c = expected[:2] + (self.hidden_size,)
        lstm = self._kind.has_cell_state
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError("LSTM: expected hx to be a tuple (h_0, c_0) of two tensors, got "
                                   f"{type(hx).__name__}")
            states = list(hx)
        else:
            if isinstance(hx, (tuple, list)):
                raise RuntimeError(f"{self._name()}: expected hx to be a Tensor, got a "
                                   f"{type(hx).__name__}")
            states = [hx]
        for k, h in enumerate(states):
            _same_place(input, h, f"hidden[{k}]" if lstm else "hidden")
        want = 3 if batched else 2
        if any(h.ndim != want for h in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if lstm:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({states[0].ndim}-D, {states[1].ndim}-D) tensors")
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                               f"{states[0].ndim}-D tensor")
        if not batched:
            states = [h.unsqueeze(1) for h in states]
        for k, h in enumerate(states):
            if h.shape != (expected_c if k == 1 else expected):
                want_shape = expected_c if k == 1 else expected
                label = f"hidden[{k}] size" if lstm else "hidden size"
                raise RuntimeError(f"Expected {label} {want_shape}, got {list(h.shape)}")
        return (states[0], states[1]) if lstm else (states[0], None)

    def _layer_weights(self, layer, d):
        return [getattr(self, n) for n in self._all_weights[layer * self.num_directions + d]]

    def _run(self, x, steps, h0, c0):
        """All layers over the packed input x (N, I): output (N, D*H), h_n and c_n (L*D, B, H).

        The composition of PyTorch's old StackedRNN / Recurrent: a stack of layers, each one
        direction or two (the second walks the steps backwards) whose outputs are concatenated,
        each direction either one fused node or a loop over the cell function."""
        direction = self._fused_direction if self.fused else self._cell_direction
        D = self.num_directions
        hns, cns = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                y, hn, cn = direction(layer, d, x, steps, None if h0 is None else h0[k],
                                      None if c0 is None else c0[k])
                outs.append(y)
                hns.append(hn)
                cns.append(cn)
            x = outs[0] if D == 1 else ops.cat(outs, 1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        hn = ops.stack(hns, 0)
        cn = ops.stack(cns, 0) if self._kind.has_cell_state else None
        return x, hn, cn

    def _fused_direction(self, layer, d, x, steps, h0, c0):
        """One direction of one layer as one autograd node: output (N, H), h_n and c_n (B, H)."""
        kind = self._kind
        weights = self._layer_weights(layer, d)
        kw = dict(kind.fused_kwargs, batch_sizes=steps, bias=self.bias, reverse=d == 1)
        if kind.has_cell_state:
            return kind.fused.apply(x, h0, c0, *weights, proj=self.proj_size > 0, **kw)
        y, hn = kind.fused.apply(x, h0, *weights, **kw)
        return y, hn, None

    def _cell_direction(self, layer, d, x, steps, h0, c0):
        """One direction of one layer step by step through the cell functions (the reference path)."""
        kind = self._kind
        nb, H, P = steps[0], self.hidden_size, self.proj_size or self.hidden_size
        starts = [0]
        for b in steps[:-1]:
            starts.append(starts[-1] + b)
        w = self._layer_weights(layer, d)
        w_hr = w.pop() if self.proj_size > 0 else None
        if not self.bias:
            w = w + [None, None]
        zeros = (lambda n: Tensor._make(B.xp_for(x.device).zeros((nb, n), dtype=x.array.dtype)))
        h = zeros(P) if h0 is None else h0
        c: Any = (zeros(H) if c0 is None else c0) if kind.has_cell_state else None
        ys = [None] * len(steps)
        order = range(len(steps) - 1, -1, -1) if d == 1 else range(len(steps))
        for t in order:
            bt = steps[t]
            xt = x[starts[t]:starts[t] + bt]
            h_new, c_new = kind.step(xt, h[:bt], None if c is None else c[:bt], w, w_hr)
            if c is not None:
                c = c_new if bt == nb else ops.cat([c_new, c[bt:]], 0)
            h = h_new if bt == nb else ops.cat([h_new, h[bt:]], 0)  # finished rows keep their state
            ys[t] = h_new
        return ops.cat(ys, 0), h, c


def _reject_proj_size(proj_size):
    """RNN and GRU take proj_size only to refuse it (PyTorch raises this ValueError too)."""
    if proj_size != 0:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNN(RNNBase):
    """Multi-layer Elman RNN. For each element of the sequence, each layer computes

        h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)

    (ReLU instead of tanh with nonlinearity='relu'), where `x_t` is the input at time t (the
    previous layer's output for layers above the first) and `h_(t-1)` the state at t-1.

    Args:
        input_size: number of features in the input `x_t`.
        hidden_size: number of features in the hidden state `h_t`.
        num_layers: number of stacked layers; layer `l > 0` reads layer `l-1`'s output.
            Default: 1.
        nonlinearity: 'tanh' or 'relu'. Default: 'tanh'.
        bias: if False, the layer has no b_ih / b_hh. Default: True.
        batch_first: if True, input and output are (B, T, *) instead of (T, B, *); h_n is
            unaffected. Default: False.
        dropout: if non-zero, dropout with this probability on the outputs of every layer but the
            last (training mode only). Default: 0.
        bidirectional: if True, each layer also runs over the reversed sequence and the two
            outputs are concatenated (D = 2). Default: False.
        device: where the parameters live (None: the default device).
        dtype: their floating dtype (None: the default float dtype).

    Shape:
        With T = sequence length, B = batch size, D = 2 if bidirectional else 1, H = hidden_size
        (H_out = proj_size for an LSTM with proj_size > 0, else H):

        - input: (T, B, input_size), (B, T, input_size) with batch_first, (T, input_size) unbatched,
          or a `PackedSequence`.
        - h_0: (num_layers * D, B, H) or, unbatched, (num_layers * D, H); zeros if
          not given.
        - output: (T, B, D * H_out) in the input's layout (a PackedSequence for packed input): the
          last layer's `h_t` for every t, both directions concatenated.
        - h_n: like h_0, the final state of every layer and direction.

    Weights:
        weight_ih_l[k] is layer k's input-hidden weights, (1*H, input_size) for k = 0, else
            (1*H, D*H_out). weight_hh_l[k]: (1*H, H_out). bias_ih_l[k], bias_hh_l[k]: (1*H,).
            The reverse direction's have the suffix ``_reverse``. All are drawn from
            `U(-√k, √k)`, `k = 1 / hidden_size`.

    Example:
        >>> rnn = nn.RNN(10, 20, num_layers=2)
        >>> x = minigrad.randn(5, 3, 10)
        >>> output, h_n = rnn(x, minigrad.zeros(2, 3, 20))
        >>> output.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None, *, proj_size: int = 0) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        _reject_proj_size(proj_size)
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Multi-layer long short-term memory (LSTM). For each element of the sequence, each layer computes

        i_t = σ(x_t W_ii^T + b_ii + h_(t-1) W_hi^T + b_hi)
        f_t = σ(x_t W_if^T + b_if + h_(t-1) W_hf^T + b_hf)
        g_t = tanh(x_t W_ig^T + b_ig + h_(t-1) W_hg^T + b_hg)
        o_t = σ(x_t W_io^T + b_io + h_(t-1) W_ho^T + b_ho)
        c_t = f_t ⊙ c_(t-1) + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    with input, forget, cell and output gates i, f, g, o (stored in that order in the weights),
    `σ` the sigmoid and `⊙` the elementwise product. With proj_size > 0 the
    hidden state is projected, `h_t = (o_t ⊙ tanh(c_t)) W_hr^T`, of size proj_size.

    Args:
        input_size: number of features in the input `x_t`.
        hidden_size: number of features in the hidden state `h_t`.
        num_layers: number of stacked layers; layer `l > 0` reads layer `l-1`'s output.
            Default: 1.
        bias: if False, the layer has no b_ih / b_hh. Default: True.
        batch_first: if True, input and output are (B, T, *) instead of (T, B, *); h_n is
            unaffected. Default: False.
        dropout: if non-zero, dropout with this probability on the outputs of every layer but the
            last (training mode only). Default: 0.
        bidirectional: if True, each layer also runs over the reversed sequence and the two
            outputs are concatenated (D = 2). Default: False.
        device: where the parameters live (None: the default device).
        dtype: their floating dtype (None: the default float dtype).
        proj_size: if > 0, project h_t to this size with weight_hr_l[k] (proj_size, H). Default: 0.

    Shape:
        With T = sequence length, B = batch size, D = 2 if bidirectional else 1, H = hidden_size
        (H_out = proj_size for an LSTM with proj_size > 0, else H):

        - input: (T, B, input_size), (B, T, input_size) with batch_first, (T, input_size) unbatched,
          or a `PackedSequence`.
        - (h_0, c_0): h_0 is (num_layers * D, B, H_out) and c_0 is (num_layers * D, B, H), or,
          unbatched, without the B dim; zeros if not given.
        - output: (T, B, D * H_out) in the input's layout (a PackedSequence for packed input): the
          last layer's `h_t` for every t, both directions concatenated.
        - (h_n, c_n): like (h_0, c_0), the final state of every layer and direction.

    Weights:
        weight_ih_l[k] is layer k's input-hidden weights, (4*H, input_size) for k = 0, else
            (4*H, D*H_out). weight_hh_l[k]: (4*H, H_out). bias_ih_l[k], bias_hh_l[k]: (4*H,).
            The reverse direction's have the suffix ``_reverse``. All are drawn from
            `U(-√k, √k)`, `k = 1 / hidden_size`.

    Example:
        >>> lstm = nn.LSTM(10, 20, batch_first=True, bidirectional=True)
        >>> x = minigrad.randn(3, 5, 10)
        >>> output, (h_n, c_n) = lstm(x)
        >>> output.shape, h_n.shape, c_n.shape
        ((3, 5, 40), (2, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Multi-layer gated recurrent unit (GRU). For each element of the sequence, each layer computes

        r_t = σ(x_t W_ir^T + b_ir + h_(t-1) W_hr^T + b_hr)
        z_t = σ(x_t W_iz^T + b_iz + h_(t-1) W_hz^T + b_hz)
        n_t = tanh(x_t W_in^T + b_in + r_t ⊙ (h_(t-1) W_hn^T + b_hn))
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_(t-1)

    with reset, update and new gates r, z, n (stored in that order in the weights).

    Args:
        input_size: number of features in the input `x_t`.
        hidden_size: number of features in the hidden state `h_t`.
        num_layers: number of stacked layers; layer `l > 0` reads layer `l-1`'s output.
            Default: 1.
        bias: if False, the layer has no b_ih / b_hh. Default: True.
        batch_first: if True, input and output are (B, T, *) instead of (T, B, *); h_n is
            unaffected. Default: False.
        dropout: if non-zero, dropout with this probability on the outputs of every layer but the
            last (training mode only). Default: 0.
        bidirectional: if True, each layer also runs over the reversed sequence and the two
            outputs are concatenated (D = 2). Default: False.
        device: where the parameters live (None: the default device).
        dtype: their floating dtype (None: the default float dtype).

    Shape:
        With T = sequence length, B = batch size, D = 2 if bidirectional else 1, H = hidden_size
        (H_out = proj_size for an LSTM with proj_size > 0, else H):

        - input: (T, B, input_size), (B, T, input_size) with batch_first, (T, input_size) unbatched,
          or a `PackedSequence`.
        - h_0: (num_layers * D, B, H) or, unbatched, (num_layers * D, H); zeros if
          not given.
        - output: (T, B, D * H_out) in the input's layout (a PackedSequence for packed input): the
          last layer's `h_t` for every t, both directions concatenated.
        - h_n: like h_0, the final state of every layer and direction.

    Weights:
        weight_ih_l[k] is layer k's input-hidden weights, (3*H, input_size) for k = 0, else
            (3*H, D*H_out). weight_hh_l[k]: (3*H, H_out). bias_ih_l[k], bias_hh_l[k]: (3*H,).
            The reverse direction's have the suffix ``_reverse``. All are drawn from
            `U(-√k, √k)`, `k = 1 / hidden_size`.

    Example:
        >>> gru = nn.GRU(10, 20, num_layers=2)
        >>> output, h_n = gru(minigrad.randn(5, 3, 10))
        >>> output.shape, h_n.shape
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None, *, proj_size: int = 0) -> None:
        _reject_proj_size(proj_size)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)
