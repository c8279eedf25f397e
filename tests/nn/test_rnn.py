"""RNN / LSTM / GRU layers: parity with PyTorch over a grid, fused path vs cell path, gradcheck of
the fused backward, long sequences, state_dict round trips, repr, init, dropout and bad input."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.primitives import recurrent as R
from conftest import requires_torch, to_np, torch
from .rnn_cases import (assert_same, fixtures, fx, layer_reference, minigrad_layer, stored,
                        torch_one_thread)  # noqa: F401 (autouse fixture)


# ------------------------------------------------------------------------------------- parity
@pytest.mark.parametrize("case", fx.LAYER_CASES, ids=fx.case_id)
def test_layer_parity_float64(case):
    """output, h_n (c_n) and the gradients of x, h0, c0 and every parameter equal PyTorch's."""
    assert_same(minigrad_layer(case, np.float64), layer_reference(case, np.float64), np.float64)


@pytest.mark.parametrize("case", fx.LAYER_CASES[::6], ids=fx.case_id)
def test_layer_parity_float32(case):
    assert_same(minigrad_layer(case, np.float32), layer_reference(case, np.float32), np.float32)


@pytest.mark.parametrize("case", fx.FIXTURE_LAYER_CASES, ids=fx.case_id)
def test_layer_matches_stored_fixtures(case):
    """The stored references (used when torch is missing) are matched too."""
    ref = stored(fx.case_id(case))
    if ref is None:
        pytest.skip("tests/fixtures/rnn_reference.npz is missing: run tests/fixtures/make_rnn_fixtures.py")
    assert_same(minigrad_layer(case, np.float64), ref, np.float64)


def test_fixture_file_is_small():
    assert fixtures(), "tests/fixtures/rnn_reference.npz is missing"
    assert fx.os.path.getsize(fx.FIXTURE_PATH) < 2_000_000


@pytest.mark.parametrize("case", [c for c in fx.LAYER_CASES if c[1] == 2 and c[3] == c[5]][::2],
                         ids=fx.case_id)
def test_fused_path_equals_cell_path(case):
    """The fused layers and the step-by-step cell path compute the same values and gradients."""
    fused = minigrad_layer(case, np.float64, fused=True)
    cells = minigrad_layer(case, np.float64, fused=False)
    assert_same(fused, cells, np.float64)


# ---------------------------------------------------------------------------------- gradcheck
def _layer_fn(mode, batch_sizes, reverse, bias=True):
    kw = dict(batch_sizes=batch_sizes, reverse=reverse, bias=bias)
    if mode == "LSTM":
        return lambda x, h0, c0, *w: R.LSTMLayer.apply(x, h0, c0, *w, **kw)
    if mode == "GRU":
        return lambda x, h0, *w: R.GRULayer.apply(x, h0, *w, **kw)
    nl = "relu" if mode == "RNN_RELU" else "tanh"
    return lambda x, h0, *w: R.RNNLayer.apply(x, h0, *w, nonlinearity=nl, **kw)


