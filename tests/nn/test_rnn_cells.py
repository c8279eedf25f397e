"""RNNCell, LSTMCell and GRUCell: parity with PyTorch (values and gradients), agreement with the fused
layers, repr, init and bad input."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from conftest import to_np
from .rnn_cases import assert_same, cell_reference, fx, minigrad_cell, torch_one_thread  # noqa: F401


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", fx.CELL_CASES, ids=fx.cell_case_id)
def test_cell_parity(case, dtype):
    assert_same(minigrad_cell(case, dtype), cell_reference(case, dtype), dtype)


@pytest.mark.parametrize("mode", fx.MODES)
def test_cell_steps_equal_one_layer(mode):
    """Stepping a cell through a sequence gives the fused layer's output and final state."""
    rng = np.random.default_rng(0)
    nl = dict(nonlinearity="relu" if mode == "RNN_RELU" else "tanh") if mode.startswith("RNN") else {}
    layer = (nn.RNN(3, 4, **nl) if mode.startswith("RNN") else getattr(nn, mode)(3, 4)).double()
    cell = (nn.RNNCell(3, 4, **nl) if mode.startswith("RNN") else getattr(nn, mode + "Cell")(3, 4)).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = mg.tensor(rng.standard_normal((6, 2, 3)))
    out, state = layer(x)
    h = None
    for t in range(6):
        h = cell(x[t], h)
        y = h[0] if mode == "LSTM" else h
        np.testing.assert_allclose(to_np(y), to_np(out[t]), rtol=1e-12, atol=1e-14)
    if mode == "LSTM":
        np.testing.assert_allclose(to_np(h[1]), to_np(state[1][0]), rtol=1e-12, atol=1e-14)


def test_cell_parameters_repr_and_init():
    c = nn.LSTMCell(3, 4)
    assert [n for n, _ in c.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert c.weight_ih.shape == (16, 3) and c.weight_hh.shape == (16, 4) and c.bias_hh.shape == (16,)
    assert nn.GRUCell(3, 4).weight_hh.shape == (12, 4)
    assert nn.RNNCell(3, 4, bias=False).bias_ih is None
    assert all(np.abs(to_np(p)).max() <= 0.5 for p in c.parameters())
    assert repr(nn.RNNCell(3, 4)) == "RNNCell(3, 4)"
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"


def test_cell_hx_defaults_to_zeros():
    c = nn.GRUCell(3, 4)
    x = mg.randn(2, 3)
    np.testing.assert_array_equal(to_np(c(x)), to_np(c(x, mg.zeros(2, 4))))
    h, cc = nn.LSTMCell(3, 4)(mg.randn(3))
    assert h.shape == (4,) and cc.shape == (4,)


@pytest.mark.parametrize("call, exc, message", [
    (lambda: nn.RNNCell(4, 5)(mg.randn(2, 3)), RuntimeError,
     "input has inconsistent input_size: got 3 expected 4"),
    (lambda: nn.RNNCell(4, 5)(mg.randn(2, 4), mg.randn(3, 5)), RuntimeError,
     "Input batch size 2 doesn't match hidden0 batch size 3"),
    (lambda: nn.RNNCell(4, 5)(mg.randn(2, 2, 4)), ValueError,
     "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    (lambda: nn.LSTMCell(4, 5)(mg.randn(2, 4), (mg.randn(2, 4), mg.randn(2, 5))), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 4, expected 5"),
    (lambda: nn.LSTMCell(4, 5)(mg.randn(2, 4), (mg.randn(2, 5), mg.randn(2, 6))), RuntimeError,
     "hidden1 has inconsistent hidden_size: got 6, expected 5"),
    (lambda: nn.GRUCell(4, 5)(mg.randn(4), mg.randn(2, 5)), RuntimeError,
     "for 1-D input, hidden0 should also be 1-D but got 2-D tensor"),
    (lambda: nn.GRUCell(4, 5)(mg.randn(2, 4), mg.randn(2, 5).double()), RuntimeError,
     "Expected hidden0 dtype minigrad.float32 (the input's dtype), got minigrad.float64"),
    (lambda: nn.GRUCell(4, 5)(mg.randn(2, 4).double()), ValueError,
     "GRUCell input dtype (minigrad.float64) does not match weight dtype (minigrad.float32)"),
    (lambda: nn.RNNCell(4, 5, nonlinearity="gelu"), ValueError, "Unknown nonlinearity: gelu"),
])
def test_bad_cell_input(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert message in str(info.value)
