"""Audit of the recurrent layers and the rnn utilities against PyTorch: constructor checks, repr and
parameter layout, empty batches, packed input, bad input errors, cells, pad / pack / unpad helpers."""
import itertools
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import rnn as U
from conftest import requires_torch, to_np, torch
from .rnn_cases import torch_one_thread  # noqa: F401 (autouse fixture)

TOL = dict(rtol=1e-9, atol=1e-12)


def _pair(name, *args, **kw):
    """The same float64 module in minigrad and torch, minigrad holding torch's weights."""
    t = getattr(torch.nn, name)(*args, dtype=torch.float64, **kw)
    m = getattr(nn, name)(*args, dtype=mg.float64, **kw)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return m, t


def _lib(m):
    """(module namespace, tensor factory, rnn utils) of minigrad or torch."""
    if m is torch:
        return torch.nn, torch.tensor, torch.nn.utils.rnn
    return nn, mg.tensor, U


def _outcome(fn):
    """('ok', value) or (exception type name, message)."""
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 (any exception is an outcome to compare)
        return type(e).__name__, str(e)


def _close(a, b):
    assert a.shape == tuple(b.shape)
    np.testing.assert_allclose(to_np(a), b.detach().numpy(), **TOL)


# -------------------------------------------------------------------------------- constructors
CTOR_CASES = [
    ("RNN", (3, 4), dict(num_layers=0)),
    ("RNN", (3, 4), dict(num_layers=-1)),
    ("RNN", (0, 4), {}),
    ("RNN", (3, -4), {}),
    ("RNN", (3.0, 4), {}),
    ("RNN", (3, 4), dict(nonlinearity="Tanh")),
    ("RNN", (3, 4), dict(bias=0)),
    ("RNN", (3, 4), dict(batch_first=1)),
    ("LSTM", (3, 4), dict(dropout=-0.1)),
    ("LSTM", (3, 4), dict(dropout=1.5)),
    ("LSTM", (3, 4), dict(dropout=True)),
    ("LSTM", (3, 4), dict(proj_size=4)),
    ("LSTM", (3, 4), dict(proj_size=-1)),
    ("RNN", (3, 4), dict(proj_size=2)),
    ("GRU", (3, 4), dict(proj_size=2)),
    ("RNNBase", ("FOO", 3, 4), {}),
]


@requires_torch
@pytest.mark.parametrize("name, args, kw", CTOR_CASES, ids=lambda c: str(c))
def test_constructor_errors_match_torch(name, args, kw):
    """Same exception type and message as torch (RNN/GRU with proj_size used to be a TypeError)."""
    got = _outcome(lambda: getattr(nn, name)(*args, **kw))
    want = _outcome(lambda: getattr(torch.nn, name)(*args, **kw))
    assert want[0] != "ok" and got == want


@pytest.mark.parametrize("proj_size, kind", [(2.0, "float"), (True, "bool")])
def test_proj_size_must_be_an_int(proj_size, kind):
    """Not numpy's 'cannot be interpreted as an integer' from inside the parameter allocation."""
    with pytest.raises(TypeError, match=f"proj_size should be of type int, got: {kind}"):
        nn.LSTM(3, 4, proj_size=proj_size)


def test_rnn_and_gru_positional_arguments_unchanged_by_proj_size():
    m = nn.RNN(3, 4, 2, "relu", False, True, 0.1, True)
    assert (m.nonlinearity, m.bias, m.batch_first, m.dropout, m.bidirectional) == ("relu", False, True,
                                                                                  0.1, True)
    assert nn.GRU(3, 4, proj_size=0).proj_size == 0


@requires_torch
def test_dropout_warning_matches_torch():
    for lib in (nn, torch.nn):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.LSTM(3, 4, dropout=0.5)
            lib.LSTM(3, 4, num_layers=2, dropout=1.0)
        assert len(w) == 1 and "non-zero dropout expects num_layers greater than 1" in str(w[0].message)


