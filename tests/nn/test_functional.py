"""minigrad.nn.functional: import forms, PyTorch parity, one_hot and in-place relu."""
import numpy as np
import pytest

import minigrad as mg
from conftest import (Away, gradcheck_case, mg_from_np, requires_torch, to_np, torch,
                      torch_parity_case)
from .helpers import DTYPES, assert_close, pair


def test_import_forms():
    import minigrad.nn.functional as F1
    from minigrad.nn import functional as F2
    import minigrad.nn.init
    import minigrad.nn.utils
    from minigrad import nn
    assert F1 is F2 is nn.functional
    assert nn.init is minigrad.nn.init and nn.utils is minigrad.nn.utils
    for name in ["linear", "embedding", "dropout", "relu", "tanh", "sigmoid", "gelu", "softmax",
                 "log_softmax", "one_hot", "cross_entropy", "nll_loss",
                 "binary_cross_entropy_with_logits", "mse_loss", "layer_norm"]:
        assert callable(getattr(F1, name)), name


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kwargs", [("relu", {}), ("tanh", {}), ("sigmoid", {}), ("gelu", {}),
                                         ("gelu", {"approximate": "tanh"}),
                                         ("softmax", {"dim": 0}), ("log_softmax", {"dim": -1})])
def test_unary_parity(dtype, name, kwargs):
    import minigrad.nn.functional as MF
    (mx, tx) = pair(np.random.standard_normal((4, 5)).astype(dtype) * 3)
    mo, to = getattr(MF, name)(mx, **kwargs), getattr(torch.nn.functional, name)(tx, **kwargs)
    assert_close(mo, to, dtype)
    g = np.random.standard_normal((4, 5)).astype(dtype)
    mo.backward(mg_from_np(g))
    to.backward(torch.tensor(g))
    assert_close(mx.grad, tx.grad, dtype)


@requires_torch
@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_softmax_implicit_dim_matches_torch(ndim):
    import minigrad.nn.functional as MF
    x = np.random.standard_normal((2, 3, 4, 5)[:ndim])
    with pytest.warns(UserWarning, match="Implicit dimension"):
        mo = MF.softmax(mg_from_np(x))
    with pytest.warns(UserWarning):
        to = torch.nn.functional.softmax(torch.tensor(x))
    assert_close(mo, to, np.float64)


@requires_torch
def test_linear_embedding_layer_norm_functional_parity():
    import minigrad.nn.functional as MF
    x, w, b = (np.random.standard_normal(s) for s in [(2, 3, 4), (5, 4), (5,)])
    (mx, tx), (mw, tw), (mb, tb) = pair(x), pair(w), pair(b)
    assert_close(MF.linear(mx, mw, mb), torch.nn.functional.linear(tx, tw, tb), np.float64)
    assert_close(MF.linear(mx, mw), torch.nn.functional.linear(tx, tw), np.float64)
    idx = np.array([[4, 0], [2, 4]])
    assert_close(MF.embedding(mg_from_np(idx), mw, padding_idx=-1),
                 torch.nn.functional.embedding(torch.tensor(idx), tw, padding_idx=-1), np.float64)
    (m_lw, t_lw), (m_lb, t_lb) = pair(np.random.standard_normal(4)), pair(np.random.standard_normal(4))
    assert_close(MF.layer_norm(mx, (4,), m_lw, m_lb, eps=1e-3),
                 torch.nn.functional.layer_norm(tx, (4,), t_lw, t_lb, eps=1e-3), np.float64)


@requires_torch
def test_one_hot():
    import minigrad.nn.functional as MF
    idx = np.array([[0, 3], [2, 1]])
    out = MF.one_hot(mg_from_np(idx))
    expected = torch.nn.functional.one_hot(torch.tensor(idx))
    assert out.dtype == mg.int64 and out.shape == tuple(expected.shape)
    np.testing.assert_array_equal(to_np(out), expected.numpy())
    assert MF.one_hot(mg.tensor([1]), num_classes=4).shape == (1, 4)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        MF.one_hot(mg.tensor([5]), num_classes=3)
    with pytest.raises(RuntimeError, match="non-negative"):
        MF.one_hot(mg.tensor([-1, 2]))
    with pytest.raises(TypeError, match="integer"):
        MF.one_hot(mg.tensor([1.0]))


