"""Elementwise ops: gradcheck, PyTorch parity, hypothesis broadcasting tests, dtype promotion."""
import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minigrad as mg
from conftest import (F, Away, Pos, gradcheck_case, mg_from_np, requires_torch, to_np,
                      torch_parity_case)

CASES = [
    ("add", lambda m, a, b: a + b, [(3, 4), (3, 4)]),
    ("add_broadcast", lambda m, a, b: a + b, [(2, 3, 4), (3, 1)]),
    ("add_fn_alpha", lambda m, a, b: m.add(a, b, alpha=2.5), [(3, 4), (4,)]),
    ("radd_scalar", lambda m, a: 2.5 + a, [(3, 4)]),
    ("sub", lambda m, a, b: a - b, [(3, 1), (1, 4)]),
    ("rsub_scalar", lambda m, a: 2.0 - a, [(3, 4)]),
    ("sub_scalar", lambda m, a: a - 3, [(3, 4)]),
    ("mul", lambda m, a, b: a * b, [(2, 3, 4), (2, 1, 4)]),
    ("mul_0d", lambda m, a, b: a * b, [(), (3, 4)]),
    ("rmul_scalar", lambda m, a: 3 * a, [(5,)]),
    ("div", lambda m, a, b: a / b, [(3, 4), Pos((4,))]),
    ("rdiv_scalar", lambda m, a: 2.0 / a, [Pos((3, 4))]),
    ("div_scalar", lambda m, a: a / 3.0, [(3, 4)]),
    ("pow_tensor", lambda m, a, b: a ** b, [Pos((3, 4)), (3, 4)]),
    ("pow_broadcast", lambda m, a, b: a ** b, [Pos((2, 3, 1)), (4,)]),
    ("pow_int_scalar", lambda m, a: a ** 3, [(3, 4)]),
    ("pow_float_scalar", lambda m, a: a ** 0.5, [Pos((3, 4))]),
    ("rpow_scalar", lambda m, a: 2.0 ** a, [(3, 4)]),
    ("neg", lambda m, a: -a, [(3, 4)]),
    ("neg_fn", lambda m, a: m.neg(a), [(2, 3)]),
    ("exp", lambda m, a: m.exp(a), [(3, 4)]),
    ("log", lambda m, a: m.log(a), [Pos((3, 4))]),
    ("sqrt", lambda m, a: m.sqrt(a), [Pos((3, 4))]),
    ("abs", lambda m, a: m.abs(a), [Away((3, 4))]),
    ("abs_method", lambda m, a: abs(a), [Away((4,))]),
    ("tanh", lambda m, a: m.tanh(a), [(3, 4)]),
    ("sigmoid", lambda m, a: m.sigmoid(a), [(3, 4)]),
    ("relu", lambda m, a: m.relu(a), [Away((3, 4))]),
    ("gelu", lambda m, a: F(m).gelu(a), [(3, 4)]),
    ("gelu_tanh", lambda m, a: F(m).gelu(a, approximate="tanh"), [(3, 4)]),
    ("clamp", lambda m, a: m.clamp(a, min=-0.5, max=0.5), [(4, 5)]),
    ("clamp_min", lambda m, a: a.clamp(min=0.2), [(4, 5)]),
    ("clamp_max", lambda m, a: a.clamp(max=-0.2), [(4, 5)]),
    ("maximum", lambda m, a, b: m.maximum(a, b), [(3, 4), (3, 4)]),
    ("maximum_broadcast", lambda m, a, b: m.maximum(a, b), [(3, 1), (4,)]),
    ("minimum", lambda m, a, b: m.minimum(a, b), [(2, 3, 4), (3, 4)]),
    ("where", lambda m, a, b: m.where(a > b, a, b), [(3, 4), (3, 4)]),
    ("where_broadcast", lambda m, a, b: m.where(m.tensor([True, False, True, False]), a, b),
     [(3, 4), (3, 1)]),
    ("sin_cos", lambda m, a: m.sin(a) * m.cos(a), [(3, 4)]),
    ("clone", lambda m, a: a.clone() * 2, [(3, 4)]),
    ("to_float32", lambda m, a: a.to(m.float32), [(3, 4)]),
    ("to_float64", lambda m, a: a.to(m.float32).to(m.float64) * a, [(3, 4)]),
    ("reused_input", lambda m, a: a * a + a, [(3, 4)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,specs", CASES, ids=IDS)
def test_gradcheck(name, fn, specs):
    if name.startswith("to_float"):  # float32 rounding needs a coarser step and tolerance
        gradcheck_case(fn, specs, eps=1e-2, atol=1e-4, rtol=1e-3)
    else:
        gradcheck_case(fn, specs)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,fn,specs", CASES, ids=IDS)
def test_torch_parity(name, fn, specs, dtype):
    if name == "to_float32" and dtype == np.float32:
        pytest.skip("no-op cast")
    torch_parity_case(fn, specs, dtype)


def test_maximum_ties_share_gradient():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([1.0, 5.0, 0.0], requires_grad=True)
    mg.maximum(a, b).sum().backward()
    np.testing.assert_allclose(to_np(a.grad), [0.5, 0.0, 1.0])
    np.testing.assert_allclose(to_np(b.grad), [0.5, 1.0, 0.0])


def test_sigmoid_and_softplus_like_expressions_stay_finite():
    x = mg.tensor([-1000.0, 0.0, 1000.0], dtype=mg.float64, requires_grad=True)
    y = mg.sigmoid(x)
    y.sum().backward()
    assert np.all(np.isfinite(to_np(y))) and np.all(np.isfinite(to_np(x.grad)))
    np.testing.assert_allclose(to_np(y), [0.0, 0.5, 1.0])


# ---------------------------------------------------------------------- hypothesis broadcasting
def _reduce_to(g, shape):
    """Sum a broadcast gradient back to `shape` (independent of minigrad's own unbroadcast)."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, s in enumerate(shape):
        if s == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


BINARY = {
    "add": (lambda a, b: a + b, lambda g, a, b: (g, g)),
    "sub": (lambda a, b: a - b, lambda g, a, b: (g, -g)),
    "mul": (lambda a, b: a * b, lambda g, a, b: (g * b, g * a)),
    "div": (lambda a, b: a / b, lambda g, a, b: (g / b, -g * a / (b * b))),
    "maximum": (None, lambda g, a, b: (g * (a > b), g * (b > a))),
    "minimum": (None, lambda g, a, b: (g * (a < b), g * (b < a))),
}
NP_FORWARD = {"maximum": np.maximum, "minimum": np.minimum}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_broadcasting_binary_ops(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a_np = rng.standard_normal(sa)
    b_np = rng.uniform(0.5, 2.0, sb) * rng.choice([-1.0, 1.0], sb)  # no zeros (div), no ties
    a, b = mg_from_np(a_np, True), mg_from_np(b_np, True)
    fwd, grads = BINARY[op]
    out = fwd(a, b) if fwd else getattr(mg, op)(a, b)
    expected = fwd(a_np, b_np) if fwd else NP_FORWARD[op](a_np, b_np)
    assert out.shape == np.broadcast_shapes(sa, sb) == expected.shape
    np.testing.assert_allclose(to_np(out), expected, rtol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(mg_from_np(g))
    ab, bb = np.broadcast_to(a_np, out.shape), np.broadcast_to(b_np, out.shape)
    ga, gb = grads(g, ab, bb)
    assert a.grad.shape == sa and b.grad.shape == sb
    np.testing.assert_allclose(to_np(a.grad), _reduce_to(np.asarray(ga, dtype=float), sa), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(to_np(b.grad), _reduce_to(np.asarray(gb, dtype=float), sb), rtol=1e-10,
                               atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3))
def test_broadcasting_gradcheck(shapes):
    sa, sb = shapes.input_shapes
    gradcheck_case(lambda m, a, b: a * b + a, [sa, sb])


@settings(max_examples=10, deadline=None)
@given(sa=st.lists(st.integers(2, 4), min_size=1, max_size=3),
       sb=st.lists(st.integers(2, 4), min_size=1, max_size=3))
def test_broadcast_mismatch_names_op_and_shapes(sa, sb):
    sa, sb = tuple(sa), tuple(sb)
    try:
        np.broadcast_shapes(sa, sb)
        return
    except ValueError:
        pass
    a, b = mg.zeros(*sa), mg.zeros(*sb)
    with pytest.raises(RuntimeError) as info:
        a * b
    msg = str(info.value)
    assert "mul" in msg and str(sa) in msg and str(sb) in msg


# ------------------------------------------------------------------------------ type promotion
@pytest.mark.parametrize("make,expected", [
    (lambda: mg.tensor([1, 2]) + 1.5, mg.float32),
    (lambda: 1.5 * mg.tensor([1, 2]), mg.float32),
    (lambda: mg.tensor([1, 2]) * 2, mg.int64),
    (lambda: mg.tensor([1, 2]) / mg.tensor([2, 2]), mg.float32),
    (lambda: mg.tensor([1, 2]) / 2, mg.float32),
    (lambda: mg.ones(2) + mg.ones(2, dtype=mg.float64), mg.float64),
    (lambda: mg.ones(2, dtype=mg.float64) * 2.0, mg.float64),
    (lambda: mg.ones(2) * 2.0, mg.float32),
    (lambda: mg.tensor([1, 2]) + mg.ones(2), mg.float32),
    (lambda: mg.tensor([1, 2], dtype=mg.int32) + mg.tensor([1, 2]), mg.int64),
    (lambda: mg.tensor([True, False]) + mg.tensor([1, 2]), mg.int64),
    (lambda: mg.tensor([1, 2]) ** 2.0, mg.float32),
    (lambda: mg.exp(mg.tensor([1, 2])), mg.float32),
    (lambda: mg.sqrt(mg.tensor([1, 4])), mg.float32),
    (lambda: mg.where(mg.tensor([True, False]), mg.tensor([1, 2]), mg.ones(2, dtype=mg.float64)),
     mg.float64),
])
def test_type_promotion(make, expected):
    assert make().dtype == expected


@requires_torch
@pytest.mark.parametrize("expr", [
    lambda m: m.tensor([1, 2]) + 1.5,
    lambda m: m.tensor([1, 2]) / m.tensor([2, 2]),
    lambda m: m.tensor([1, 2]) // 1 if False else m.tensor([3, 4]) * 2,
    lambda m: m.ones(2) + m.ones(2, dtype=m.float64),
    lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([1, 2]),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float16) + m.ones(2),
    lambda m: m.tensor([True, False]) + m.tensor([True, True]),
    lambda m: m.tensor([1, 2]) - 1,
])
def test_type_promotion_matches_torch(expr):
    import torch
    a, b = expr(mg), expr(torch)
    assert a.dtype.name == str(b.dtype).replace("torch.", "")
    np.testing.assert_array_equal(to_np(a), b.numpy())


def test_comparisons_return_bool_without_grad():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for out, ref in [(a == 2, [False, True, False]), (a != 2, [True, False, True]),
                     (a < 2, [True, False, False]), (a <= 2, [True, True, False]),
                     (a > 2, [False, False, True]), (a >= 2, [False, True, True])]:
        assert out.dtype == mg.bool and not out.requires_grad
        assert out.tolist() == ref
    assert mg.argmax(a).item() == 2 and not mg.argmax(a).requires_grad
    assert mg.argmin(a).item() == 0


def test_unsupported_operand_raises_type_error_naming_it():
    with pytest.raises(TypeError, match="str"):
        mg.ones(2) + "a"
    with pytest.raises(TypeError, match="NoneType"):
        mg.ones(2) * None


@requires_torch
@pytest.mark.parametrize("base,exponent", [
    ([0.0, 1.0, 2.0, 0.0], [0.0, 2.0, 0.0, 0.5]),    # zero exponents and zero bases
    ([-2.0, -1.5, 3.0, 0.5], [2.0, 3.0, -1.0, 0.0]),  # negative bases: d/d(exponent) is nan
])
def test_pow_special_values_match_torch(base, exponent):
    import torch
    res = []
    for m in (mg, torch):
        a = m.tensor(base, dtype=m.float64, requires_grad=True)
        b = m.tensor(exponent, dtype=m.float64, requires_grad=True)
        out = a ** b
        (out * 1.5).sum().backward()
        c = m.tensor(base, dtype=m.float64, requires_grad=True)
        (c ** 0).sum().backward()
        res.append([np.asarray(t.detach().numpy()) for t in (out, a.grad, b.grad, c.grad)])
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y, rtol=1e-12, equal_nan=True)


def test_integer_pow_error_is_not_reported_as_a_shape_error():
    with pytest.raises(RuntimeError, match="negative integer powers"):
        mg.tensor([2, 3]) ** -1


# ---------------------------------------------------------------- audit regressions: promotion
_PROMO_DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]


def _promo_values(lib, name):
    return lib.tensor([1, 0, 1] if name == "bool" else [1, 2, 3], dtype=getattr(lib, name))


@requires_torch
@pytest.mark.parametrize("scalar", [2, -1, 2.5, True])
@pytest.mark.parametrize("name", _PROMO_DTYPES)
def test_scalar_promotion_matches_torch(name, scalar):
    import torch
    for op in (lambda a, b: a + b, lambda a, b: b * a):
        got, want = op(_promo_values(mg, name), scalar), op(_promo_values(torch, name), scalar)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(to_np(got).astype(float), want.numpy().astype(float), rtol=1e-3)


@requires_torch
@pytest.mark.parametrize("zero_d", _PROMO_DTYPES)
@pytest.mark.parametrize("name", _PROMO_DTYPES)
def test_zero_dim_tensor_promotes_like_a_scalar(name, zero_d):
    import torch
    got = _promo_values(mg, name) * mg.tensor(1, dtype=getattr(mg, zero_d))
    want = _promo_values(torch, name) * torch.tensor(1, dtype=getattr(torch, zero_d))
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]


def test_sub_with_bool_raises_like_torch():
    for a, b in [(mg.tensor([True]), mg.tensor([False])), (mg.tensor([1.0]), mg.tensor([True])),
                 (mg.tensor([1.0]), True)]:
        with pytest.raises(RuntimeError, match="bool tensor"):
            a - b


@requires_torch
def test_floordiv_remainder_invert_and_clamp_match_torch():
    import torch
    a, b = [5.5, -5.5, 3.0], [2.0, 2.0, -2.0]
    for fn in (lambda x, y: x // y, lambda x, y: x % y, lambda x, y: 7 // y, lambda x, y: 7 % y):
        np.testing.assert_allclose(to_np(fn(mg.tensor(a), mg.tensor(b))), fn(torch.tensor(a), torch.tensor(b)).numpy())
    ia = [5, -5, 7]
    assert mg.tensor(ia).__floordiv__(2).tolist() == (torch.tensor(ia) // 2).tolist()
    assert (mg.tensor(ia) % 3).tolist() == (torch.tensor(ia) % 3).tolist()
    assert (~mg.tensor(ia)).tolist() == (~torch.tensor(ia)).tolist()
    got, want = mg.tensor([-1, 2]).clamp(0.5), torch.tensor([-1, 2]).clamp(0.5)
    assert got.dtype == mg.float32 and got.tolist() == want.tolist()
    x, tx = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = mg.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
    (x % y).sum().backward()
    (tx % ty).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())
    np.testing.assert_allclose(to_np(y.grad), ty.grad.numpy())
    with pytest.raises(ZeroDivisionError):
        mg.tensor([1, 2]) // 0


def test_comparison_with_none_or_str_is_false_not_a_numpy_error():
    t = mg.tensor([1.0, 2.0])
    assert (t == None) is False  # noqa: E711
    assert (t != "a") is True


@requires_torch
def test_where_with_python_scalar_keeps_tensor_dtype():
    import torch
    got = mg.where(mg.tensor([True, False]), mg.tensor([1, 2]), 0.5)
    want = torch.where(torch.tensor([True, False]), torch.tensor([1, 2]), 0.5)
    assert got.dtype == mg.float32 and got.tolist() == want.tolist()
    idx = mg.where(mg.tensor([True, False, True]))
    assert [i.tolist() for i in idx] == [i.tolist() for i in torch.where(torch.tensor([True, False, True]))]