def _layer_combos():
    for name in ("RNN", "LSTM", "GRU"):
        for bias, bf, drop, bi, extra in itertools.product(
                [True, False], [False, True], [0, 0.25], [False, True],
                [{}, dict(nonlinearity="relu")] if name == "RNN" else
                [{}, dict(proj_size=2)] if name == "LSTM" else [{}]):
            yield name, dict(num_layers=2, bias=bias, batch_first=bf, dropout=drop, bidirectional=bi,
                             **extra)


@requires_torch
@pytest.mark.parametrize("name, kw", list(_layer_combos()), ids=str)
def test_layout_and_repr_match_torch(name, kw):
    """repr, state_dict keys, named_parameters, all_weights and the flat weight names."""
    m, t = getattr(nn, name)(3, 4, **kw), getattr(torch.nn, name)(3, 4, **kw)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    assert [(n, p.shape) for n, p in m.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert [[p.shape for p in w] for w in m.all_weights] == \
        [[tuple(p.shape) for p in w] for w in t.all_weights]
    assert m._flat_weights_names == t._flat_weights_names
    for p in m.parameters():
        assert p.dtype == mg.float32 and np.abs(to_np(p)).max() <= 0.5


@requires_torch
@pytest.mark.parametrize("name, kw", [("RNNCell", dict(nonlinearity="relu", bias=False)),
                                      ("LSTMCell", dict(bias=False)), ("GRUCell", {})])
def test_cell_repr_and_state_dict_match_torch(name, kw):
    m, t = getattr(nn, name)(3, 4, **kw), getattr(torch.nn, name)(3, 4, **kw)
    assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())


# ----------------------------------------------------------------------------- empty batches
@requires_torch
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
def test_empty_batch_gives_empty_outputs_like_torch(name, batch_first, with_hx):
    """A batch of 0 sequences runs (PyTorch returns empty outputs); it used to raise."""
    kw = dict(num_layers=2, bidirectional=True, batch_first=batch_first)
    if name == "LSTM":
        kw["proj_size"] = 2
    m, t = _pair(name, 3, 4, **kw)
    shape = (0, 5, 3) if batch_first else (5, 0, 3)
    results = []
    for lib, mod in ((mg, m), (torch, t)):
        x = lib.zeros(*shape, dtype=lib.float64, requires_grad=True)
        hx = None
        if with_hx:
            h = lib.zeros(4, 0, 2 if name == "LSTM" else 4, dtype=lib.float64)
            hx = (h, lib.zeros(4, 0, 4, dtype=lib.float64)) if name == "LSTM" else h
        out, hn = mod(x, hx)
        hn = hn if name == "LSTM" else (hn,)
        (out.sum() + sum(h.sum() for h in hn)).backward()
        results.append((out, *hn, x.grad))
    for a, b in zip(*results):
        _close(a, b)
    assert results[0][0].requires_grad


@pytest.mark.parametrize("shape, batch_first", [((0, 2, 3), False), ((2, 0, 3), True), ((0, 3), False)])
def test_zero_length_sequence_raises(shape, batch_first):
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        nn.GRU(3, 4, batch_first=batch_first)(mg.zeros(*shape))


