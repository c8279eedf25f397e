"""scaled_dot_product_attention (fused node vs composed ops vs PyTorch, gradcheck) and
MultiheadAttention (parity over a grid of options and masks, state dicts, bad input)."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.primitives.attention import ScaledDotProductAttention
from conftest import mg_from_np, requires_torch, to_np, torch

# the acceptance tolerances: float64 within 1e-9 relative, float32 within 1e-4
TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=1e-4, atol=1e-5)}
DTYPES = [np.float64, np.float32]


def rand(*shape, dtype=np.float64, seed=None):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape).astype(dtype)


def close(m, t, dtype, msg=""):
    t = t.detach().numpy() if torch is not None and isinstance(t, torch.Tensor) else t
    np.testing.assert_allclose(to_np(m), t, **TOL[dtype], err_msg=msg)


# ----------------------------------------------------------------------------------- masks
def sdpa_mask(kind, L, S, dtype):
    """(numpy mask or None, is_causal) for scaled_dot_product_attention: bool True = may attend."""
    rng = np.random.default_rng(7)
    if kind == "none":
        return None, False
    if kind == "bool":
        m = rng.random((L, S)) > 0.3
        m[:, 0] = True
        return m, False
    if kind == "bool_batched":  # broadcast over heads: (N, 1, L, S)
        m = rng.random((2, 1, L, S)) > 0.3
        m[..., 0] = True
        return m, False
    if kind == "float":
        return rng.standard_normal((L, S)).astype(dtype), False
    if kind == "causal":
        return None, True
    if kind == "row_fully_masked":
        m = np.ones((L, S), dtype=bool)
        m[1] = False
        return m, False
    raise ValueError(kind)


SDPA_MASKS = ["none", "bool", "bool_batched", "float", "causal", "row_fully_masked"]


def _sdpa_inputs(dtype, L=4, S=5, E=3, Ev=6, H=2):
    return rand(2, H, L, E, dtype=dtype, seed=1), rand(2, H, S, E, dtype=dtype, seed=2), \
        rand(2, H, S, Ev, dtype=dtype, seed=3)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", SDPA_MASKS)
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_matches_torch(kind, scale, dtype):
    qa, ka, va = _sdpa_inputs(dtype)
    mask, causal = sdpa_mask(kind, 4, 5, dtype)
    mq, mk, mv = (mg_from_np(a, requires_grad=True) for a in (qa, ka, va))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (qa, ka, va))
    mo = F.scaled_dot_product_attention(mq, mk, mv, None if mask is None else mg_from_np(mask),
                                        is_causal=causal, scale=scale)
    to = torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tv, None if mask is None else torch.tensor(mask), is_causal=causal, scale=scale)
    close(mo, to, dtype)
    g = rand(*mo.shape, dtype=dtype, seed=4)
    mo.backward(mg_from_np(g))
    to.backward(torch.tensor(g))
    for m, t, name in ((mq, tq, "q"), (mk, tk, "k"), (mv, tv, "v")):
        close(m.grad, t.grad, dtype, name)


@pytest.mark.parametrize("kind", SDPA_MASKS)
@pytest.mark.parametrize("dropout_p", [0.0, 0.4])
def test_fused_matches_composed(kind, dropout_p):
    """The fused node and the readable composition give the same values and gradients (the dropout
    masks agree because both draw them from the same seed)."""
    qa, ka, va = _sdpa_inputs(np.float64)
    mask, causal = sdpa_mask(kind, 4, 5, np.float64)
    results = []
    for fn in (F.scaled_dot_product_attention, nn.attention_functional.scaled_dot_product_attention_composed):
        q, k, v = (mg_from_np(a, requires_grad=True) for a in (qa, ka, va))
        mg.manual_seed(3)
        out = fn(q, k, v, None if mask is None else mg_from_np(mask), dropout_p=dropout_p,
                 is_causal=causal)
        out.backward(mg_from_np(rand(*out.shape, seed=5)))
        results.append([to_np(out), to_np(q.grad), to_np(k.grad), to_np(v.grad)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_fused_is_one_node_that_keeps_only_what_backward_needs():
    q, k, v = (mg_from_np(a, requires_grad=True) for a in _sdpa_inputs(np.float64))
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.grad_fn.name() == "ScaledDotProductAttentionBackward0"
    p, drop, v_saved, q_saved, k_saved = out.grad_fn.saved_tensors
    assert p.shape == (2, 2, 4, 5) and drop is None
    assert v_saved is v.array and q_saved is q.array and k_saved is k.array
    # only v requires grad: neither q nor k is kept (dV needs only the weights)
    q2, k2 = mg_from_np(q.array), mg_from_np(k.array)
    out2 = F.scaled_dot_product_attention(q2, k2, v)
    assert out2.grad_fn.saved_tensors[2:] == (None, None, None)


@pytest.mark.parametrize("kind", ["none", "float", "causal", "row_fully_masked"])
def test_sdpa_gradcheck(kind):
    qa, ka, va = _sdpa_inputs(np.float64, L=3, S=4, E=2, Ev=3, H=1)
    mask, causal = sdpa_mask(kind, 3, 4, np.float64)
    xs = [mg_from_np(a, requires_grad=True) for a in (qa, ka, va)]
    if kind == "float":  # a float mask gets a gradient too
        xs.append(mg_from_np(mask, requires_grad=True))

    def fn(q, k, v, m=None):
        mg.manual_seed(11)  # the same dropout mask in every evaluation
        mm = m if m is not None else (None if mask is None else mg_from_np(mask))
        return F.scaled_dot_product_attention(q, k, v, mm, dropout_p=0.3, is_causal=causal)
    assert mg.autograd.gradcheck(fn, xs, eps=1e-6, atol=1e-7, rtol=1e-6)


def test_gradcheck_with_weights_output():
    """The MultiheadAttention form: weights are a second output, and their gradient reaches q, k, v."""
    qa, ka, va = _sdpa_inputs(np.float64, L=3, S=4, E=2, Ev=2, H=1)
    bias = np.where(np.random.default_rng(0).random((3, 4)) > 0.3, 0.0, -np.inf)
    bias[:, 0] = 0.0
    xs = [mg_from_np(a, requires_grad=True) for a in (qa, ka, va)]
    assert mg.autograd.gradcheck(
        lambda q, k, v: ScaledDotProductAttention.apply(q, k, v, bias, None, 0.7, False, True),
        xs, eps=1e-6, atol=1e-7, rtol=1e-6)


@requires_torch
def test_sdpa_gqa_and_broadcast_batch():
    q, k, v = rand(2, 4, 3, 5, seed=1), rand(2, 2, 6, 5, seed=2), rand(2, 2, 6, 5, seed=3)
    mo = F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v), enable_gqa=True)
    to = torch.nn.functional.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k),
                                                          torch.tensor(v), enable_gqa=True)
    close(mo, to, np.float64)


def test_sdpa_fully_masked_row_gives_zeros():
    q, k, v = (mg_from_np(a, requires_grad=True) for a in _sdpa_inputs(np.float64))
    mask, _ = sdpa_mask("row_fully_masked", 4, 5, np.float64)
    out = F.scaled_dot_product_attention(q, k, v, mg_from_np(mask))
    out.sum().backward()
    assert not np.isnan(to_np(out)).any() and not np.any(to_np(out)[:, :, 1])
    assert not np.any(to_np(q.grad)[:, :, 1])


@pytest.mark.parametrize("args,kwargs,exc,match", [
    (((2, 3, 4), (2, 5, 3), (2, 5, 4)), {}, RuntimeError, "same feature size"),
    (((2, 3, 4), (2, 5, 4), (2, 6, 4)), {}, RuntimeError, "same sequence length"),
    (((3, 4), (5, 4), (5, 4)), {"attn_mask": np.ones((4, 5), bool)}, RuntimeError, "cannot be broadcast"),
    (((3, 4), (5, 4), (5, 4)), {"attn_mask": np.ones((3, 5), np.int64)}, RuntimeError, "bool or"),
    (((3, 4), (5, 4), (5, 4)), {"dropout_p": 1.5}, ValueError, "dropout_p"),
    (((3, 4), (5, 4), (5, 4)), {"attn_mask": np.ones((3, 5), bool), "is_causal": True}, RuntimeError,
     "should not be set when is_causal"),
])
def test_sdpa_bad_input(args, kwargs, exc, match):
    q, k, v = (mg.tensor(rand(*s)) for s in args)
    kwargs = {n: mg.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()}
    with pytest.raises(exc, match=match):
        F.scaled_dot_product_attention(q, k, v, **kwargs)


def test_sdpa_dtype_mismatch():
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(mg.tensor(rand(3, 4)), mg.tensor(rand(5, 4, dtype=np.float32)),
                                       mg.tensor(rand(5, 4)))


# ------------------------------------------------------------------------- MultiheadAttention
E, H, L, S, N = 8, 2, 4, 5, 2


def mha_masks(kind, dtype):
    """(attn_mask, key_padding_mask) numpy arrays in MultiheadAttention's convention (True = masked)."""
    rng = np.random.default_rng(3)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[1, 3:] = True
    am = rng.random((L, S)) > 0.7
    am[:, 0] = False
    am3 = rng.random((N * H, L, S)) > 0.7  # a different mask per batch entry and head
    am3[:, :, 0] = False
    return {
        "none": (None, None),
        "attn_bool": (am, None),
        "attn_float": (rng.standard_normal((L, S)).astype(dtype), None),
        "attn_3d": (am3, None),
        "kpm_bool": (None, kpm),
        "kpm_float": (None, np.where(kpm, -np.inf, 0.0).astype(dtype)),
        "both": (am, kpm),
    }[kind]


