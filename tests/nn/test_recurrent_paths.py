"""The fused recurrent node's alternative code paths give the same results as the default ones:
backward factors per step instead of all at once, gate math on two threads (also when the helper
thread is held up), and the per-mode strategies keep what backward needs under their names."""
import threading

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils.rnn import pack_padded_sequence
from minigrad.primitives import recurrent as R
from minigrad.primitives import recurrent_numpy as RN
from minigrad.primitives import split_rows

MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


def _model(mode, proj=0):
    mg.manual_seed(3)
    if mode.startswith("RNN"):
        return nn.RNN(5, 7, 2, nonlinearity=mode[4:].lower(), bidirectional=True).double()
    return getattr(nn, mode)(5, 7, 2, bidirectional=True, **({"proj_size": proj} if proj else {})).double()


def _run(model):
    """Outputs and every gradient of one packed forward/backward, as NumPy arrays."""
    rng = np.random.default_rng(4)
    x = mg.tensor(rng.standard_normal((6, 4, 5)), requires_grad=True)
    packed = pack_padded_sequence(x, [6, 5, 3, 1])
    out, state = model(packed)
    states = state if isinstance(state, tuple) else (state,)
    loss = (out.data * out.data).sum() + sum((s * s).sum() for s in states)
    for p in model.parameters():
        p.grad = None
    loss.backward()
    got = {"out": out.data.detach().numpy(), "dx": x.grad.numpy()}
    got.update({n: p.grad.numpy() for n, p in model.named_parameters()})
    got.update({f"state{k}": s.detach().numpy() for k, s in enumerate(states)})
    return got


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("mode", MODES + ["LSTM-proj"])
def test_backward_factors_per_step_match_all_at_once(mode, monkeypatch):
    model = _model(mode.split("-")[0], proj=3 if mode.endswith("proj") else 0)
    reference = _run(model)
    monkeypatch.setattr(RN, "FACTORS_AHEAD_MAX", 0)       # every backward takes the per-step path
    _assert_same(_run(model), reference)


@pytest.mark.parametrize("mode", MODES)
def test_two_threads_and_per_step_factors_together(mode, monkeypatch):
    model = _model(mode)
    reference = _run(model)
    monkeypatch.setattr(RN, "FACTORS_AHEAD_MAX", 0)
    monkeypatch.setattr(R, "SPLIT_MIN", 0)
    monkeypatch.setattr(R, "GATE_THREADS", 2)
    _assert_same(_run(model), reference)


def test_split_takes_back_the_half_the_helper_has_not_started():
    """While the helper thread is held up, run_split still covers every row, on the caller."""
    out = np.zeros(10)
    callers = []

    def fill(lo, hi):
        callers.append(threading.current_thread())
        out[lo:hi] += 1

    split_rows.run_split(lambda lo, hi: None, 4, 1, 2, min_elements=0)   # start the helper
    release = threading.Event()
    blocker = split_rows._pool.submit(release.wait, 30)
    try:
        split_rows.run_split(fill, 10, 1, 2, min_elements=0)
    finally:
        release.set()
        blocker.result()
    np.testing.assert_array_equal(out, np.ones(10))
    assert callers == [threading.current_thread()] * 2


def test_split_runs_small_jobs_once_on_the_caller():
    calls = []
    split_rows.run_split(lambda lo, hi: calls.append((lo, hi)), 10, 4, 2)     # 40 < SPLIT_MIN
    split_rows.run_split(lambda lo, hi: calls.append((lo, hi)), 10, 10**6, 1)  # one thread
    assert calls == [(0, 10), (0, 10)]


@pytest.mark.parametrize("mode, saved_type, fields", [
    ("LSTM", R.LSTMSaved, ("h_prev", "c_prev", "tanh_c", "m")),
    ("GRU", R.GRUSaved, ("h_prev", "hn")),
    ("RNN_TANH", R.RNNSaved, ("h_prev",)),
])
def test_forward_saves_named_fields(mode, saved_type, fields):
    model = _model(mode)
    out, _ = model(mg.randn(3, 2, 5, dtype=mg.float64, requires_grad=True))
    node = out.grad_fn
    while node is not None and not hasattr(node, "run"):      # walk back to a fused layer node
        node = next(e[0] for e in node._edges if e is not None and e[0] is not None)
    assert node is not None, "no fused recurrent node in the graph"
    assert isinstance(node.run, R.Run)
    assert isinstance(node.run.saved, saved_type) and saved_type._fields == fields
    assert node.run.recurrence is R.RECURRENCES[mode]
    assert node.run.saved.h_prev.shape == (6, 7)
