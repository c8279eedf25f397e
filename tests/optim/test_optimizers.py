"""Optimizers: update rules against live PyTorch, state_dict round trips, parameter groups and bad input."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from conftest import mg_from_np, requires_torch, to_np, torch

STEPS = 20
SHAPES = [(3, 4), (5,), ()]

CONFIGS = [
    ("SGD", {}),
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.05, "nesterov": True, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-3}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "maximize": True, "betas": (0.5, 0.7)}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True, "momentum": 0.9}),
    ("RMSprop", {"weight_decay": 0.1}),
    ("RMSprop", {"maximize": True}),
    ("RMSprop", {"lr": 0.05, "alpha": 0.9, "eps": 1e-4}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"weight_decay": 0.1}),
    ("Adagrad", {"initial_accumulator_value": 0.5}),
    ("Adagrad", {"maximize": True}),
    ("Adagrad", {"eps": 1e-3}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1,
                 "maximize": True}),
]


def _ids(config):
    name, kw = config
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


class Problem:
    """A deterministic noisy quadratic: grad_t(x) = scale * (x - 0.3) + noise_t."""

    def __init__(self, seed=0, steps=STEPS):
        rng = np.random.default_rng(seed)
        self.init = [rng.standard_normal(s) for s in SHAPES]
        self.scale = [rng.uniform(0.5, 2.0, s) for s in SHAPES]
        self.noise = [[0.3 * rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]

    def grads(self, values, t):
        """The gradients at step t for the current parameter values (NumPy arrays)."""
        return [sc * (v - 0.3) + n for v, sc, n in zip(values, self.scale, self.noise[t])]


def _mg_params(problem):
    return [mg_from_np(a.copy(), requires_grad=True) for a in problem.init]


def _groups(params, kw):
    """Two groups: the second overrides lr and holds a parameter that never gets a gradient."""
    frozen = params[-1]
    return [{"params": params[:2]}, {"params": [params[2], frozen], "lr": kw.get("lr", 0.01) * 0.5}]


def _run_mg(opt, params, problem, start, stop):
    live = params[:3]
    for t in range(start, stop):
        for p, g in zip(live, problem.grads([to_np(p) for p in live], t)):
            p.grad = mg_from_np(g)
        opt.step()


def _run_torch(opt, params, problem, start, stop):
    live = params[:3]
    for t in range(start, stop):
        for p, g in zip(live, problem.grads([p.detach().numpy() for p in live], t)):
            p.grad = torch.tensor(g)
        opt.step()


def _make_mg(name, kw, problem):
    params = _mg_params(problem) + [mg_from_np(np.ones(2), requires_grad=True)]
    return getattr(optim, name)(_groups(params, kw), **kw), params


@requires_torch
@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_matches_pytorch(config):
    name, kw = config
    problem = Problem()
    opt, params = _make_mg(name, kw, problem)
    tparams = [torch.tensor(a, requires_grad=True) for a in problem.init] + [
        torch.ones(2, dtype=torch.float64, requires_grad=True)]
    topt = getattr(torch.optim, name)(_groups(tparams, kw), **kw)
    _run_mg(opt, params, problem, 0, STEPS)
    _run_torch(topt, tparams, problem, 0, STEPS)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(to_np(p), tp.detach().numpy(), rtol=0, atol=1e-10)
    assert np.array_equal(to_np(params[-1]), np.ones(2))  # grad None: skipped
    assert params[-1] not in opt.state or name == "Adagrad"
    assert moved(params, problem)


def moved(params, problem):
    """Every parameter with gradients changed."""
    return all(not np.allclose(to_np(p), a) for p, a in zip(params, problem.init))


@pytest.mark.parametrize("config", [c for c in CONFIGS if len(c[1]) >= 2 or not c[1]], ids=_ids)
def test_state_dict_round_trip_continues_identically(config):
    name, kw = config
    problem = Problem(seed=1)
    ref, ref_params = _make_mg(name, kw, problem)
    _run_mg(ref, ref_params, problem, 0, STEPS)

    first, params = _make_mg(name, kw, problem)
    _run_mg(first, params, problem, 0, STEPS // 2)
    saved = first.state_dict()
    values = [to_np(p).copy() for p in params]
    _run_mg(first, params, problem, STEPS // 2, STEPS)  # the snapshot must not follow these steps
    assert all(isinstance(k, int) for k in saved["state"])

    resumed_params = [mg_from_np(a, requires_grad=True) for a in values]
    resumed = getattr(optim, name)(_groups(resumed_params, {}), lr=123.0)  # hyper-parameters come back too
    resumed.load_state_dict(saved)
    assert [g["lr"] for g in resumed.param_groups] == [g["lr"] for g in ref.param_groups]
    _run_mg(resumed, resumed_params, problem, STEPS // 2, STEPS)
    for p, q in zip(resumed_params, ref_params):
        np.testing.assert_array_equal(to_np(p), to_np(q))


def test_state_dict_layout():
    problem = Problem()
    opt, params = _make_mg("Adam", {"lr": 0.1, "amsgrad": True}, problem)
    _run_mg(opt, params, problem, 0, 2)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2]  # the frozen parameter 3 has no state
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert sd["state"][0]["step"] == 2 and isinstance(sd["state"][0]["step"], int)
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    for value in sd["state"][1].values():
        assert isinstance(value, (int, float, mg.Tensor))
    assert sd["state"][1]["exp_avg"].shape == (5,)
    assert sd["state"][1]["exp_avg"].array is not opt.state[params[1]]["exp_avg"].array


@pytest.mark.skipif(not hasattr(mg, "save"), reason="minigrad.save is not implemented yet")
def test_state_dict_survives_save_and_load(tmp_path):
    problem = Problem()
    opt, params = _make_mg("RMSprop", {"momentum": 0.9, "centered": True}, problem)
    _run_mg(opt, params, problem, 0, 5)
    mg.save(opt.state_dict(), str(tmp_path / "opt.ckpt"))
    other, _ = _make_mg("RMSprop", {"momentum": 0.9, "centered": True}, problem)
    other.load_state_dict(mg.load(str(tmp_path / "opt.ckpt")))
    for p, q in zip(opt.param_groups[0]["params"], other.param_groups[0]["params"]):
        for key in ("square_avg", "grad_avg", "momentum_buffer"):
            np.testing.assert_array_equal(to_np(opt.state[p][key]), to_np(other.state[q][key]))


@requires_torch
def test_state_dict_matches_pytorch_layout_and_loads_pytorch_state():
    problem = Problem()
    kw = {"lr": 0.05, "amsgrad": True}
    tparams = [torch.tensor(a, requires_grad=True) for a in problem.init] + [
        torch.ones(2, dtype=torch.float64, requires_grad=True)]
    topt = torch.optim.Adam(_groups(tparams, kw), **kw)
    _run_torch(topt, tparams, problem, 0, 5)
    opt, params = _make_mg("Adam", kw, problem)
    _run_mg(opt, params, problem, 0, 5)
    tsd, sd = topt.state_dict(), opt.state_dict()
    assert tsd["state"].keys() == sd["state"].keys()
    assert all(tsd["state"][k].keys() == sd["state"][k].keys() for k in sd["state"])
    assert [g["params"] for g in tsd["param_groups"]] == [g["params"] for g in sd["param_groups"]]
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert {k: v for k, v in g.items() if k != "decoupled_weight_decay"}.items() <= tg.items()

    # a PyTorch state dict converted to minigrad tensors resumes exactly
    converted = {"state": {k: {n: (mg.tensor(v.numpy()) if n != "step" else mg.tensor(v.item()))
                               for n, v in s.items()} for k, s in tsd["state"].items()},
                 "param_groups": tsd["param_groups"]}
    fresh = [mg_from_np(p.detach().numpy().copy(), requires_grad=True) for p in tparams]
    resumed = optim.Adam(_groups(fresh, {}))
    resumed.load_state_dict(converted)
    assert resumed.state[fresh[0]]["step"] == 5
    _run_torch(topt, tparams, problem, 5, 10)
    _run_mg(resumed, fresh, problem, 5, 10)
    for p, tp in zip(fresh, tparams):
        np.testing.assert_allclose(to_np(p), tp.detach().numpy(), rtol=0, atol=1e-10)


def test_load_state_dict_casts_to_parameter_dtype_and_rejects_mismatch():
    p32 = mg.tensor([1.0, 2.0], dtype=mg.float32, requires_grad=True)
    src = optim.SGD([mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)], lr=0.1, momentum=0.9)
    src.param_groups[0]["params"][0].grad = mg.tensor([1.0, 1.0], dtype=mg.float64)
    src.step()
    dst = optim.SGD([p32], lr=0.1, momentum=0.9)
    dst.load_state_dict(src.state_dict())
    assert dst.state[p32]["momentum_buffer"].dtype == mg.float32
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [p32]}, {"params": [mg.zeros(1, requires_grad=True)]}]).load_state_dict(
            src.state_dict())
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([p32, mg.zeros(1, requires_grad=True)]).load_state_dict(src.state_dict())


# ------------------------------------------------------------------------------------ behaviour
def test_trains_with_autograd_and_bumps_version():
    mg.manual_seed(0)
    x = mg_from_np(np.random.default_rng(0).standard_normal((32, 3)))
    w_true = mg_from_np(np.array([[1.0], [-2.0], [0.5]]))
    y = x @ w_true
    w = mg_from_np(np.zeros((3, 1)), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    version = w._version.value
    for _ in range(300):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert w._version.value == version + 300
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    np.testing.assert_allclose(to_np(w), to_np(w_true), atol=1e-3)


def test_zero_grad():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and to_np(p.grad).tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_runs_with_grad_enabled():
    p = mg.tensor([3.0], dtype=mg.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.item() == 1.5


def test_param_groups_options_and_add_param_group():
    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 1.0 and opt.param_groups[1]["momentum"] == 0.5
    c = mg.ones(1, requires_grad=True)
    opt.add_param_group({"params": [c], "lr": 2.0})
    assert opt.param_groups[2]["momentum"] == 0 and opt.param_groups[2]["lr"] == 2.0
    for p in (a, b, c):
        p.grad = mg.ones_like(p)
    opt.step()
    assert to_np(a).tolist() == pytest.approx([0.9, 0.9]) and to_np(a).dtype == np.float32
    assert to_np(b).tolist() == [0.0, 0.0] and c.item() == -1.0


def test_adagrad_state_exists_before_step_and_for_later_groups():
    p = mg.ones(3, requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    assert opt.state[p]["step"] == 0 and to_np(opt.state[p]["sum"]).tolist() == [0.25] * 3
    q = mg.ones(2, requires_grad=True)
    opt.add_param_group({"params": [q]})
    q.grad = mg.ones(2)
    opt.step()
    assert opt.state[q]["step"] == 1


def test_named_parameters_are_accepted():
    a, b = mg.ones(2, requires_grad=True), mg.ones(1, requires_grad=True)
    opt = optim.Adam([("w", a), ("b", b)])
    assert opt.param_groups[0]["params"][0] is a and opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="names"):
        optim.Adam([("w", a), b])


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_repr_matches_pytorch_format(name):
    kw = {"lr": 0.5} if name != "SGD" else {"lr": 0.5, "momentum": 0.9}
    opt = getattr(optim, name)([{"params": [mg.ones(1, requires_grad=True)]},
                                {"params": [mg.ones(1, requires_grad=True)], "lr": 0.25}], **kw)
    topt = getattr(torch.optim, name)([{"params": [torch.ones(1, requires_grad=True)]},
                                       {"params": [torch.ones(1, requires_grad=True)], "lr": 0.25}], **kw)
    torch_only = {"foreach", "fused", "capturable", "differentiable"}
    expected = "\n".join(line for line in repr(topt).split("\n")
                         if line.strip().split(":")[0] not in torch_only)
    assert repr(opt) == expected


# ------------------------------------------------------------------------------------ bad input
BAD = [
    (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda p: optim.SGD([{"params": p, "lr": -2}]), "Invalid learning rate: -2"),
    (lambda p: optim.Adam(p, lr=-1e-3), "Invalid learning rate: -0.001"),
    (lambda p: optim.Adam(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.Adam(p, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (lambda p: optim.AdamW(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.AdamW(p, betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    (lambda p: optim.RMSprop(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.RMSprop(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: optim.RMSprop(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
    (lambda p: optim.Adagrad(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.Adagrad(p, eps=-1), "Invalid epsilon value: -1"),
]


@pytest.mark.parametrize("make,message", BAD, ids=[m for _, m in BAD])
def test_invalid_hyper_parameters_raise(make, message):
    with pytest.raises(ValueError) as info:
        make([mg.ones(2, requires_grad=True)])
    assert message in str(info.value)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad])
def test_bad_parameter_lists_raise(cls):
    p, q = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([])
    with pytest.raises(ValueError, match="duplicate parameters"):
        cls([p, q, p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        cls([{"params": [p]}, {"params": [q, p]}])
    opt = cls([p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="iterable of Tensors"):
        cls(p)
    with pytest.raises(TypeError, match="ordered collections"):
        cls({p, q})
    with pytest.raises(TypeError, match="ordered collections"):
        cls([{"params": {p, q}}])
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        cls([p, np.ones(2)])
    with pytest.raises(ValueError, match="non-leaf"):
        cls([p * 2])
