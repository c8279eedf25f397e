"""optim.LBFGS against torch.optim.LBFGS from the same weights (closure losses and final weights)."""
import numpy as np
import pytest

import minigrad as mg
from tests.conftest import requires_torch, torch


def _fit(lib, history_size, lr, steps, max_iter=20, tolerance_change=1e-9):
    data = np.random.default_rng(0)
    x, y = data.normal(size=(40, 3)), None
    y = np.sin(x.sum(1, keepdims=True))
    model = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1)).double()
    init = np.random.default_rng(1)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(init.normal(size=tuple(p.shape)) * 0.5, dtype=lib.float64))
    opt = lib.optim.LBFGS(model.parameters(), lr=lr, max_iter=max_iter, history_size=history_size,
                          tolerance_change=tolerance_change)
    x, y, losses = lib.tensor(x), lib.tensor(y), []

    def closure():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        losses.append(loss.item())
        return loss
    returned = [opt.step(closure).item() for _ in range(steps)]
    return np.array(losses), returned, [p.detach().numpy() for p in model.parameters()], opt


@requires_torch
@pytest.mark.parametrize("history_size, lr, max_iter", [(100, 0.8, 20), (3, 1.0, 20), (5, 0.5, 4)])
def test_lbfgs_matches_torch(history_size, lr, max_iter):
    want, want_ret, want_params, topt = _fit(torch, history_size, lr, 3, max_iter)
    got, got_ret, got_params, opt = _fit(mg, history_size, lr, 3, max_iter)
    assert len(got) == len(want)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)  # float64 rounding, 60 evaluations
    np.testing.assert_allclose(got_ret, want_ret, rtol=1e-6)
    for a, b in zip(got_params, want_params):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    first = next(iter(opt.state.values()))
    tfirst = next(iter(topt.state.values()))
    assert first["func_evals"] == tfirst["func_evals"] and first["n_iter"] == tfirst["n_iter"]
    assert got[-1] < got[0]


@requires_torch
def test_lbfgs_stops_on_flat_loss_like_torch():
    want, _, _, _ = _fit(torch, 10, 1.0, 4, tolerance_change=1e-2)
    got, _, _, _ = _fit(mg, 10, 1.0, 4, tolerance_change=1e-2)
    assert len(got) == len(want) and np.allclose(got, want)


def test_lbfgs_errors():
    p = mg.nn.Parameter(mg.ones(2))
    with pytest.raises(NotImplementedError, match="strong_wolfe"):
        mg.optim.LBFGS([p], line_search_fn="strong_wolfe")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        mg.optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="parameter groups"):
        mg.optim.LBFGS([{"params": [p]}, {"params": [mg.nn.Parameter(mg.ones(1))]}])
    with pytest.raises(RuntimeError, match="requires a closure"):
        mg.optim.LBFGS([p]).step(None)