# ---------------------------------------------------------------------------- forward parity
@requires_torch
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths, enforce_sorted", [([5, 3, 3, 1], True), ([3, 5, 1, 3], False)])
@pytest.mark.parametrize("with_hx", [False, True])
def test_packed_forward_and_gradients_match_torch(name, batch_first, lengths, enforce_sorted, with_hx):
    """Packed input (batch_first only affects the padding), hx reordered, lengths as list / tensor."""
    kw = dict(num_layers=2, bidirectional=True, batch_first=batch_first)
    if name == "LSTM":
        kw["proj_size"] = 2
    m, t = _pair(name, 3, 4, **kw)
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    P = 2 if name == "LSTM" else 4
    ha, ca = rng.standard_normal((4, 4, P)), rng.standard_normal((4, 4, 4))
    gp, gh = rng.standard_normal((4, 6, 2 * P) if batch_first else (6, 4, 2 * P)), rng.standard_normal(ha.shape)
    results = []
    for lib, mod in ((mg, m), (torch, t)):
        _, tensor, utils = _lib(lib)
        x, h, c = (tensor(a, requires_grad=True) for a in (xa, ha, ca))
        lens = tensor(lengths) if with_hx else lengths
        packed = utils.pack_padded_sequence(x, lens, batch_first, enforce_sorted)
        hx = None if not with_hx else (h, c) if name == "LSTM" else h
        out, hn = mod(packed, hx)
        hn, cn = hn if name == "LSTM" else (hn, None)
        padded, out_lengths = utils.pad_packed_sequence(out, batch_first, 0.5, 6)
        loss = (padded * tensor(gp)).sum() + (hn * tensor(gh)).sum()
        (loss + (cn * cn).sum() if cn is not None else loss).backward()
        res = [out.data, padded, out_lengths, hn, x.grad] + [p.grad for p in mod.parameters()]
        res += [h.grad] if with_hx else []
        results.append((res, out))
    (mres, mout), (tres, tout) = results
    for a, b in zip(mres, tres):
        _close(a, b)
    for a, b in zip(mout[1:], tout[1:]):  # batch_sizes, sorted_indices, unsorted_indices
        assert (a is None) == (b is None)
        assert a is None or (a.tolist() == b.tolist() and a.dtype == mg.int64)