@pytest.mark.parametrize("mode", fx.MODES)
@pytest.mark.parametrize("variant", ["forward", "reverse-packed"])
def test_gradcheck_fused_backward(mode, variant):
    """Each fused node (one layer, one direction) against central differences."""
    rng = np.random.default_rng(7)
    reverse = variant.startswith("reverse")
    batch_sizes = (3, 2, 1) if "packed" in variant else (2, 2, 2)
    I_, H_, G = 2, 2, fx.GATES[mode]
    N, nb = sum(batch_sizes), batch_sizes[0]
    t = lambda *s: mg.tensor(rng.uniform(-0.8, 0.8, s), requires_grad=True)  # noqa: E731
    if mode == "RNN_RELU":  # keep pre-activations away from the kink at 0
        x = mg.tensor(rng.uniform(0.5, 1.0, (N, I_)), requires_grad=True)
        weights = [mg.tensor(rng.uniform(0.1, 0.5, s), requires_grad=True)
                   for s in [(H_, I_), (H_, H_), (H_,), (H_,)]]
        h0 = mg.tensor(rng.uniform(0.1, 0.5, (nb, H_)), requires_grad=True)
    else:
        x, h0 = t(N, I_), t(nb, H_)
        weights = [t(*s) for s in [(G * H_, I_), (G * H_, H_), (G * H_,), (G * H_,)]]
    inputs = [x, h0] + ([t(nb, H_)] if mode == "LSTM" else []) + weights
    assert mg.autograd.gradcheck(_layer_fn(mode, batch_sizes, reverse), inputs, eps=1e-6,
                                 atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("mode", fx.MODES)
def test_gradcheck_bidirectional_packed_module(mode):
    """A 2-layer bidirectional module on a packed batch (fused nodes, concatenation, dropout off):
    gradients of the input, h0 (and c0) and every parameter against central differences."""
    rng = np.random.default_rng(11)
    cls = {"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN_TANH": nn.RNN, "RNN_RELU": nn.RNN}[mode]
    kw = {"nonlinearity": "relu"} if mode == "RNN_RELU" else {}
    m = cls(2, 2, num_layers=2, bidirectional=True, **kw).double()
    lo = 0.1 if mode == "RNN_RELU" else -0.8  # relu: stay away from the kink at 0
    params = list(m.parameters())
    for p in params:
        p.array = rng.uniform(lo, 0.8, p.shape)
    x = mg.tensor(rng.uniform(lo, 1.0, (6, 2)), requires_grad=True)
    h0 = mg.tensor(rng.uniform(lo, 0.5, (4, 3, 2)), requires_grad=True)
    c0 = mg.tensor(rng.uniform(lo, 0.5, (4, 3, 2)), requires_grad=True)

    states = [h0, c0] if mode == "LSTM" else [h0]

    def fn(x, *rest):  # rest: the states, then the parameters (gradcheck perturbs them in place)
        packed = nn.utils.rnn.PackedSequence(x, mg.tensor([3, 2, 1]))
        out, hn = m(packed, tuple(rest[:2]) if mode == "LSTM" else rest[0])
        hn = hn[0] * 1.3 + hn[1] if mode == "LSTM" else hn
        return out.data.sum() * 0.7 + (out.data ** 2).sum() + hn.sum()

    assert mg.autograd.gradcheck(fn, [x] + states + params, eps=1e-6, atol=1e-6, rtol=1e-5)


# ---------------------------------------------------------------------------- long sequences
@pytest.mark.slow
def test_long_sequence_two_layer_bidirectional_lstm():
    """2,000 steps forward and backward (nothing recursive, nothing quadratic)."""
    rng = np.random.default_rng(0)
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    x = mg.tensor(rng.standard_normal((2000, 2, 3)), requires_grad=True)
    out, (hn, cn) = m(x)
    assert out.shape == (2000, 2, 8) and hn.shape == (4, 2, 4) and cn.shape == (4, 2, 4)
    (out.sum() + hn.sum()).backward()
    assert x.grad.shape == x.shape and np.isfinite(to_np(x.grad)).all()
    assert all(p.grad is not None and np.isfinite(to_np(p.grad)).all() for p in m.parameters())
    if torch is not None:
        t = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
        t.load_state_dict({k: torch.tensor(to_np(v)) for k, v in m.state_dict().items()})
        tx = torch.tensor(to_np(x.detach()), requires_grad=True)
        tout, (thn, _) = t(tx)
        (tout.sum() + thn.sum()).backward()
        np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-8, atol=1e-12)


# ------------------------------------------------------------------------- tutorial shapes etc.
def test_classic_tutorial_shapes():
    import minigrad as torch_  # the tutorials' `import torch`
    rnn = nn.RNN(5, 8, num_layers=2, batch_first=True, bidirectional=True)
    out, hn = rnn(torch_.Tensor(1, 10, 5))
    assert out.shape == (1, 10, 16) and hn.shape == (4, 1, 8)