MHA_MASKS = ["none", "attn_bool", "attn_float", "attn_3d", "kpm_bool", "kpm_float", "both"]
MHA_OPTIONS = [
    dict(),
    dict(batch_first=True),
    dict(kdim=3, vdim=5),
    dict(add_bias_kv=True, add_zero_attn=True),
    dict(bias=False, batch_first=True, kdim=6),
]


def _pair_mha(kwargs, dtype):
    tm = torch.nn.MultiheadAttention(E, H, **kwargs).to(getattr(torch, np.dtype(dtype).name))
    mm = nn.MultiheadAttention(E, H, dtype=mg.float64 if dtype == np.float64 else mg.float32, **kwargs)
    mm.load_state_dict({k: mg.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return mm, tm


def _mha_inputs(kwargs, dtype, self_attention):
    bf = kwargs.get("batch_first", False)

    def shape(seq, feat):
        return (N, seq, feat) if bf else (seq, N, feat)
    q = rand(*shape(L if not self_attention else S, E), dtype=dtype, seed=1)
    if self_attention:
        return q, q, q
    return (q, rand(*shape(S, kwargs.get("kdim", E)), dtype=dtype, seed=2),
            rand(*shape(S, kwargs.get("vdim", E)), dtype=dtype, seed=3))


def _run_mha_parity(kwargs, kind, dtype, need_weights=True, average=True, self_attention=False):
    mm, tm = _pair_mha(kwargs, dtype)
    arrays = _mha_inputs(kwargs, dtype, self_attention)
    am, kpm = mha_masks(kind, dtype)
    assert not (self_attention and am is not None), "self-attention cases use key padding only"
    if self_attention:
        mq = mg_from_np(arrays[0], requires_grad=True)
        tq = torch.tensor(arrays[0], requires_grad=True)
        mx, tx = (mq, mq, mq), (tq, tq, tq)
    else:
        mx = tuple(mg_from_np(a, requires_grad=True) for a in arrays)
        tx = tuple(torch.tensor(a, requires_grad=True) for a in arrays)

    def masks(lib_tensor):
        return dict(attn_mask=None if am is None else lib_tensor(am),
                    key_padding_mask=None if kpm is None else lib_tensor(kpm))
    mo, mw = mm(*mx, need_weights=need_weights, average_attn_weights=average, **masks(mg.tensor))
    to, tw = tm(*tx, need_weights=need_weights, average_attn_weights=average, **masks(torch.tensor))
    close(mo, to, dtype, "output")
    if need_weights:
        assert mw.shape == tuple(tw.shape)
        close(mw, tw, dtype, "weights")
    else:
        assert mw is None and tw is None
    g = rand(*mo.shape, dtype=dtype, seed=9)
    roots_m, roots_t, grads = [mo], [to], [g]
    if need_weights:
        gw = rand(*mw.shape, dtype=dtype, seed=10)
        roots_m.append(mw), roots_t.append(tw), grads.append(gw)
    mg.autograd.backward(roots_m, [mg_from_np(x) for x in grads])
    torch.autograd.backward(roots_t, [torch.tensor(x) for x in grads])
    for m, t in zip(mx, tx):
        close(m.grad, t.grad, dtype, "input grad")
    mparams = dict(mm.named_parameters())
    for name, tp in tm.named_parameters():
        close(mparams[name].grad, tp.grad, dtype, name)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", MHA_MASKS)
@pytest.mark.parametrize("options", MHA_OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items())
                         or "default")
def test_mha_matches_torch(options, kind, dtype):
    _run_mha_parity(options, kind, dtype)


@requires_torch
@pytest.mark.parametrize("need_weights,average", [(False, True), (True, False)])
@pytest.mark.parametrize("kind", ["none", "both"])
def test_mha_weights_options(need_weights, average, kind):
    _run_mha_parity(dict(batch_first=True), kind, np.float64, need_weights, average)


@requires_torch
@pytest.mark.parametrize("options", [dict(), dict(batch_first=True)])
def test_mha_self_attention_packed_projection(options):
    _run_mha_parity(options, "kpm_bool", np.float64, self_attention=True)


@requires_torch
def test_mha_unbatched_and_causal_hint():
    mm, tm = _pair_mha(dict(), np.float64)
    x = rand(L, E, seed=1)
    causal = np.triu(np.full((L, L), -np.inf), 1)
    mo, mw = mm(mg.tensor(x), mg.tensor(x), mg.tensor(x), attn_mask=mg.tensor(causal), is_causal=True)
    to, tw = tm(torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=torch.tensor(causal),
                is_causal=True)
    close(mo, to, np.float64)
    close(mw, tw, np.float64)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        mm(mg.tensor(x), mg.tensor(x), mg.tensor(x), is_causal=True)


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_all_keys_padded_row_matches_torch(need_weights):
    """A batch entry whose every key is padded: PyTorch gives NaN when it returns the weights (a plain
    softmax of -inf scores) and zeros when it does not (its attention kernel); minigrad does the same."""
    mm, tm = _pair_mha(dict(batch_first=True), np.float64)
    x = rand(N, S, E, seed=1)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0] = True
    mo, mw = mm(mg.tensor(x), mg.tensor(x), mg.tensor(x), key_padding_mask=mg.tensor(kpm),
                need_weights=need_weights)
    to, tw = tm(torch.tensor(x), torch.tensor(x), torch.tensor(x), key_padding_mask=torch.tensor(kpm),
                need_weights=need_weights)
    np.testing.assert_array_equal(np.isnan(to_np(mo)), np.isnan(to.detach().numpy()))
    assert np.isnan(to_np(mo)[0]).all() == need_weights
    np.testing.assert_allclose(to_np(mo)[1], to.detach().numpy()[1], rtol=1e-9)
    if need_weights:
        np.testing.assert_array_equal(np.isnan(to_np(mw)), np.isnan(tw.detach().numpy()))


