"""Learning-rate schedulers: PyTorch's learning-rate sequences, resuming, state dicts and bad input."""
import math
import warnings

import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler as S
from conftest import requires_torch, torch

EPOCHS = 30
LRS = (0.1, 0.05)


class Warmup:
    """A callable-object lambda with state (saved by LambdaLR.state_dict)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7}),
    ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95 ** e}),
    ("LambdaLR", {"lr_lambda": [lambda e: 1 / (e + 1), Warmup(4)]}),
]

PLATEAU = [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"mode": "max", "patience": 1},
    {"threshold_mode": "abs", "threshold": 0.05, "patience": 0},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.02, "patience": 1, "factor": 0.3},
    {"patience": 0, "min_lr": [0.02, 0.001]},
    {"patience": 0, "factor": 0.5, "min_lr": 0.03, "eps": 1e-3},
]
METRICS = [1.0, 0.9, 0.9, 0.91, 0.95, 0.89, 0.9, 0.9, 0.9, 0.8, 0.85, 0.79, 0.79, 0.79, 0.6,
           0.61, 0.62, 0.62, 0.5, 0.55, 0.58, 0.58, 0.59, 0.4, 0.45, 0.45, 0.45, 0.45, 0.46, 0.47]
METRICS += [0.41] * 12  # long enough for the default patience of 10


def _ids(config):
    name, kw = config
    return name + "(" + ",".join(f"{k}={v if not callable(v) else 'fn'}" for k, v in kw.items()) + ")"


def _mg_optimizer(momentum=0.0):
    return optim.SGD([{"params": [mg.ones(1, requires_grad=True)], "lr": LRS[0]},
                      {"params": [mg.ones(1, requires_grad=True)], "lr": LRS[1]}], momentum=momentum)


def _torch_optimizer():
    return torch.optim.SGD([{"params": [torch.ones(1, requires_grad=True)], "lr": LRS[0]},
                            {"params": [torch.ones(1, requires_grad=True)], "lr": LRS[1]}])


def _sequence(optimizer, scheduler, epochs=EPOCHS, metrics=None):
    """get_last_lr after construction and after each epoch; checks it equals the optimizer's lrs."""
    out = [list(scheduler.get_last_lr())]
    for epoch in range(epochs):
        optimizer.step()
        scheduler.step() if metrics is None else scheduler.step(metrics[epoch])
        out.append(list(scheduler.get_last_lr()))
        assert out[-1] == [g["lr"] for g in optimizer.param_groups]
    return out


def _assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a == pytest.approx(b, rel=1e-13, abs=1e-15)


@requires_torch
@pytest.mark.parametrize("config", SCHEDULES, ids=_ids)
def test_sequence_matches_pytorch(config):
    name, kw = config
    opt, topt = _mg_optimizer(), _torch_optimizer()
    _assert_same(_sequence(opt, getattr(S, name)(opt, **kw)),
                 _sequence(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kw)))
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)


@requires_torch
@pytest.mark.parametrize("kw", PLATEAU, ids=str)
def test_reduce_on_plateau_matches_pytorch(kw):
    opt, topt = _mg_optimizer(), _torch_optimizer()
    ours = S.ReduceLROnPlateau(opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    _assert_same(_sequence(opt, ours, len(METRICS), METRICS), _sequence(topt, theirs, len(METRICS), METRICS))
    assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter, ours.last_epoch) == (
        theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter, theirs.last_epoch)
    assert ours.get_last_lr() != list(LRS)  # the metric sequence does trigger reductions


@requires_torch
def test_chained_schedulers_match_pytorch():
    opt, topt = _mg_optimizer(), _torch_optimizer()
    ours = [S.StepLR(opt, 4, 0.5), S.CosineAnnealingLR(opt, T_max=6, eta_min=0.001)]
    theirs = [torch.optim.lr_scheduler.StepLR(topt, 4, 0.5),
              torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=6, eta_min=0.001)]
    for _ in range(EPOCHS):
        opt.step()
        topt.step()
        for a, b in zip(ours, theirs):
            a.step()
            b.step()
        _assert_same([g["lr"] for g in opt.param_groups], [g["lr"] for g in topt.param_groups])


@requires_torch
@pytest.mark.parametrize("config", SCHEDULES[:6], ids=_ids)
def test_resume_with_last_epoch_and_explicit_epoch_match_pytorch(config):
    name, kw = config
    results = []
    for lib, make in ((S, _mg_optimizer), (torch.optim.lr_scheduler, _torch_optimizer)):
        opt = make()
        for g, lr in zip(opt.param_groups, (0.2, 0.3)):
            g["initial_lr"] = lr
        sched = getattr(lib, name)(opt, last_epoch=4, **kw)
        seq = _sequence(opt, sched, epochs=10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 11, 12):
                sched.step(epoch)
                seq.append(list(sched.get_last_lr()))
        results.append(seq)
    _assert_same(*results)


@pytest.mark.parametrize("config", SCHEDULES + [("ReduceLROnPlateau", {"patience": 1, "cooldown": 1})],
                         ids=_ids)
def test_state_dict_round_trip_continues_identically(config):
    name, kw = config
    metrics = METRICS if name == "ReduceLROnPlateau" else None
    opt = _mg_optimizer(momentum=0.5)
    ref = _sequence(opt, getattr(S, name)(opt, **kw), metrics=metrics)

    opt = _mg_optimizer(momentum=0.5)
    sched = getattr(S, name)(opt, **kw)
    half = EPOCHS // 2
    _sequence(opt, sched, epochs=half, metrics=metrics)
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state

    opt2 = _mg_optimizer(momentum=0.5)
    kw2 = dict(kw)
    if name == "LambdaLR" and isinstance(kw["lr_lambda"], list):
        kw2["lr_lambda"] = [kw["lr_lambda"][0], Warmup(99)]  # its state comes back from the state dict
    sched2 = getattr(S, name)(opt2, **kw2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    rest = _sequence(opt2, sched2, epochs=EPOCHS - half, metrics=metrics and metrics[half:])
    _assert_same(rest, ref[half:])


def test_initial_lr_bookkeeping():
    opt = _mg_optimizer()
    sched = S.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS) and sched.base_lrs == list(LRS)
    assert sched.last_epoch == 0 and sched.get_last_lr() == list(LRS)
    opt.step()
    sched.step()
    S.StepLR(opt, 2)  # a second scheduler keeps the first's initial_lr
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_mg_optimizer(), 2, last_epoch=3)


def test_cosine_reaches_eta_min_and_comes_back():
    opt = _mg_optimizer()
    seq = _sequence(opt, S.CosineAnnealingLR(opt, T_max=10, eta_min=0.001), epochs=20)
    assert seq[10][0] == pytest.approx(0.001) and seq[20][0] == pytest.approx(0.1)
    assert seq[5][0] == pytest.approx(0.001 + (0.1 - 0.001) / 2)


def test_bad_input():
    opt = _mg_optimizer()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), 2)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.ReduceLROnPlateau(None)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        S.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="threshold mode x is unknown"):
        S.ReduceLROnPlateau(opt, threshold_mode="x")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        S.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(opt, [lambda e: 1.0])


def test_epoch_argument_is_deprecated():
    opt = _mg_optimizer()
    sched = S.StepLR(opt, 2, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.last_epoch == 5 and sched.get_last_lr() == [LRS[0] / 4, LRS[1] / 4]
    assert math.isclose(opt.param_groups[0]["lr"], LRS[0] / 4)
