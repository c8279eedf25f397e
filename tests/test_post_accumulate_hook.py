"""Tensor.register_post_accumulate_grad_hook and leaves finalised during backward (not at its end)."""
import numpy as np
import pytest

import minigrad as mg


def test_hook_sees_accumulated_grad_and_can_be_removed():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.array.copy()))
    (w * 3).sum().backward()
    (w * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(seen[1], [6.0, 6.0])  # after accumulation, like torch
    handle.remove()
    (w * 3).sum().backward()
    assert len(seen) == 2


def test_leaf_is_final_before_the_rest_of_backward_runs():
    # `late` feeds the last op of the forward pass, so its gradient is complete first; its hook must
    # fire before the earliest layer's gradient exists (this is what lets DDP overlap communication)
    early = mg.randn(4, requires_grad=True, dtype=mg.float64)
    late = mg.randn(4, requires_grad=True, dtype=mg.float64)
    snapshots = []
    late.register_post_accumulate_grad_hook(lambda t: snapshots.append(early.grad is None))
    h = early.tanh().exp().sin()
    (h * late).sum().backward()
    assert snapshots == [True]
    assert early.grad is not None


def test_leaf_used_twice_fires_once_with_the_sum():
    w = mg.tensor([1.0, -1.0], requires_grad=True, dtype=mg.float64)
    calls = []
    w.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.array.copy()))
    (w * 2 + (w * w).exp()).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], 2 + 2 * np.array([1.0, -1.0]) * np.exp(1.0))


def test_errors_like_torch():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mg.zeros(2).register_post_accumulate_grad_hook(lambda t: None)
    x = mg.zeros(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="non-leaf"):
        x.register_post_accumulate_grad_hook(lambda t: None)


def test_autograd_grad_does_not_fire_or_touch_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    w.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    (g,) = mg.autograd.grad((w * w).sum(), [w])
    assert calls == [] and w.grad is None
    np.testing.assert_allclose(g.array, [2.0, 4.0])
