"""Losses against live PyTorch: values and gradients for every option, gradcheck, stability, bad input."""
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from conftest import TOLERANCES, mg_from_np, requires_torch, to_np, torch
from .helpers import DTYPES, assert_close, pair

REDUCTIONS = ["mean", "sum", "none"]


def _compare(m_loss, t_loss, mx, tx, dtype):
    """Values and input gradients of two losses (minigrad, torch) are equal."""
    assert m_loss.shape == tuple(t_loss.shape)
    assert_close(m_loss, t_loss, dtype)
    g = np.random.default_rng(1).standard_normal(tuple(t_loss.shape)).astype(dtype)
    m_loss.backward(mg_from_np(g))
    t_loss.backward(torch.tensor(g))
    for a, b in zip(mx, tx):
        if b.grad is None:
            assert a.grad is None
        else:
            np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), **TOLERANCES[dtype])


def _targets(shape, n_classes, ignore_some, rng):
    t = rng.integers(0, n_classes, size=shape)
    if ignore_some and t.size > 1:
        t.reshape(-1)[::3] = -100
    return t


# ---------------------------------------------------------------------------- cross entropy
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (5,), (3, 5, 2, 4)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_parity(dtype, reduction, shape, weighted, ignore, smoothing):
    rng = np.random.default_rng(0)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = _targets(tshape, n_classes, ignore, rng)
    w = rng.uniform(0.5, 2, n_classes).astype(dtype) if weighted else None
    mx, tx = pair(x)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    m_loss = F.cross_entropy(mx, mg_from_np(t), weight=None if w is None else mg_from_np(w), **kw)
    t_loss = torch.nn.functional.cross_entropy(tx, torch.tensor(t),
                                               weight=None if w is None else torch.tensor(w), **kw)
    _compare(m_loss, t_loss, [mx], [tx], dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4)])
@pytest.mark.parametrize("weighted,smoothing", [(False, 0.0), (True, 0.0), (True, 0.3)])
def test_cross_entropy_probability_targets(dtype, reduction, shape, weighted, smoothing):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(dtype)
    q = rng.uniform(size=shape).astype(dtype)
    q /= q.sum(axis=1, keepdims=True)
    w = rng.uniform(0.5, 2, shape[1]).astype(dtype) if weighted else None
    (mx, tx), (mq, tq) = pair(x), pair(q)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    m_loss = F.cross_entropy(mx, mq, weight=None if w is None else mg_from_np(w), **kw)
    t_loss = torch.nn.functional.cross_entropy(tx, tq, weight=None if w is None else torch.tensor(w),
                                               **kw)
    _compare(m_loss, t_loss, [mx, mq], [tx, tq], dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_large_logits_are_stable(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-5e3, 5e3, 5e3], [300.0, 299.0, -1e4]], dtype=dtype)
    t = np.array([1, 0, 0])
    for smoothing in (0.0, 0.1):
        mx, tx = pair(x)
        m_loss = F.cross_entropy(mx, mg_from_np(t), label_smoothing=smoothing)
        t_loss = torch.nn.functional.cross_entropy(tx, torch.tensor(t), label_smoothing=smoothing)
        assert np.isfinite(to_np(m_loss))
        _compare(m_loss, t_loss, [mx], [tx], dtype)


@requires_torch
def test_cross_entropy_all_ignored_gives_nan_like_torch():
    x = mg.randn(3, 4, requires_grad=True)
    t = mg.tensor([-100, -100, -100])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, t)
    assert np.isnan(to_np(loss))
    assert to_np(F.cross_entropy(x, t, reduction="sum")) == 0


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_module_custom_ignore_index(reduction):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4))
    t = np.array([0, 2, 2, 3, 1, 2])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    mx, tx = pair(x)
    m = nn.CrossEntropyLoss(weight=mg_from_np(w), ignore_index=2, reduction=reduction,
                            label_smoothing=0.1)
    t_mod = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=2, reduction=reduction,
                                      label_smoothing=0.1)
    _compare(m(mx, mg_from_np(t)), t_mod(tx, torch.tensor(t)), [mx], [tx], np.float64)
    assert list(m.state_dict()) == list(t_mod.state_dict()) == ["weight"]


# ------------------------------------------------------------------------------------ NLL
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (5,), (2, 5, 3)])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_parity(dtype, reduction, shape, weighted):
    rng = np.random.default_rng(4)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    x = rng.standard_normal(shape).astype(dtype)
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = _targets(tshape, n_classes, True, rng)
    w = rng.uniform(0.5, 2, n_classes).astype(dtype) if weighted else None
    mx, tx = pair(x)
    m_loss = nn.NLLLoss(weight=None if w is None else mg_from_np(w), reduction=reduction)(
        mx, mg_from_np(t))
    t_loss = torch.nn.NLLLoss(weight=None if w is None else torch.tensor(w), reduction=reduction)(
        tx, torch.tensor(t))
    _compare(m_loss, t_loss, [mx], [tx], dtype)


