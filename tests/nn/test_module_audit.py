"""Audit against PyTorch: Module registration rules, hooks, containers' operators, loss edge cases
and clip_grad_norm_ with non-finite gradients."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from conftest import requires_torch, to_np, torch


# ------------------------------------------------------------------------------ registration
REGISTER = {
    "parameter": lambda m, name: m.register_parameter(name, nn.Parameter(mg.zeros(1))),
    "buffer": lambda m, name: m.register_buffer(name, mg.zeros(1)),
    "module": lambda m, name: m.add_module(name, nn.ReLU()),
}


@pytest.mark.parametrize("kind", list(REGISTER))
def test_bad_names_get_torch_messages(kind):
    m = nn.Module()
    with pytest.raises(KeyError, match=f"{kind} name can.*t contain"):
        REGISTER[kind](m, "a.b")
    with pytest.raises(KeyError, match=f"{kind} name can.*t be empty string"):
        REGISTER[kind](m, "")
    with pytest.raises(TypeError, match=f"{kind} name should be a string. Got int"):
        REGISTER[kind](m, 1)


@pytest.mark.parametrize("new", list(REGISTER))
@pytest.mark.parametrize("old", list(REGISTER))
def test_register_over_an_entry_of_another_kind_raises(old, new):
    m = nn.Module()
    REGISTER[old](m, "x")
    if old == new:
        REGISTER[new](m, "x")  # re-registering the same kind replaces it
        return
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        REGISTER[new](m, "x")


def test_register_over_a_method_raises():
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        nn.Module().register_buffer("forward", mg.zeros(1))
    with pytest.raises(KeyError, match="attribute 'keys' already exists"):
        nn.ModuleDict()["keys"] = nn.ReLU()


def test_assigning_a_module_to_a_parameter_slot_raises():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'ReLU' as parameter 'weight'"):
        lin.weight = nn.ReLU()
    assert isinstance(lin.weight, nn.Parameter)
    m = nn.Module()
    m.x = nn.ReLU()
    m.x = nn.Parameter(mg.zeros(1))  # a Parameter may replace a module (as in PyTorch)
    assert [n for n, _ in m.named_parameters()] == ["x"] and not list(m.children())


def test_dir_lists_entries_but_not_numeric_keys():
    s = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    s.add_module("head", nn.Tanh())
    d = dir(s)
    assert "head" in d and "append" in d and "0" not in d and "1" not in d
    assert {"weight", "bias", "in_features"} <= set(dir(s[0]))


def test_get_buffer():
    s = nn.Sequential(nn.Module())
    s[0].register_buffer("steps", mg.tensor([3.0]))
    assert s.get_buffer("0.steps") is s[0].steps
    with pytest.raises(AttributeError, match="has no attribute `missing`"):
        s.get_buffer("0.missing")
    lin = nn.Linear(1, 1)
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        lin.get_buffer("weight")


def test_half_casts_floating_entries_only():
    m = nn.Linear(2, 2)
    m.register_buffer("count", mg.zeros(1, dtype=mg.int64))
    assert m.half() is m
    assert m.weight.dtype == mg.float16 and m.bias.dtype == mg.float16
    assert m.count.dtype == mg.int64


def test_load_state_dict_takes_a_one_element_vector_for_a_scalar():
    m = nn.Module()
    m.register_buffer("scale", mg.tensor(0.0))
    m.load_state_dict({"scale": np.array([2.5], dtype=np.float32)})
    assert m.scale.shape == () and m.scale.item() == 2.5
    with pytest.raises(RuntimeError, match="size mismatch for scale"):
        m.load_state_dict({"scale": np.zeros(2, dtype=np.float32)})


# ------------------------------------------------------------------------------------ hooks
def test_forward_hook_prepend_and_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m, seen = Scale(), []
    m.register_forward_hook(lambda mod, args, out: seen.append("last"))
    m.register_forward_hook(lambda mod, args, out: seen.append("first"), prepend=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(dict(kwargs)),
                            with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: out + kwargs["factor"], with_kwargs=True)
    out = m(mg.ones(2), factor=3.0)
    assert seen == ["first", "last", {"factor": 3.0}]
    assert out.tolist() == [6.0, 6.0]


def test_forward_pre_hook_with_kwargs_replaces_args_and_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    handle = m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), {"factor": 2.0}),
                                         with_kwargs=True)
    assert m(mg.ones(2), factor=5.0).tolist() == [4.0, 4.0]
    handle.remove()
    assert m(mg.ones(2), factor=5.0).tolist() == [5.0, 5.0]
    m.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"tuple of \(new_args, new_kwargs\)"):
        m(mg.ones(2))


# ------------------------------------------------------------------------------- containers
def test_sequential_iadd_is_in_place():
    s = nn.Sequential(nn.ReLU())
    alias = s
    s += nn.Sequential(nn.Tanh(), nn.Sigmoid())
    assert s is alias and [type(m).__name__ for m in s] == ["ReLU", "Tanh", "Sigmoid"]
    with pytest.raises(ValueError, match="only objects of Sequential class"):
        s += [nn.ReLU()]


@requires_torch
def test_sequential_mul_repeats_the_same_modules_like_torch():
    for lib in (nn, torch.nn):
        lin = lib.Linear(2, 2)
        s = lib.Sequential(lin, lib.ReLU())
        doubled, rdoubled = s * 2, 2 * s
        assert len(doubled) == len(rdoubled) == 4 and doubled[2] is lin and rdoubled[0] is lin
        assert len(s) == 2
        alias = s
        s *= 3
        assert s is alias and len(s) == 6 and s[4] is lin
    assert repr(nn.Sequential(nn.ReLU()) * 2) == repr(torch.nn.Sequential(torch.nn.ReLU()) * 2)
    for bad, err in ((0, ValueError), (-1, ValueError), (1.5, TypeError)):
        with pytest.raises(err):
            nn.Sequential(nn.ReLU()) * bad
        with pytest.raises(err):
            torch.nn.Sequential(torch.nn.ReLU()) * bad


def test_moduledict_update_rejects_non_iterables():
    d = nn.ModuleDict()
    with pytest.raises(TypeError, match="should be called with an iterable of key/value pairs"):
        d.update(3)
    with pytest.raises(TypeError, match="element #0 should be Iterable"):
        d.update([nn.ReLU()])
    with pytest.raises(ValueError, match="element #1 has length 3"):
        d.update([("a", nn.ReLU()), ("b", nn.ReLU(), 1)])
    d = nn.ModuleDict()
    d.update(OrderedDict([("z", nn.ReLU()), ("a", nn.Tanh())]))
    d.update(nn.ModuleDict({"m": nn.GELU()}))
    assert list(d) == ["z", "a", "m"]


# ----------------------------------------------------------------------------------- losses
def _pair(arr, requires_grad=True):
    return mg.tensor(arr, requires_grad=requires_grad), torch.tensor(arr, requires_grad=requires_grad)


def _check(fn, inputs, extra=()):
    """fn(F, *inputs, *extra) in minigrad and torch: values and input gradients (float64)."""
    pairs = [_pair(a) for a in inputs]
    consts = [_pair(a, False) for a in extra]
    mo = fn(F, *[m for m, _ in pairs], *[m for m, _ in consts])
    to = fn(torch.nn.functional, *[t for _, t in pairs], *[t for _, t in consts])
    assert mo.shape == tuple(to.shape)
    np.testing.assert_allclose(to_np(mo), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(0).standard_normal(tuple(to.shape))
    mo.backward(mg.tensor(g))
    to.backward(torch.tensor(g))
    for m, t in pairs:
        np.testing.assert_allclose(to_np(m.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@requires_torch
def test_probability_targets_reject_a_real_ignore_index():
    x, p = np.random.standard_normal((3, 4)), np.random.dirichlet(np.ones(4), 3)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        F.cross_entropy(mg.tensor(x), mg.tensor(p), ignore_index=0)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(p), ignore_index=0)
    _check(lambda f, x, p: f.cross_entropy(x, p, ignore_index=-1), [x], [p])


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_elementwise_losses_match_torch(name, reduction):
    x, y = np.random.standard_normal((3, 4)), np.random.standard_normal((3, 4))
    w = np.random.uniform(0.1, 2.0, (3, 4))
    _check(lambda f, x, y, w: getattr(f, name)(x, y, reduction=reduction, weight=w), [x, y], [w])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weight_of_another_shape_is_rejected(name):
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(F, name)(x, x, weight=mg.ones(3))


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_class_losses_sweep_matches_torch(reduction):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 5, 3, 2)), rng.uniform(0.1, 1.0, 5)
    t = rng.integers(0, 5, (2, 3, 2))
    t[0, 1, 1] = 2
    p = rng.dirichlet(np.ones(5), (2, 3, 2)).transpose(0, 3, 1, 2).copy()

    def targets(f, arr):
        return (mg if f is F else torch).tensor(arr)

    for ls in (0.0, 0.3):
        _check(lambda f, x, w: f.cross_entropy(x, targets(f, t), weight=w, ignore_index=2,
                                               reduction=reduction, label_smoothing=ls), [x], [w])
        _check(lambda f, x, w, p: f.cross_entropy(x, p, weight=w, reduction=reduction,
                                                  label_smoothing=ls), [x], [w, p])
    _check(lambda f, x, w: f.nll_loss(x, targets(f, t), weight=w, ignore_index=2,
                                      reduction=reduction), [x], [w])


@requires_torch
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", ["ce-ignored", "ce-smoothing-ignored", "ce-zero-weights",
                                  "nll-ignored", "nll-zero-weights", "nll-some-ignored"])
def test_no_counted_target_matches_torch(case):
    """'mean' over no counted target: the loss is 0/0 = nan; ignored entries get gradient 0 and
    counted zero-weight ones nan, exactly as in PyTorch."""
    x0 = np.random.default_rng(3).standard_normal((3, 4))
    t = [-100, 1, -100] if case == "nll-some-ignored" else [1, 1, 2]
    if "ignored" in case and case != "nll-some-ignored":
        t = [-100, -100, -100]
    w = [1.0, 0.0, 0.0, 1.0] if "zero-weights" in case else None
    results = []
    for lib, fn in ((mg, F), (torch, torch.nn.functional)):
        x = lib.tensor(x0, requires_grad=True)
        kw = {} if w is None else {"weight": lib.tensor(w, dtype=lib.float64)}
        if case.startswith("nll"):
            loss = fn.nll_loss(x, lib.tensor(t), **kw)
        else:
            loss = fn.cross_entropy(x, lib.tensor(t), label_smoothing=0.1 if "smooth" in case else 0.0,
                                    **kw)
        loss.backward()
        results.append((loss.item(), x.grad.detach().numpy() if lib is torch else to_np(x.grad)))
    np.testing.assert_equal(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-15)


# -------------------------------------------------------------------------------- clip_grad
@requires_torch
def test_clip_grad_norm_of_infinite_grads_is_silent_and_matches_torch():
    results = []
    for lib in (mg, torch):
        p = (nn.Parameter if lib is mg else torch.nn.Parameter)(lib.zeros(3, dtype=lib.float64))
        p.grad = lib.tensor([float("inf"), 1.0, -2.0], dtype=lib.float64)
        clip = nn.utils.clip_grad_norm_ if lib is mg else torch.nn.utils.clip_grad_norm_
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            total = clip([p], 1.0)
        results.append((total.item(), p.grad.tolist()))
    np.testing.assert_equal(results[0], results[1])
