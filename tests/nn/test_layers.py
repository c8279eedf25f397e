"""Layers against live PyTorch (values and gradients), default inits, dropout statistics and bad input."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from conftest import mg_from_np, requires_torch, to_np, torch
from .helpers import DTYPES, MG_DTYPE, assert_close, copy_weights, pair, run_both


def rand(*shape, dtype=np.float64):
    return np.random.standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------------- Linear
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_parity(dtype, bias, shape):
    t = torch.nn.Linear(3, 4, bias=bias).to(getattr(torch, np.dtype(dtype).name))
    m = nn.Linear(3, 4, bias=bias).to(MG_DTYPE[dtype])
    copy_weights(t, m)
    run_both(m, t, [rand(*shape, dtype=dtype)], dtype)


def test_linear_shapes_and_default_init():
    m = nn.Linear(400, 300)
    assert m.weight.shape == (300, 400) and m.bias.shape == (300,)
    assert m.weight.requires_grad and m.weight.dtype == mg.float32
    w, b = to_np(m.weight), to_np(m.bias)
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) gives exactly 1/sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.95 * bound
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2).named_parameters()] == ["weight", "bias"]


def test_linear_seeded_init_is_reproducible():
    mg.manual_seed(7)
    a = to_np(nn.Linear(5, 6).weight)
    mg.manual_seed(7)
    b = to_np(nn.Linear(5, 6).weight)
    np.testing.assert_array_equal(a, b)


def test_linear_bad_input():
    m = nn.Linear(3, 4)
    with pytest.raises(RuntimeError, match=r"last dimension 3.*\(2, 5\)"):
        m(mg.randn(2, 5))
    with pytest.raises(RuntimeError, match="float32.*float64"):
        m(mg.randn(2, 3, dtype=mg.float64))
    with pytest.raises(TypeError, match="Tensor"):
        m(np.zeros((2, 3), dtype=np.float32))


# -------------------------------------------------------------------------------- Embedding
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
def test_embedding_parity(dtype, padding_idx):
    t = torch.nn.Embedding(10, 4, padding_idx=padding_idx).to(getattr(torch, np.dtype(dtype).name))
    m = nn.Embedding(10, 4, padding_idx=padding_idx).to(MG_DTYPE[dtype])
    assert m.padding_idx == t.padding_idx
    copy_weights(t, m)
    idx = np.array([[0, 3, 3, 9], [1, 0, 9, 3], [2, 2, 2, 2]])
    mo, to = m(mg_from_np(idx)), t(torch.tensor(idx))
    assert_close(mo, to, dtype)
    g = rand(3, 4, 4, dtype=dtype)
    mo.backward(mg_from_np(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(m.weight.grad), t.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    if padding_idx is not None:
        assert not np.any(to_np(m.weight.grad)[m.padding_idx])


def test_embedding_default_init_and_padding_row():
    m = nn.Embedding(2000, 50, padding_idx=5)
    w = to_np(m.weight)
    assert not np.any(w[5])
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    assert nn.Embedding(10, 3, padding_idx=-2).padding_idx == 8
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(10, 3, padding_idx=10)


@requires_torch
def test_embedding_max_norm_parity():
    t = torch.nn.Embedding(6, 3, max_norm=1.0).double()
    m = nn.Embedding(6, 3, max_norm=1.0).to(mg.float64)
    copy_weights(t, m)
    idx = np.array([0, 2, 2, 5])
    assert_close(m(mg_from_np(idx)), t(torch.tensor(idx)), np.float64)
    assert_close(m.weight, t.weight, np.float64)


def test_embedding_from_pretrained():
    w = mg.randn(4, 3)
    frozen = nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad
    assert frozen.weight.array is w.array  # shared, not copied (as in PyTorch)
    np.testing.assert_array_equal(to_np(frozen(mg.tensor([1, 3]))), to_np(w)[[1, 3]])
    out = frozen(mg.tensor([1, 2]))
    assert not out.requires_grad
    trainable = nn.Embedding.from_pretrained(w, freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad and trainable.padding_idx == 1
    assert np.any(to_np(trainable.weight)[1])  # the pretrained padding row is kept
    trainable(mg.tensor([1, 2, 1])).sum().backward()
    grad = to_np(trainable.weight.grad)
    assert not np.any(grad[1]) and np.all(grad[2] == 1)
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(mg.randn(4))


def test_embedding_bad_input():
    m = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"index 10 .*0 to 9"):
        m(mg.tensor([1, 10]))
    with pytest.raises(IndexError, match=r"index -1 .*0 to 9"):
        m(mg.tensor([-1, 2]))
    with pytest.raises(TypeError, match="integer.*float32"):
        m(mg.tensor([1.0, 2.0]))
    assert m(mg.tensor([1, 2], dtype=mg.int32)).shape == (2, 3)
    assert m(mg.tensor([], dtype=mg.int64)).shape == (0, 3)


# -------------------------------------------------------------------------------- LayerNorm
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, {"elementwise_affine": False}, {"bias": False},
                                    {"eps": 1e-3}])
@pytest.mark.parametrize("normalized_shape,shape", [(6, (4, 6)), ((3, 6), (2, 3, 6)), (5, (5,))])
def test_layernorm_parity(dtype, kwargs, normalized_shape, shape):
    t = torch.nn.LayerNorm(normalized_shape, **kwargs).to(getattr(torch, np.dtype(dtype).name))
    m = nn.LayerNorm(normalized_shape, **kwargs).to(MG_DTYPE[dtype])
    if kwargs.get("elementwise_affine", True):
        with torch.no_grad():  # non-trivial affine parameters
            t.weight.normal_()
            if t.bias is not None:
                t.bias.normal_()
    copy_weights(t, m)
    run_both(m, t, [rand(*shape, dtype=dtype) * 3 + 1], dtype)


def test_layernorm_bad_shape():
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 8\].*\[2, 3\]"):
        nn.LayerNorm(8)(mg.randn(2, 3))


# ------------------------------------------------------------------------------ activations
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,args", [("ReLU", ()), ("Tanh", ()), ("Sigmoid", ()), ("GELU", ()),
                                       ("GELU", ("tanh",)), ("Softmax", (1,)), ("Softmax", (-1,)),
                                       ("LogSoftmax", (1,)), ("LogSoftmax", (0,)), ("Identity", ()),
                                       ("Flatten", ()), ("Flatten", (0, 1))])
def test_activation_parity(dtype, name, args):
    x = rand(3, 4, 5, dtype=dtype) * 3
    run_both(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), [x], dtype)


def test_sigmoid_tanh_softmax_large_inputs_are_finite():
    x = mg.tensor([[-1e4, 0.0, 1e4]])
    assert np.isfinite(to_np(nn.Sigmoid()(x))).all()
    assert np.isfinite(to_np(nn.LogSoftmax(1)(x))).all()
    np.testing.assert_allclose(to_np(nn.Softmax(1)(x)), [[0, 0, 1]])


def test_unflatten():
    m = nn.Unflatten(1, (2, 3))
    assert m(mg.randn(4, 6, 5)).shape == (4, 2, 3, 5)
    assert nn.Flatten()(mg.randn(4, 2, 3)).shape == (4, 6)
    x = mg.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x


# ---------------------------------------------------------------------------------- Dropout
def test_dropout_eval_is_identity():
    m = nn.Dropout(0.5).eval()
    x = mg.randn(10, 10)
    assert m(x) is x


def test_dropout_train_scaling_and_statistics():
    p = 0.3
    x = mg.ones(200, 500, requires_grad=True)
    y = nn.Dropout(p)(x)
    out = to_np(y)
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.005
    y.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), out)  # the gradient uses the same mask


def test_dropout_edge_probabilities_and_seed():
    x = mg.randn(50, 20, requires_grad=True)
    assert nn.Dropout(0.0)(x) is x
    y = nn.Dropout(1.0)(x)
    assert not np.any(to_np(y))
    y.sum().backward()
    assert not np.any(to_np(x.grad))
    mg.manual_seed(3)
    a = to_np(F.dropout(x, 0.5))
    mg.manual_seed(3)
    b = to_np(F.dropout(x, 0.5))
    np.testing.assert_array_equal(a, b)
    assert to_np(F.dropout(x, 0.5, training=False)) is not None
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(bad)
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, bad)


def test_dropout_inplace():
    x = mg.ones(100, 100)
    y = nn.Dropout(0.5, inplace=True)(x)
    assert y is x
    assert set(np.unique(to_np(x))) <= {0.0, 2.0}
    a = mg.randn(30, requires_grad=True)
    h = a * 1
    F.dropout(h, 0.5, inplace=True).sum().backward()
    np.testing.assert_allclose(to_np(a.grad), np.where(to_np(h) != 0, 2.0, 0.0))


# -------------------------------------------------------------------------------- gradcheck
def _f64(*shape, requires_grad=True):
    return mg_from_np(np.random.standard_normal(shape), requires_grad=requires_grad)


def test_gradcheck_layer_norm():
    x, w, b = _f64(3, 2, 4), _f64(2, 4), _f64(2, 4)
    assert mg.autograd.gradcheck(lambda x, w, b: F.layer_norm(x, (2, 4), w, b), (x, w, b))
    assert mg.autograd.gradcheck(lambda x: F.layer_norm(x, 4), (_f64(3, 4),))


def test_gradcheck_embedding_linear_dropout():
    w = _f64(5, 3)
    idx = mg.tensor([[0, 4, 4], [2, 0, 1]])
    assert mg.autograd.gradcheck(lambda w: F.embedding(idx, w), (w,))  # repeated rows accumulate
    x, lw, lb = _f64(4, 3), _f64(2, 3), _f64(2)
    assert mg.autograd.gradcheck(F.linear, (x, lw, lb))

    def drop(x):
        mg.manual_seed(1)
        return F.dropout(x, 0.4)
    assert mg.autograd.gradcheck(drop, (_f64(4, 5),))


# ------------------------------------------------------------------ audit regressions
def test_linear_with_zero_in_features_and_bad_sizes():
    with pytest.warns(UserWarning):
        m = nn.Linear(0, 2)
    x = mg.ones(3, 0, requires_grad=True)
    y = m(x)
    y.sum().backward()
    assert y.shape == (3, 2) and x.grad.shape == (3, 0) and m.weight.grad.shape == (2, 0)
    with pytest.raises(RuntimeError, match="non-negative"):
        nn.Linear(-1, 2)
    with pytest.raises(TypeError, match="int"):
        nn.Linear(2.0, 2)


# ------------------------------------------------------------ LeakyReLU, ELU, SiLU, Softplus
@requires_torch
@pytest.mark.parametrize("make", [
    lambda lib: lib.LeakyReLU(), lambda lib: lib.LeakyReLU(0.2), lambda lib: lib.ELU(),
    lambda lib: lib.ELU(alpha=0.5), lambda lib: lib.SiLU(), lambda lib: lib.Softplus(),
    lambda lib: lib.Softplus(beta=2, threshold=1.0), lambda lib: lib.LeakyReLU(0.1, inplace=True),
    lambda lib: lib.ELU(0.5, True), lambda lib: lib.SiLU(inplace=True),
])
def test_new_activation_modules_match_torch(make):
    mmod, tmod = make(nn), make(torch.nn)
    assert repr(mmod) == repr(tmod)
    x = np.random.default_rng(0).standard_normal((3, 4)) * 2
    mx, tx = pair(x)
    m_out, t_out = mmod(mx * 1), tmod(tx * 1)
    np.testing.assert_allclose(to_np(m_out), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    m_out.sum().backward()
    t_out.sum().backward()
    np.testing.assert_allclose(to_np(mx.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