@requires_torch
def test_log_softmax_then_nll_equals_cross_entropy():
    x = mg.randn(5, 7, dtype=mg.float64)
    t = mg.tensor([0, 6, 3, 3, 1])
    np.testing.assert_allclose(to_np(F.nll_loss(F.log_softmax(x, 1), t)),
                               to_np(F.cross_entropy(x, t)), rtol=1e-12)


# ----------------------------------------------------------------------- BCE with logits
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_parity(dtype, reduction, weighted, pos_weighted):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((4, 3)) * 3).astype(dtype)
    x[0] = [60.0, -60.0, 800.0]  # large logits stay finite and exact
    y = rng.uniform(size=(4, 3)).astype(dtype)
    w = rng.uniform(0.5, 2, (4, 1)).astype(dtype) if weighted else None
    pw = rng.uniform(0.5, 3, 3).astype(dtype) if pos_weighted else None
    (mx, tx), (my, ty) = pair(x), pair(y)
    m_loss = nn.BCEWithLogitsLoss(weight=None if w is None else mg_from_np(w), reduction=reduction,
                                  pos_weight=None if pw is None else mg_from_np(pw))(mx, my)
    t_loss = torch.nn.BCEWithLogitsLoss(weight=None if w is None else torch.tensor(w),
                                        reduction=reduction,
                                        pos_weight=None if pw is None else torch.tensor(pw))(tx, ty)
    _compare(m_loss, t_loss, [mx, my], [tx, ty], dtype)


# ------------------------------------------------------------------------------------ MSE
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_parity(dtype, reduction):
    rng = np.random.default_rng(6)
    (mx, tx), (my, ty) = pair(rng.standard_normal((3, 4)).astype(dtype)), pair(
        rng.standard_normal((3, 4)).astype(dtype))
    _compare(nn.MSELoss(reduction=reduction)(mx, my), torch.nn.MSELoss(reduction=reduction)(tx, ty),
             [mx, my], [tx, ty], dtype)


def test_mse_broadcast_warns_like_torch():
    with pytest.warns(UserWarning, match=r"target size \(3, 1\).*input size \(3,\)"):
        F.mse_loss(mg.randn(3), mg.randn(3, 1))
    with pytest.raises(ValueError, match=r"target of shape \(4,\).*input of shape \(3,\)"):
        F.mse_loss(mg.randn(3), mg.randn(4))


# ------------------------------------------------------------------------------ gradcheck
def _f64(*shape):
    return mg_from_np(np.random.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_losses(reduction):
    t = mg.tensor([[0, 2], [1, -100], [2, 2]])
    w = mg.tensor([0.5, 1.0, 2.0], dtype=mg.float64)
    assert mg.autograd.gradcheck(
        lambda x: F.cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=0.2),
        (_f64(3, 3, 2),))
    assert mg.autograd.gradcheck(lambda x: F.cross_entropy(x, t[:, 0], reduction=reduction),
                                 (_f64(3, 3),))
    assert mg.autograd.gradcheck(lambda x: F.nll_loss(x, t, weight=w, reduction=reduction),
                                 (_f64(3, 3, 2),))
    q = mg_from_np(np.random.uniform(size=(3, 3)), requires_grad=True)
    assert mg.autograd.gradcheck(
        lambda x, q: F.cross_entropy(x, q, weight=w, reduction=reduction, label_smoothing=0.1),
        (_f64(3, 3), q))
    y = mg_from_np(np.random.uniform(size=(3, 2)), requires_grad=True)
    pw = mg.tensor([2.0, 0.5], dtype=mg.float64)
    assert mg.autograd.gradcheck(
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction=reduction),
        (_f64(3, 2), y))
    assert mg.autograd.gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction),
                                 (_f64(2, 3), _f64(2, 3)))