@pytest.mark.parametrize("mode", fx.MODES)
def test_unbatched_input(mode):
    m = _layer(mode, 4, 5, num_layers=2, bidirectional=True)
    x = mg.randn(6, 4)
    out, state = m(x)
    hn = state[0] if mode == "LSTM" else state
    assert out.shape == (6, 10) and hn.shape == (4, 5)
    ref, ref_state = m(x.unsqueeze(1))
    np.testing.assert_allclose(to_np(out), to_np(ref.squeeze(1)), rtol=1e-6)
    h0 = mg.randn(4, 5)
    out2, _ = m(x, (h0, h0) if mode == "LSTM" else h0)
    assert out2.shape == (6, 10)


def _layer(mode, *args, **kwargs):
    if mode.startswith("RNN"):
        return nn.RNN(*args, nonlinearity="relu" if mode == "RNN_RELU" else "tanh", **kwargs)
    return getattr(nn, mode)(*args, **kwargs)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_returns_packed_sequence_and_caller_order(mode):
    """enforce_sorted=False: h_n comes back in the caller's batch order."""
    U = nn.utils.rnn
    m = _layer(mode, 4, 5, bidirectional=True).double()
    x = mg.tensor(np.random.default_rng(1).standard_normal((5, 3, 4)))
    packed = U.pack_padded_sequence(x, [2, 5, 3], enforce_sorted=False)
    out, state = m(packed)
    hn = state[0] if mode == "LSTM" else state
    assert isinstance(out, U.PackedSequence) and out.data.shape == (10, 10)
    for j, n in enumerate([2, 5, 3]):  # each sequence alone gives the same h_n
        alone, s = m(x[:n, j:j + 1])
        h = s[0] if mode == "LSTM" else s
        np.testing.assert_allclose(to_np(hn[:, j]), to_np(h[:, 0]), rtol=1e-10, atol=1e-12)
        padded, _ = U.pad_packed_sequence(out)
        np.testing.assert_allclose(to_np(padded[:n, j]), to_np(alone[:, 0]), rtol=1e-10, atol=1e-12)
        assert not np.any(to_np(padded[n:, j]))


