"""minigrad.nn.init: PyTorch's gains, fans, bounds and standard deviations; orthogonality; seeding."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn import init
from conftest import requires_torch, to_np, torch


@requires_torch
@pytest.mark.parametrize("nonlinearity,param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                                ("tanh", None), ("relu", None), ("leaky_relu", None),
                                                ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)),
                                                ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")


@requires_torch
@pytest.mark.parametrize("shape", [(3, 5), (7, 2), (4, 3, 2), (6, 2, 3, 3)])
def test_fan_in_and_fan_out_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(mg.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.zeros(5))


def _param(*shape):
    return nn.Parameter(mg.zeros(*shape))


def test_uniform_normal_constant():
    p = _param(300, 300)
    assert init.uniform_(p, -2, 3) is p
    v = to_np(p)
    assert v.min() >= -2 and v.max() < 3 and abs(v.mean() - 0.5) < 0.05
    v = to_np(init.normal_(p, 1.0, 2.0))
    assert abs(v.mean() - 1) < 0.03 and abs(v.std() - 2) < 0.03
    assert np.all(to_np(init.constant_(p, 0.25)) == 0.25)
    assert np.all(to_np(init.ones_(p)) == 1) and np.all(to_np(init.zeros_(p)) == 0)
    np.testing.assert_array_equal(to_np(init.eye_(_param(2, 3))), np.eye(2, 3))
    assert p.requires_grad and p.grad_fn is None  # filled without recording a graph


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("leaky_relu", 0), ("relu", 0), ("leaky_relu", math.sqrt(5)),
                                            ("tanh", 0)])
def test_kaiming(mode, nonlinearity, a):
    p = _param(400, 100, 3)
    fan = 100 * 3 if mode == "fan_in" else 400 * 3
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    v = to_np(init.kaiming_uniform_(p, a=a, mode=mode, nonlinearity=nonlinearity))
    bound = math.sqrt(3) * std
    assert np.abs(v).max() <= bound and np.abs(v).max() > 0.99 * bound
    assert abs(v.std() - std) < 0.02 * std
    v = to_np(init.kaiming_normal_(p, a=a, mode=mode, nonlinearity=nonlinearity))
    assert abs(v.std() - std) < 0.02 * std and abs(v.mean()) < 0.02 * std


def test_kaiming_bad_mode_and_zero_element():
    with pytest.raises(ValueError, match="fan_avg"):
        init.kaiming_uniform_(_param(2, 2), mode="fan_avg")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(_param(0, 3))


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier(gain):
    p = _param(300, 500)
    std = gain * math.sqrt(2 / 800)
    v = to_np(init.xavier_uniform_(p, gain=gain))
    assert np.abs(v).max() <= math.sqrt(3) * std and np.abs(v).max() > 0.99 * math.sqrt(3) * std
    assert abs(v.std() - std) < 0.02 * std
    v = to_np(init.xavier_normal_(p, gain=gain))
    assert abs(v.std() - std) < 0.02 * std


@pytest.mark.parametrize("shape", [(5, 5), (3, 8), (8, 3), (4, 2, 3)])
def test_orthogonal(shape):
    p = _param(*shape)
    w = to_np(init.orthogonal_(p, gain=2.0)).reshape(shape[0], -1) / 2.0
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more"):
        init.orthogonal_(_param(4))


def test_init_is_seeded_by_manual_seed():
    mg.manual_seed(11)
    a = to_np(init.xavier_uniform_(_param(4, 4)))
    b = to_np(init.orthogonal_(_param(4, 4)))
    mg.manual_seed(11)
    np.testing.assert_array_equal(a, to_np(init.xavier_uniform_(_param(4, 4))))
    np.testing.assert_array_equal(b, to_np(init.orthogonal_(_param(4, 4))))


def test_init_float64_keeps_dtype():
    p = nn.Parameter(mg.zeros(3, 4, dtype=mg.float64))
    init.kaiming_normal_(p)
    assert p.dtype == mg.float64