@requires_torch
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_with_hx_matches_torch(name, batch_first):
    """(T, I) input ignores batch_first; hx is (L*D, H)."""
    m, t = _pair(name, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    rng = np.random.default_rng(1)
    xa, ha, ca = rng.standard_normal((5, 3)), rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    results = []
    for lib, mod in ((mg, m), (torch, t)):
        _, tensor, _ = _lib(lib)
        x, h, c = (tensor(a, requires_grad=True) for a in (xa, ha, ca))
        out, hn = mod(x, (h, c) if name == "LSTM" else h)
        hn = hn if name == "LSTM" else (hn,)
        (out.sum() + sum((s * s).sum() for s in hn)).backward()
        results.append([out, *hn, x.grad, h.grad])
    for a, b in zip(*results):
        _close(a, b)


# --------------------------------------------------------------------------------- bad input
_X = np.random.default_rng(0).standard_normal((5, 2, 3))


def _bad_calls(name):
    lstm = name == "LSTM"
    h = (lambda t, s: (t(np.zeros(s)), t(np.zeros(s))) if lstm else t(np.zeros(s)))
    return {
        "1d input": lambda mod, t, u: mod(t(np.zeros(3))),
        "4d input": lambda mod, t, u: mod(t(np.zeros((1, 5, 2, 3)))),
        "feature size": lambda mod, t, u: mod(t(_X[..., :2])),
        "float32 input": lambda mod, t, u: mod(t(_X.astype(np.float32))),
        "hx batch": lambda mod, t, u: mod(t(_X), h(t, (1, 3, 4))),
        "hx layers": lambda mod, t, u: mod(t(_X), h(t, (2, 2, 4))),
        "hx 2d for 3d input": lambda mod, t, u: mod(t(_X), h(t, (1, 4))),
        "hx 3d for 2d input": lambda mod, t, u: mod(t(_X[:, 0]), h(t, (1, 1, 4))),
        "hx 4d": lambda mod, t, u: mod(t(_X), h(t, (1, 1, 2, 4))),
        "packed hx batch": lambda mod, t, u: mod(u.pack_padded_sequence(t(_X), [5, 3]), h(t, (1, 3, 4))),
        "packed 3d data": lambda mod, t, u: mod(u.pack_padded_sequence(t(_X[..., None]), [5, 3])),
    }


@requires_torch
@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("call", list(_bad_calls("RNN")))
def test_bad_input_raises_like_torch(name, call):
    """The exception type of torch (or, where torch fails deep inside, a clear one of ours)."""
    m, t = _pair(name, 3, 4)
    fn = _bad_calls(name)[call]
    got = _outcome(lambda: fn(m, mg.tensor, U))
    want = _outcome(lambda: fn(t, torch.tensor, torch.nn.utils.rnn))
    assert want[0] != "ok" and got[0] in ("RuntimeError", "ValueError")
    if want[0] in ("RuntimeError", "ValueError"):
        assert got[0] == want[0]
    assert "rnn.py" not in got[1] and "numpy" not in got[1].lower()


@pytest.mark.parametrize("name", ["RNN", "GRU"])
def test_tuple_hx_for_rnn_and_gru_raises(name):
    m = getattr(nn, name)(3, 4)
    h = mg.zeros(1, 2, 4)
    with pytest.raises(RuntimeError, match="expected hx to be a Tensor, got a tuple"):
        m(mg.zeros(5, 2, 3), (h, h))


def test_plain_tensor_hx_for_lstm_raises():
    with pytest.raises(RuntimeError, match=r"expected hx to be a tuple \(h_0, c_0\)"):
        nn.LSTM(3, 4)(mg.zeros(5, 2, 3), mg.zeros(2, 1, 2, 4))


# ------------------------------------------------------------------------------------- cells
@requires_torch
@pytest.mark.parametrize("name, kw", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                      ("RNNCell", dict(bias=False)), ("LSTMCell", {}),
                                      ("LSTMCell", dict(bias=False)), ("GRUCell", {}),
                                      ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("xs, hs", [((2, 3), (2, 4)), ((3,), (4,)), ((2, 3), None), ((3,), None)])
def test_cell_values_and_grads_match_torch(name, kw, xs, hs):
    m, t = _pair(name, 3, 4, **kw)
    lstm = name == "LSTMCell"
    rng = np.random.default_rng(2)
    xa = rng.standard_normal(xs)
    ha, ca = (rng.standard_normal(hs), rng.standard_normal(hs)) if hs else (None, None)
    results = []
    for lib, mod in ((mg, m), (torch, t)):
        _, tensor, _ = _lib(lib)
        x = tensor(xa, requires_grad=True)
        states = [tensor(a, requires_grad=True) for a in (ha, ca)[:2 if lstm else 1]] if hs else []
        out = mod(x, (tuple(states) if lstm else states[0]) if hs else None)
        outs = out if lstm else (out,)
        sum((o * o.detach().cos()).sum() for o in outs).backward()
        results.append([*outs, x.grad] + [s.grad for s in states] + [p.grad for p in mod.parameters()])
    for a, b in zip(*results):
        _close(a, b)


def test_lstm_cell_rejects_a_plain_tensor_hx():
    """A (2, B, H) tensor used to be unbound into (h, c) silently; torch raises a TypeError."""
    cell = nn.LSTMCell(3, 4)
    with pytest.raises(TypeError, match=r"LSTMCell: expected hx to be a tuple \(h_0, c_0\) of 2 "
                                        r"tensors, got Tensor"):
        cell(mg.zeros(2, 3), mg.zeros(2, 2, 4))


@requires_torch
@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_empty_batch_matches_torch(name):
    m, t = _pair(name, 3, 4)
    out_m, out_t = m(mg.zeros(0, 3, dtype=mg.float64)), t(torch.zeros(0, 3, dtype=torch.float64))
    for a, b in zip(out_m if name == "LSTMCell" else (out_m,), out_t if name == "LSTMCell" else (out_t,)):
        _close(a, b)


# ------------------------------------------------------------------------------------ utilities
_SEQS = [np.random.default_rng(3).standard_normal((n, 2)) for n in (3, 5, 1)]


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_values_and_grads_match_torch(batch_first, padding_side):
    results = []
    for lib in (mg, torch):
        _, tensor, utils = _lib(lib)
        seqs = [tensor(s, requires_grad=True) for s in _SEQS]
        out = utils.pad_sequence(seqs, batch_first, -1.5, padding_side)
        (out * out.detach().sin()).sum().backward()
        results.append([out] + [s.grad for s in seqs])
    for a, b in zip(*results):
        _close(a, b)


def test_pad_sequence_bad_padding_side_is_a_runtime_error():
    """PyTorch raises RuntimeError here (it was a ValueError)."""
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got up."):
        U.pad_sequence([mg.zeros(2)], padding_side="up")


@pytest.mark.parametrize("seqs, message", [
    ([], "received an empty list of sequences"),
    ([mg.zeros(2, 2), mg.zeros(3, 3)], r"sequence 1 has shape \(3, 3\)"),
    ([mg.zeros(2), np.zeros(3)], "element 1 is ndarray"),
])
def test_pad_sequence_bad_input(seqs, message):
    with pytest.raises((RuntimeError, TypeError), match=message):
        U.pad_sequence(seqs)


@pytest.mark.parametrize("total_length", [6.0, 6.5, "6"])
def test_pad_packed_total_length_must_be_an_int(total_length):
    """6.5 used to be truncated silently; torch raises a TypeError for any non-int."""
    packed = U.pack_padded_sequence(mg.zeros(5, 2, 1), [5, 3])
    with pytest.raises(TypeError, match="total_length must be an int"):
        U.pad_packed_sequence(packed, total_length=total_length)


@pytest.mark.parametrize("total_length", [6, np.int64(6), "tensor"])
def test_pad_packed_total_length_accepts_integer_types(total_length):
    total_length = mg.tensor(6) if isinstance(total_length, str) else total_length
    packed = U.pack_padded_sequence(mg.zeros(5, 2, 1), [5, 3])
    assert U.pad_packed_sequence(packed, total_length=total_length)[0].shape == (6, 2, 1)


@pytest.mark.parametrize("lengths", [[2, 3], [2, 3, 1, 1], [6, 3, 1], [2, -1, 1]])
def test_unpad_sequence_checks_the_lengths(lengths):
    """A wrong count used to drop sequences silently, a negative length cut from the end."""
    with pytest.raises(RuntimeError, match=r"unpad_sequence: expected 3 lengths in \[0, 5\]"):
        U.unpad_sequence(mg.zeros(5, 3, 2), lengths)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_and_unpack_sequence_match_torch(batch_first):
    padded = np.random.default_rng(4).standard_normal((3, 5, 2) if batch_first else (5, 3, 2))
    got = U.unpad_sequence(mg.tensor(padded), mg.tensor([5, 3, 1]), batch_first)
    want = torch.nn.utils.rnn.unpad_sequence(torch.tensor(padded), torch.tensor([5, 3, 1]), batch_first)
    for a, b in zip(got, want, strict=True):
        _close(a, b)
    got = U.unpack_sequence(U.pack_sequence([mg.tensor(s) for s in _SEQS], enforce_sorted=False))
    want = torch.nn.utils.rnn.unpack_sequence(
        torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in _SEQS], enforce_sorted=False))
    for a, b in zip(got, want, strict=True):
        _close(a, b)


