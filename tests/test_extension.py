"""Adding an op in one place: one primitive class, one public function and one row of the table in
minigrad/ops/methods.py give `minigrad.<name>`, `Tensor.<name>` and gradients (docs/reading-the-source.md)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend as B
from minigrad.ops import methods
from minigrad.ops.promotion import float_unary
from minigrad.primitives.base import Op

from conftest import gradcheck_case, requires_torch, torch_parity_case


class Atan(Op):
    """atan(a); d/da = 1 / (1 + a^2)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return B.get_array_module(a).arctan(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / (1 + a * a)


def atan(input):
    """The arctangent of every element (integer inputs give the default float dtype)."""
    return float_unary(Atan, input)


@pytest.fixture
def atan_row():
    methods.register("atan", atan)  # the table row, added at run time
    yield
    methods.unregister("atan")


def test_toy_op_is_a_function_and_a_method(atan_row):
    assert mg.atan is atan and mg.ops.atan is atan
    x = mg.tensor([-2.0, 0.0, 0.5])
    np.testing.assert_allclose(x.atan().numpy(), np.arctan([-2.0, 0.0, 0.5]), rtol=1e-6)
    np.testing.assert_allclose(mg.atan(x).numpy(), x.atan().numpy())
    assert mg.atan(mg.tensor([1, 2])).dtype == mg.float32  # the promotion ladder applies


def test_toy_op_gradcheck_and_node_name(atan_row):
    gradcheck_case(lambda m, x: x.atan() * 3, [(3, 4)])
    x = mg.randn(2, requires_grad=True)
    assert x.atan().grad_fn.name() == "AtanBackward0"


@requires_torch
def test_toy_op_matches_torch(atan_row):
    torch_parity_case(lambda m, x: m.atan(x), [(3, 4)], np.float64)


def test_toy_op_is_gone_after_the_fixture():
    assert not hasattr(mg.Tensor, "atan")
    with pytest.raises(AttributeError, match="atan"):
        mg.atan


@pytest.mark.parametrize("name, where, exc", [("sum", "FM", ValueError), ("toy", "X", ValueError),
                                              ("toy", "", ValueError)])
def test_register_rejects_clashes_and_bad_rows(name, where, exc):
    with pytest.raises(exc):
        methods.register(name, atan, where)
    assert not hasattr(mg.Tensor, "toy")


def test_unregister_only_removes_rows_added_at_run_time():
    with pytest.raises(ValueError, match="register"):
        methods.unregister("sum")
    assert mg.Tensor.sum is mg.sum


def test_table_rows_are_unique_and_bound():
    for kind in "FM":
        names = [n for n, _, where in methods.TABLE if kind in where]
        assert len(names) == len(set(names)), kind
    for name, fn, where in methods.TABLE:
        if "M" in where:
            assert getattr(mg.Tensor, name) is fn, name
        if "F" in where:
            assert getattr(mg, name) is fn and getattr(mg.ops, name) is fn, name