# ------------------------------------------------------------------------------ bad input
def test_cross_entropy_bad_input():
    x = mg.randn(4, 5)
    with pytest.raises(IndexError, match=r"target 5 is out of bounds.*\[0, 4\]"):
        F.cross_entropy(x, mg.tensor([0, 5, 1, 1]))
    with pytest.raises(IndexError, match="target -3"):
        F.cross_entropy(x, mg.tensor([0, -3, 1, 1]))
    with pytest.raises(ValueError, match=r"expected target of shape \(4,\).*\(4, 5\), got \(3,\)"):
        F.cross_entropy(x, mg.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match=r"class probabilities.*\(4, 5\), got \(4,\)"):
        F.cross_entropy(x, mg.tensor([0.0, 1.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="integer"):
        F.cross_entropy(x, mg.tensor([True, False, True, True]))
    with pytest.raises(ValueError, match="weight of shape"):
        F.cross_entropy(x, mg.tensor([0, 1, 1, 2]), weight=mg.ones(4))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, mg.tensor([0, 1, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, mg.tensor([0, 1, 1, 2]), label_smoothing=1.5)
    with pytest.raises(TypeError, match="floating point input"):
        F.cross_entropy(mg.tensor([[1, 2]]), mg.tensor([0]))


def test_other_losses_bad_input():
    with pytest.raises(ValueError, match=r"Target size \(3,\) must be the same as input size \(3, 1\)"):
        F.binary_cross_entropy_with_logits(mg.randn(3, 1), mg.rand(3))
    with pytest.raises(ValueError, match="pos_weight"):
        F.binary_cross_entropy_with_logits(mg.randn(3, 2), mg.rand(3, 2), pos_weight=mg.ones(3))
    with pytest.raises(IndexError, match="target 3"):
        F.nll_loss(mg.randn(2, 3), mg.tensor([0, 3]))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_legacy_size_average_reduce():
    x, t = mg.randn(4, 3), mg.tensor([0, 1, 2, 1])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        a = F.cross_entropy(x, t, size_average=False)
    np.testing.assert_allclose(to_np(a), to_np(F.cross_entropy(x, t, reduction="sum")), rtol=1e-6)
    with pytest.warns(UserWarning):
        assert nn.MSELoss(reduce=False).reduction == "none"


# ----------------------------------------------- l1, smooth l1, huber, binary cross entropy
def _weight(m, shape, dtype):
    w = np.random.default_rng(5).uniform(0.5, 2, shape).astype(dtype)
    return m.tensor(w)


_PAIR_LOSSES = [
    ("l1", lambda m, a, b, r: m.nn.functional.l1_loss(a, b, reduction=r)),
    ("smooth_l1", lambda m, a, b, r: m.nn.functional.smooth_l1_loss(a * 2, b, reduction=r)),
    ("smooth_l1_beta", lambda m, a, b, r: m.nn.functional.smooth_l1_loss(a * 2, b, reduction=r,
                                                                          beta=0.5)),
    ("smooth_l1_beta0", lambda m, a, b, r: m.nn.functional.smooth_l1_loss(a, b, reduction=r,
                                                                           beta=0.0)),
    ("huber", lambda m, a, b, r: m.nn.functional.huber_loss(a * 2, b, reduction=r)),
    ("huber_delta", lambda m, a, b, r: m.nn.functional.huber_loss(a * 2, b, reduction=r, delta=0.3)),
    ("bce", lambda m, a, b, r: m.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid(),
                                                                    reduction=r)),
    ("bce_weight", lambda m, a, b, r: m.nn.functional.binary_cross_entropy(
        a.sigmoid(), b.sigmoid(), weight=_weight(m, (4,), a.detach().numpy().dtype), reduction=r)),
]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,fn", _PAIR_LOSSES, ids=[c[0] for c in _PAIR_LOSSES])
def test_pair_loss_parity(name, fn, reduction, dtype):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    (mx, tx), (my, ty) = pair(x), pair(y)
    _compare(fn(mg, mx, my, reduction), fn(torch, tx, ty, reduction), [mx, my], [tx, ty], dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,fn", _PAIR_LOSSES, ids=[c[0] for c in _PAIR_LOSSES])
def test_gradcheck_pair_losses(name, fn, reduction):
    assert mg.autograd.gradcheck(lambda a, b: fn(mg, a, b, reduction), (_f64(3, 4), _f64(3, 4)))


@requires_torch
def test_bce_clamps_log_like_torch():
    p = np.array([0.0, 1.0, 0.5, 1e-60])
    t = np.array([1.0, 0.0, 1.0, 1.0])
    (mp, tp), (mt, tt) = pair(p), pair(t, requires_grad=False)
    for reduction in REDUCTIONS:
        m_loss = F.binary_cross_entropy(mp, mt, reduction=reduction)
        t_loss = torch.nn.functional.binary_cross_entropy(tp, tt, reduction=reduction)
        assert_close(m_loss, t_loss, np.float64)
    m_loss.sum().backward()
    t_loss.sum().backward()
    assert_close(mp.grad, tp.grad, np.float64)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda lib: lib.L1Loss(), lambda lib: lib.L1Loss(reduction="sum"),
    lambda lib: lib.SmoothL1Loss(beta=0.5), lambda lib: lib.HuberLoss(delta=2.0),
    lambda lib: lib.HuberLoss(reduction="none"), lambda lib: lib.BCELoss(),
])
def test_new_loss_modules_match_torch(make):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))
    mmod, tmod = make(nn), make(torch.nn)
    assert repr(mmod) == repr(tmod)
    (mx, tx), (my, ty) = pair(x), pair(y, requires_grad=False)
    _compare(mmod(mx, my), tmod(tx, ty), [mx], [tx], np.float64)


def test_new_losses_reject_bad_input():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(ValueError, match="same size"):
        F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="target of shape"):
        F.l1_loss(mg.randn(3), mg.randn(4))
    with pytest.raises(RuntimeError, match="delta"):
        F.huber_loss(mg.randn(3), mg.randn(3), delta=0)
    with pytest.raises(RuntimeError, match="beta"):
        F.smooth_l1_loss(mg.randn(3), mg.randn(3), beta=-1)
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="avg")
    with pytest.raises(TypeError, match="floating point"):
        F.l1_loss(mg.tensor([1]), mg.tensor([2]))