def test_relu_inplace():
    import minigrad.nn.functional as MF
    x = mg.tensor([-1.0, 2.0, -3.0])
    assert MF.relu(x, inplace=True) is x
    np.testing.assert_array_equal(to_np(x), [0, 2, 0])
    a = mg.tensor([-1.0, 2.0, 0.5], requires_grad=True)
    h = a * 2
    out = MF.relu(h, inplace=True)
    assert out is h
    (out * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(to_np(a.grad), [0, 4, 6])
    with pytest.raises(RuntimeError, match="leaf"):
        MF.relu(mg.randn(3, requires_grad=True), inplace=True)


def test_functional_rejects_non_tensors():
    import minigrad.nn.functional as MF
    with pytest.raises(TypeError, match="Tensor"):
        MF.cross_entropy(np.zeros((2, 3)), mg.tensor([0, 1]))
    with pytest.raises(TypeError, match="integer"):
        MF.embedding(mg.tensor([0.0]), mg.randn(3, 2))


# ------------------------------------------------- activations, pad, normalize, cosine_similarity
def _F(m):
    return m.nn.functional


_ACT_CASES = [
    ("leaky_relu", lambda m, a: _F(m).leaky_relu(a), [Away((3, 4))]),
    ("leaky_relu_slope", lambda m, a: _F(m).leaky_relu(a, 0.2), [Away((2, 3, 2))]),
    ("elu", lambda m, a: _F(m).elu(a), [Away((3, 4))]),
    ("elu_alpha", lambda m, a: _F(m).elu(a * 3, alpha=0.7), [Away((3, 4))]),
    ("silu", lambda m, a: _F(m).silu(a * 4), [(3, 4)]),
    ("softplus", lambda m, a: _F(m).softplus(a * 4), [(3, 4)]),
    ("softplus_beta_threshold", lambda m, a: _F(m).softplus(a * 3, beta=2, threshold=1.5),
     [Away((4, 5))]),
    ("pad_last", lambda m, a: _F(m).pad(a, (1, 2)), [(2, 3)]),
    ("pad_two_dims_value", lambda m, a: _F(m).pad(a, [1, 0, 2, 1], value=1.5), [(2, 3)]),
    ("pad_crop", lambda m, a: _F(m).pad(a, (-1, 2, 0, -1)), [(3, 4)]),
    ("pad_3d", lambda m, a: _F(m).pad(a, (1, 1, 0, 2, 1, 0)), [(2, 3, 4)]),
    ("normalize", lambda m, a: _F(m).normalize(a), [(3, 4)]),
    ("normalize_p1_dim0", lambda m, a: _F(m).normalize(a, p=1, dim=0), [Away((3, 4))]),
    ("normalize_zero_row", lambda m, a: _F(m).normalize(a * m.tensor([[0.], [1.]], dtype=a.dtype)),
     [(2, 3)]),
    ("cosine_similarity", lambda m, a, b: _F(m).cosine_similarity(a, b), [(3, 4), (3, 4)]),
    ("cosine_similarity_dim0_broadcast", lambda m, a, b: _F(m).cosine_similarity(a, b, dim=0),
     [(4, 3), (4, 1)]),
    ("cosine_similarity_1d", lambda m, a, b: _F(m).cosine_similarity(a, b, dim=0), [(5,), (5,)]),
]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,specs", _ACT_CASES, ids=[c[0] for c in _ACT_CASES])
def test_new_functional_parity(name, fn, specs, dtype):
    torch_parity_case(fn, specs, dtype)


@pytest.mark.parametrize("name,fn,specs", _ACT_CASES, ids=[c[0] for c in _ACT_CASES])
def test_new_functional_gradcheck(name, fn, specs):
    gradcheck_case(fn, specs)


@requires_torch
@pytest.mark.parametrize("name", ["leaky_relu", "elu", "silu"])
def test_inplace_activations_match_torch(name):
    x = np.random.default_rng(0).standard_normal((3, 4))
    mx, tx = pair(x)
    m_out = getattr(mg.nn.functional, name)(mx * 1, inplace=True)
    t_out = getattr(torch.nn.functional, name)(tx * 1, inplace=True)
    assert_close(m_out, t_out, np.float64)
    m_out.sum().backward()
    t_out.sum().backward()
    assert_close(mx.grad, tx.grad, np.float64)


def test_pad_and_friends_reject_bad_input():
    F = mg.nn.functional
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match="even"):
        F.pad(x, (1,))
    with pytest.raises(ValueError, match="at most twice"):
        F.pad(x, (1, 1) * 3)
    with pytest.raises(NotImplementedError, match="constant"):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="negative"):
        F.pad(x, (-2, -2))
    with pytest.raises(TypeError, match="floating point"):
        F.leaky_relu(mg.tensor([1, 2]))
    with pytest.raises(TypeError, match="Tensor"):
        F.normalize([1.0, 2.0])