@requires_torch
@pytest.mark.parametrize("method", ["double", "float", "half", "long", "int", "short", "char", "byte"])
def test_packed_sequence_dtype_methods_match_torch(method):
    got = getattr(U.pack_sequence([mg.tensor(s) for s in _SEQS], enforce_sorted=False), method)()
    want = getattr(torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in _SEQS],
                                                    enforce_sorted=False), method)()
    assert type(got) is U.PackedSequence and got.data.dtype.name == str(want.data.dtype)[6:]
    np.testing.assert_array_equal(to_np(got.data), want.data.numpy())
    for a, b in zip(got[1:], want[1:]):
        assert a.tolist() == b.tolist()


@requires_torch
@pytest.mark.parametrize("lengths", [[5, 3, 1], (5, 3, 1), np.array([5, 3, 1]), "tensor", "int32"])
def test_pack_padded_lengths_types_match_torch(lengths):
    padded = np.random.default_rng(5).standard_normal((5, 3, 2))
    as_lengths = {"tensor": lambda lib: lib.tensor([5, 3, 1]),
                  "int32": lambda lib: lib.tensor([5, 3, 1], dtype=lib.int32)}
    got = U.pack_padded_sequence(mg.tensor(padded),
                                 as_lengths[lengths](mg) if isinstance(lengths, str) else lengths)
    want = torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(padded), as_lengths[lengths](torch) if isinstance(lengths, str) else lengths)
    _close(got.data, want.data)
    assert got.batch_sizes.tolist() == want.batch_sizes.tolist()
