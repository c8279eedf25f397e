"""Audit against PyTorch: optimizers resumed from a state_dict mid-training (with lazily created state
and missing gradients), chained schedulers, and the scheduler-before-optimizer warning."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from conftest import requires_torch, torch

CONFIGS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
]


def _train(lib, name, kw, init, grads, reload_at):
    """Parameters after stepping through `grads`, rebuilding the optimizer from its state_dict once."""
    make_param = mg.nn.Parameter if lib is mg else torch.nn.Parameter
    params = [make_param(lib.tensor(a.copy())) for a in init]

    def make():
        return getattr(lib.optim, name)([{"params": params[:2], "lr": 0.03}, {"params": params[2:]}],
                                        **kw)
    opt = make()
    for step, step_grads in enumerate(grads):
        if step == reload_at:
            state = opt.state_dict()
            state = pickle.loads(pickle.dumps(state)) if lib is mg else copy.deepcopy(state)
            opt = make()
            opt.load_state_dict(state)
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else lib.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


@requires_torch
@pytest.mark.parametrize("reload_at", [3, 10])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c[0])
def test_resumed_training_matches_torch(config, reload_at):
    name, kw = config
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(s) for s in ((3,), (2, 2), (4,))]
    # parameter 1 gets no gradient for the first 5 steps (its state is created after the reload at
    # step 3), parameter 2 none at step 7
    grads = [[None if (i == 1 and step < 5) or (i == 2 and step == 7) else rng.standard_normal(a.shape)
              for i, a in enumerate(init)] for step in range(20)]
    ours = _train(mg, name, kw, init, grads, reload_at)
    theirs = _train(torch, name, kw, init, grads, reload_at)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@requires_torch
def test_chained_schedulers_match_torch():
    seqs = []
    for lib in (mg, torch):
        opt = lib.optim.SGD([{"params": [lib.ones(1, requires_grad=True)], "lr": lr}
                             for lr in (0.1, 0.05)])
        first = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
        second = lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[4, 4, 9], gamma=0.5)
        seq = []
        for _ in range(30):
            opt.step()
            first.step()
            second.step()
            seq.append([g["lr"] for g in opt.param_groups] + first.get_last_lr() + second.get_last_lr())
        seqs.append(seq)
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-12, atol=1e-15)


def _sgd():
    return optim.SGD([mg.ones(1, requires_grad=True)], lr=0.1)


def test_scheduler_stepped_before_optimizer_warns_once():
    opt = _sgd()
    sched = optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        sched.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_scheduler_stepped_after_optimizer_is_silent():
    opt = _sgd()
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            sched.step()
    assert sched.get_last_lr() == [0.1 * 0.5 ** 3]