@requires_torch
def test_mha_state_dict_round_trip_both_ways():
    mm = nn.MultiheadAttention(E, H, kdim=3, vdim=5, add_bias_kv=True, dtype=mg.float64)
    tm = torch.nn.MultiheadAttention(E, H, kdim=3, vdim=5, add_bias_kv=True).double()
    assert list(mm.state_dict()) == list(tm.state_dict())
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mm.state_dict().items()})
    q, k, v = rand(L, N, E, seed=1), rand(S, N, 3, seed=2), rand(S, N, 5, seed=3)
    mo, _ = mm(mg.tensor(q), mg.tensor(k), mg.tensor(v))
    to, _ = tm(torch.tensor(q), torch.tensor(k), torch.tensor(v))
    close(mo, to, np.float64)


@requires_torch
def test_mha_init_matches_torch_distributions():
    """PyTorch's init: Xavier-uniform in_proj (bound sqrt(6 / (E + 3E))), zero biases."""
    mm = nn.MultiheadAttention(64, 4)
    w = to_np(mm.in_proj_weight)
    bound = np.sqrt(6.0 / (64 + 3 * 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not np.any(to_np(mm.in_proj_bias)) and not np.any(to_np(mm.out_proj.bias))
    assert type(mm.out_proj).__name__ == "NonDynamicallyQuantizableLinear"


def test_mha_dropout_only_in_training():
    mm = nn.MultiheadAttention(E, H, dropout=0.5)
    x = mg.tensor(rand(L, N, E, dtype=np.float32))
    mm.eval()
    a, _ = mm(x, x, x)
    b, _ = mm(x, x, x)
    np.testing.assert_array_equal(to_np(a), to_np(b))
    mm.train()
    c, w = mm(x, x, x, average_attn_weights=False)
    assert not np.allclose(to_np(a), to_np(c))
    assert (to_np(w) == 0).any()  # dropped weights are returned, as PyTorch


@requires_torch
@pytest.mark.parametrize("make,call", [
    (lambda m: m.nn.MultiheadAttention(10, 3), None),
    (lambda m: m.nn.MultiheadAttention(0, 2), None),
    (None, lambda m, mha, x, b: mha(x, x, x, attn_mask=m.ones(3, 3, dtype=m.bool))),
    (None, lambda m, mha, x, b: mha(x, x, x, attn_mask=m.ones(4, 3, 5, dtype=m.bool))),
    (None, lambda m, mha, x, b: mha(x, x, x, attn_mask=m.ones(5, 5, dtype=m.int64))),
    (None, lambda m, mha, x, b: mha(x, x, x, attn_mask=m.zeros(5, 5, dtype=m.float64))),
    (None, lambda m, mha, x, b: mha(x, x, x, key_padding_mask=m.ones(3, 5, dtype=m.bool))),
    (None, lambda m, mha, x, b: mha(x, x, x, key_padding_mask=m.ones(2, 5, 1, dtype=m.bool))),
    (None, lambda m, mha, x, b: mha(b, b, b)),
    (None, lambda m, mha, x, b: mha(x, x[:, :, :4], x)),
])
def test_mha_bad_input_raises_like_torch(make, call):
    """Every bad input raises the exception class PyTorch raises, with a message naming the problem."""
    def run(m):
        if make is not None:
            return make(m)
        mha = m.nn.MultiheadAttention(8, 2)
        return call(m, mha, m.ones(5, 2, 8), m.ones(5, 2, 2, 8))
    with pytest.raises(Exception) as t_err:
        run(torch)
    with pytest.raises(Exception) as m_err:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run(mg)
    assert type(m_err.value) is type(t_err.value), (m_err.value, t_err.value)
    assert str(m_err.value)


@requires_torch
def test_float_mask_of_other_precision_is_cast_like_torch():
    """PyTorch's attention kernel casts a float mask of another precision (e.g. a float32 causal
    mask in a float64 model); only MultiheadAttention's need_weights path refuses it."""
    x = rand(2, 3, 4)
    mask = np.triu(np.full((3, 3), -np.inf), 1).astype(np.float32)
    mo = F.scaled_dot_product_attention(mg.tensor(x), mg.tensor(x), mg.tensor(x), mg.tensor(mask))
    to = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(x), torch.tensor(x), torch.tensor(x), attn_mask=torch.tensor(mask))
    assert mo.dtype == mg.float64
    close(mo, to, np.float64)
    mm, tm = _pair_mha(dict(), np.float64)
    xs = rand(3, N, E)
    mo, _ = mm(mg.tensor(xs), mg.tensor(xs), mg.tensor(xs), attn_mask=mg.tensor(mask), need_weights=False)
    to, _ = tm(torch.tensor(xs), torch.tensor(xs), torch.tensor(xs), attn_mask=torch.tensor(mask),
               need_weights=False)
    close(mo, to, np.float64)


@requires_torch
def test_mha_mismatched_mask_types_warn():
    mm = nn.MultiheadAttention(E, H)
    x = mg.ones(S, N, E)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        mm(x, x, x, key_padding_mask=mg.zeros(N, S, dtype=mg.bool), attn_mask=mg.zeros(S, S))