# ------------------------------------------------------------------------- state_dict, repr
@requires_torch
@pytest.mark.parametrize("mode", fx.MODES)
def test_torch_state_dict_loads_and_matches(mode):
    if mode.startswith("RNN"):
        t = torch.nn.RNN(4, 6, 2, "relu" if mode == "RNN_RELU" else "tanh", bidirectional=True)
    else:
        t = getattr(torch.nn, mode)(4, 6, 2, bidirectional=True)
    m = _layer(mode, 4, 6, 2, bidirectional=True)
    sd = {k: v.detach().numpy() for k, v in t.state_dict().items()}
    assert list(m.state_dict().keys()) == list(sd.keys())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    m.load_state_dict(sd)
    x = np.random.default_rng(3).standard_normal((7, 2, 4)).astype(np.float32)
    tout, tstate = t(torch.tensor(x))
    mout, mstate = m(mg.tensor(x))
    np.testing.assert_allclose(to_np(mout), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    th = tstate[0] if mode == "LSTM" else tstate
    mh = mstate[0] if mode == "LSTM" else mstate
    np.testing.assert_allclose(to_np(mh), th.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("module, text", [
    (lambda: nn.LSTM(256, 512, num_layers=2, dropout=0.5), "LSTM(256, 512, num_layers=2, dropout=0.5)"),
    (lambda: nn.GRU(10, 20, batch_first=True, bidirectional=True),
     "GRU(10, 20, batch_first=True, bidirectional=True)"),
    (lambda: nn.RNN(3, 4, nonlinearity="relu", bias=False), "RNN(3, 4, bias=False)"),
    (lambda: nn.RNN(3, 4), "RNN(3, 4)"),
])
def test_repr(module, text):
    assert repr(module()) == text


def test_parameter_names_shapes_and_init():
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True, bias=True)
    names = [n for n, _ in m.named_parameters()]
    assert names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse"]
    assert m.weight_ih_l1.shape == (12, 8) and m.weight_hh_l1_reverse.shape == (12, 4)
    k = 1 / math.sqrt(4)
    values = np.concatenate([to_np(p).ravel() for p in m.parameters()])
    assert np.abs(values).max() <= k and values.std() > 0.2 * k
    mg.manual_seed(5)
    a = nn.LSTM(3, 4)
    mg.manual_seed(5)
    b = nn.LSTM(3, 4)
    assert all(np.array_equal(to_np(p), to_np(q)) for p, q in zip(a.parameters(), b.parameters()))
    assert "bias_ih_l0" not in dict(nn.LSTM(3, 4, bias=False).named_parameters())
    assert len(nn.LSTM(3, 4, 2, bidirectional=True).all_weights) == 4


# ------------------------------------------------------------------------- LSTM projections
def _proj_run(nn_, lib, m, arrays, packed, bf):
    """Forward + backward of a projected LSTM with a torch-like API; arrays of results."""
    x, h0, c0, g_out = (lib.tensor(a, requires_grad=True) for a in arrays)
    inp = nn_.utils.rnn.pack_padded_sequence(x, [3, 5, 2], bf, enforce_sorted=False) if packed else x
    out, (hn, cn) = m(inp, (h0, c0))
    if packed:
        out, _ = nn_.utils.rnn.pad_packed_sequence(out, bf)
    ((out * g_out.detach()).sum() + (hn * hn).sum() + (cn * cn).sum()).backward()
    res = [out, hn, cn, x.grad, h0.grad, c0.grad] + [p.grad for p in m.parameters()]
    return [np.asarray(r.detach().numpy()) for r in res]


@pytest.mark.parametrize("bi", [False, True])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("packed", [False, True])
def test_lstm_projection(bi, bias, packed):
    """proj_size: parity with PyTorch (when installed) and fused path == cell path."""
    rng = np.random.default_rng(11)
    D, bf = 2 if bi else 1, packed and bi
    m = nn.LSTM(4, 6, 2, bias=bias, batch_first=bf, bidirectional=bi, proj_size=3).double()
    assert repr(m).startswith("LSTM(4, 6, proj_size=3, num_layers=2")
    assert m.weight_hr_l0.shape == (3, 6) and m.weight_hh_l1.shape == (24, 3)
    assert m.weight_ih_l1.shape == (24, 3 * D)
    arrays = [rng.uniform(-1, 1, (3, 5, 4) if bf else (5, 3, 4)), rng.uniform(-1, 1, (2 * D, 3, 3)),
              rng.uniform(-1, 1, (2 * D, 3, 6)), rng.uniform(-1, 1, (3, 5, 3 * D) if bf else (5, 3, 3 * D))]
    fused = _proj_run(nn, mg, m, arrays, packed, bf)
    m.fused = False
    m.zero_grad()
    cells = _proj_run(nn, mg, m, arrays, packed, bf)
    for a, b in zip(fused, cells):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if torch is not None:
        t = torch.nn.LSTM(4, 6, 2, bias=bias, batch_first=bf, bidirectional=bi, proj_size=3).double()
        assert [n for n, _ in t.named_parameters()] == [n for n, _ in m.named_parameters()]
        t.load_state_dict({k: torch.tensor(to_np(v)) for k, v in m.state_dict().items()})
        for a, b in zip(fused, _proj_run(torch.nn, torch, t, arrays, packed, bf)):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_lstm_projection_bad_hidden():
    m = nn.LSTM(4, 6, proj_size=3)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 3\), got \[1, 2, 6\]"):
        m(mg.randn(5, 2, 4), (mg.randn(1, 2, 6), mg.randn(1, 2, 6)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 2, 6\), got \[1, 2, 3\]"):
        m(mg.randn(5, 2, 4), (mg.randn(1, 2, 3), mg.randn(1, 2, 3)))


# --------------------------------------------------------------------------------- dropout
def test_dropout_between_layers():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, num_layers=1, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    m = nn.GRU(3, 6, num_layers=3, dropout=0.5).double()
    x = mg.tensor(np.random.default_rng(0).standard_normal((4, 2, 3)))
    m.eval()
    e1, _ = m(x)
    e2, _ = m(x)
    assert np.array_equal(to_np(e1), to_np(e2))
    m.train()
    mg.manual_seed(1)
    t1, _ = m(x)
    mg.manual_seed(1)
    t2, _ = m(x)
    assert np.array_equal(to_np(t1), to_np(t2))          # minigrad's generator drives the masks
    assert not np.allclose(to_np(t1), to_np(e1))
    m.fused = False                                      # the cell path draws the same masks
    mg.manual_seed(1)
    c1, _ = m(x)
    np.testing.assert_allclose(to_np(c1), to_np(t1), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, exc, message", [
    (lambda m: m(mg.randn(3, 2, 3)), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 4, got 3"),
    (lambda m: m(mg.randn(3, 2, 2, 4)), ValueError, "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    (lambda m: m(mg.randn(4)), ValueError, "Expected input to be 2D or 3D, got 1D"),
    (lambda m: m(mg.randn(3, 2, 4), (mg.randn(1, 2, 5), mg.randn(2, 2, 5))), RuntimeError,
     "Expected hidden[0] size (2, 2, 5), got [1, 2, 5]"),
    (lambda m: m(mg.randn(3, 2, 4), (mg.randn(2, 2, 5), mg.randn(2, 3, 5))), RuntimeError,
     "Expected hidden[1] size (2, 2, 5), got [2, 3, 5]"),
    (lambda m: m(mg.randn(3, 2, 4), (mg.randn(2, 2, 5).double(), mg.randn(2, 2, 5))), RuntimeError,
     "Expected hidden[0] dtype minigrad.float32 (the input's dtype), got minigrad.float64"),
    (lambda m: m(mg.randn(3, 2, 4).double()), ValueError,
     "LSTM input dtype (minigrad.float64) does not match weight dtype (minigrad.float32)"),
    (lambda m: m(mg.randn(3, 2, 4), mg.randn(2, 2, 5)), RuntimeError, "expected hx to be a tuple"),
    (lambda m: m(mg.randn(3, 4), (mg.randn(2, 2, 5), mg.randn(2, 2, 5))), RuntimeError,
     "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors"),
])
def test_bad_layer_input(call, exc, message):
    m = nn.LSTM(4, 5, 2)
    with pytest.raises(exc) as info:
        call(m)
    assert message in str(info.value)


def test_bad_gru_hidden():
    m = nn.GRU(4, 5, 2, bidirectional=True)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(4, 2, 5\), got \[2, 2, 5\]"):
        m(mg.randn(3, 2, 4), mg.randn(2, 2, 5))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but got 2-D"):
        m(mg.randn(3, 2, 4), mg.randn(4, 5))
    with pytest.raises(RuntimeError, match="expected hx to be a Tensor"):
        m(mg.randn(3, 2, 4), (mg.randn(4, 2, 5),))


@pytest.mark.parametrize("kwargs, exc, message", [
    (dict(dropout=1.5), ValueError, "dropout should be a number in range [0, 1]"),
    (dict(num_layers=0), ValueError, "num_layers must be greater than zero"),
    (dict(bias=1), TypeError, "bias should be of type bool, got: int"),
    (dict(proj_size=5), ValueError, "proj_size has to be smaller than hidden_size"),
    (dict(proj_size=-1), ValueError, "proj_size should be a positive integer or zero"),
])
def test_bad_constructor_arguments(kwargs, exc, message):
    with pytest.raises(exc) as info:
        nn.LSTM(4, 5, **kwargs)
    assert message in str(info.value)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sig'. Select from 'tanh' or 'relu'."):
        nn.RNN(4, 5, nonlinearity="sig")
    with pytest.raises(TypeError, match="hidden_size should be of type int, got: float"):
        nn.GRU(4, 5.0)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", 4, 5, proj_size=2)


@pytest.mark.skipif(not mg.backend.cuda_available(), reason="needs a GPU for a second device")
def test_hidden_on_other_device():
    m = nn.GRU(4, 5).cuda()
    with pytest.raises(RuntimeError, match="not at the same device"):
        m(mg.randn(3, 2, 4, device="cuda"), mg.randn(1, 2, 5, device="cpu"))


# ------------------------------------------------------------------ CUDA kernels, emulated on CPU
class _EmulatedKernel:
    """Evaluates a cupy.ElementwiseKernel's C operation with NumPy (whole arrays, statement by
    statement), so the kernel sources are checked on machines without a GPU."""

    def __init__(self, in_params, out_params, operation, name=None):
        names = lambda spec: [p.split()[-1] for p in spec.split(",")]  # noqa: E731
        types = lambda spec: [p.split()[0] for p in spec.split(",")]  # noqa: E731
        self.ins, self.outs = names(in_params), names(out_params)
        self.types = types(in_params) + types(out_params)
        self.statements = [s.strip() for s in operation.split(";") if s.strip()]

    def _check_call(self, args):
        """What cupy.ElementwiseKernel would refuse: a wrong argument count, T arguments of different
        dtypes, an output that is not an array of the inputs' broadcast shape."""
        assert len(args) == len(self.ins) + len(self.outs), (len(args), self.ins, self.outs)
        typed = [a for a, t in zip(args, self.types) if t == "T"]
        assert all(isinstance(a, np.ndarray) for a in typed)
        assert len({a.dtype for a in typed}) == 1, [a.dtype for a in typed]
        for a, t in zip(args, self.types):
            if t != "T":
                assert isinstance(a, int), (t, type(a))
        shape = np.broadcast_shapes(*(a.shape for a in args[:len(self.ins)] if isinstance(a, np.ndarray)))
        for out in args[len(self.ins):]:
            assert out.shape == shape and out.flags.writeable, (out.shape, shape)

    def __call__(self, *args):
        self._check_call(args)
        env = {"np": np, "exp": np.exp, "tanh": np.tanh}
        env.update(zip(self.ins + self.outs, args))
        for stmt in self.statements:
            target, expr = (p.strip() for p in stmt.split("=", 1))
            value = eval(_c_to_numpy(expr), env)  # noqa: S307 (our own kernel sources)
            if target.startswith("T "):
                env[target[2:].strip()] = np.array(value, copy=True)
            else:
                env[target][...] = value


def _c_to_numpy(expr):
    """Translate the C subset used by the kernels: casts, and (nested) ternaries via np.where."""
    expr = expr.replace("(T)", "").strip()
    depth, q = 0, None
    for k, ch in enumerate(expr):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "?" and depth == 0:
            q = k
            break
    if q is None:
        if expr.startswith("(") and expr.endswith(")") and "?" in expr:
            return _c_to_numpy(expr[1:-1])
        return expr
    depth, nested = 0, 0
    for k in range(q + 1, len(expr)):
        ch = expr[k]
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch == "?":
            nested += 1
        elif depth == 0 and ch == ":":
            if nested == 0:
                cond, a, b = expr[:q], expr[q + 1:k], expr[k + 1:]
                return f"np.where({_c_to_numpy(cond)}, {_c_to_numpy(a)}, {_c_to_numpy(b)})"
            nested -= 1
    raise ValueError(f"cannot parse {expr!r}")


cpu_only = pytest.mark.skipif(mg.get_backend() != "numpy", reason="emulates the kernels with NumPy")


@cpu_only
@pytest.mark.parametrize("case", [c for c in fx.LAYER_CASES if c[1] == 2 and c[2] and c[4]
                                  and c[3] == c[5]], ids=fx.case_id)
def test_cuda_kernels_emulated_on_cpu(case, monkeypatch):
    """The CuPy kernel path (ops/recurrent_cuda.py) computes what the array path computes."""
    from minigrad.primitives import recurrent_cuda as RC
    kernels = {name: _EmulatedKernel(*src) for name, src in RC._SOURCES.items()}
    reference = minigrad_layer(case, np.float64)
    monkeypatch.setattr(RC, "_k", kernels.__getitem__)
    monkeypatch.setattr(R, "_cuda", lambda xp: RC)
    assert_same(minigrad_layer(case, np.float64), reference, np.float64)


@cpu_only
def test_cuda_kernels_emulated_lstm_projection(monkeypatch):
    from minigrad.primitives import recurrent_cuda as RC
    rng = np.random.default_rng(12)
    m = nn.LSTM(4, 6, 2, bidirectional=True, proj_size=3).double()
    arrays = [rng.uniform(-1, 1, (5, 3, 4)), rng.uniform(-1, 1, (4, 3, 3)),
              rng.uniform(-1, 1, (4, 3, 6)), rng.uniform(-1, 1, (5, 3, 6))]
    reference = _proj_run(nn, mg, m, arrays, True, False)
    m.zero_grad()
    kernels = {name: _EmulatedKernel(*src) for name, src in RC._SOURCES.items()}
    monkeypatch.setattr(RC, "_k", kernels.__getitem__)
    monkeypatch.setattr(R, "_cuda", lambda xp: RC)
    for a, b in zip(_proj_run(nn, mg, m, arrays, True, False), reference):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_gradcheck_lstm_projection():
    rng = np.random.default_rng(8)
    t = lambda *s: mg.tensor(rng.uniform(-0.8, 0.8, s), requires_grad=True)  # noqa: E731
    H_, P_ = 3, 2
    for reverse in (False, True):
        weights = [t(*s) for s in [(4 * H_, 2), (4 * H_, P_), (4 * H_,), (4 * H_,), (P_, H_)]]
        fn = lambda x, h0, c0, *w: R.LSTMLayer.apply(  # noqa: E731
            x, h0, c0, *w, batch_sizes=(3, 2, 1), reverse=reverse, proj=True)
        assert mg.autograd.gradcheck(fn, [t(6, 2), t(3, P_), t(3, H_)] + weights, eps=1e-6,
                                     atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("case", [c for c in fx.LAYER_CASES if c[1] == 1 and c[2] and c[3] == c[4] == c[5]],
                         ids=fx.case_id)
def test_gate_math_split_across_threads(case, monkeypatch):
    """Splitting a step's gate math between two threads (large steps) changes nothing."""
    reference = minigrad_layer(case, np.float64)
    monkeypatch.setattr(R, "SPLIT_MIN", 0)
    monkeypatch.setattr(R, "GATE_THREADS", 2)
    got = minigrad_layer(case, np.float64)
    for k, v in reference.items():
        np.testing.assert_array_equal(got[k], v, err_msg=k)


@pytest.mark.parametrize("mode", fx.MODES)
def test_backward_twice_with_retain_graph(mode):
    m = _layer(mode, 3, 4, bidirectional=True).double()
    x = mg.tensor(np.random.default_rng(2).standard_normal((5, 2, 3)), requires_grad=True)
    out, _ = m(x)
    loss = (out * out).sum()
    loss.backward(retain_graph=True)
    first = to_np(x.grad).copy()
    loss.backward()
    np.testing.assert_allclose(to_np(x.grad), 2 * first, rtol=1e-12)
