"""matmul / @ for 1-D, 2-D and batched N-D operands with broadcast batch dims; mm, bmm, dot, outer."""
import numpy as np
import pytest

import minigrad as mg
from conftest import gradcheck_case, mg_from_np, requires_torch, to_np, torch_parity_case

CASES = [
    ("vec_vec", lambda m, a, b: a @ b, [(4,), (4,)]),
    ("vec_mat", lambda m, a, b: a @ b, [(3,), (3, 4)]),
    ("mat_vec", lambda m, a, b: m.matmul(a, b), [(3, 4), (4,)]),
    ("mat_mat", lambda m, a, b: a @ b, [(2, 3), (3, 4)]),
    ("batch_mat", lambda m, a, b: a @ b, [(2, 3, 4), (4, 5)]),
    ("mat_batch", lambda m, a, b: a @ b, [(3, 4), (2, 4, 2)]),
    ("batch_batch", lambda m, a, b: a.matmul(b), [(2, 3, 4), (2, 4, 2)]),
    ("batch_broadcast", lambda m, a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    ("batch_broadcast_both", lambda m, a, b: a @ b, [(2, 1, 2, 3), (1, 3, 3, 2)]),
    ("batch_vec", lambda m, a, b: a @ b, [(2, 3, 4), (4,)]),
    ("vec_batch", lambda m, a, b: a @ b, [(3,), (2, 3, 4)]),
    ("same_operand", lambda m, a: a @ a, [(3, 3)]),
    ("mm", lambda m, a, b: m.mm(a, b), [(2, 3), (3, 2)]),
    ("bmm", lambda m, a, b: m.bmm(a, b), [(2, 2, 3), (2, 3, 4)]),
    ("dot", lambda m, a, b: m.dot(a, b), [(5,), (5,)]),
    ("outer", lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    ("linear_chain", lambda m, x, w, b: m.tanh(x @ w.T + b) @ w, [(2, 3), (4, 3), (4,)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,specs", CASES, ids=IDS)
def test_gradcheck(name, fn, specs):
    gradcheck_case(fn, specs)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,fn,specs", CASES, ids=IDS)
def test_torch_parity(name, fn, specs, dtype):
    torch_parity_case(fn, specs, dtype)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3, 4), (5, 2)),
                                   ((2, 3, 4), (3, 4, 2)), ((4,), (3, 2))])
def test_matmul_shape_mismatch_names_op_and_both_shapes(sa, sb):
    with pytest.raises(RuntimeError) as info:
        mg.zeros(*sa) @ mg.zeros(*sb)
    msg = str(info.value)
    assert "matmul" in msg and str(sa) in msg and str(sb) in msg


def test_matmul_0d_and_dtype_mismatch_raise():
    with pytest.raises(RuntimeError, match="matmul"):
        mg.tensor(2.0) @ mg.zeros(3)
    with pytest.raises(RuntimeError, match="float32.*float64|float64.*float32"):
        mg.zeros(2, 2) @ mg.zeros(2, 2, dtype=mg.float64)


def test_matmul_with_numpy_operand_and_reflected():
    a_np = np.random.standard_normal((2, 3))
    b = mg_from_np(np.random.standard_normal((3, 2)))
    np.testing.assert_allclose(to_np(a_np @ b), a_np @ to_np(b), rtol=1e-12)


def test_mm_bmm_dot_reject_wrong_ranks():
    with pytest.raises(RuntimeError, match="mm"):
        mg.mm(mg.zeros(2, 2, 2), mg.zeros(2, 2))
    with pytest.raises(RuntimeError, match="bmm"):
        mg.bmm(mg.zeros(2, 2), mg.zeros(2, 2))
    with pytest.raises(RuntimeError, match="dot"):
        mg.dot(mg.zeros(2, 2), mg.zeros(2))


def test_fused_linear_op_gradcheck():
    from minigrad.primitives.matmul import FusedLinear
    gradcheck_case(lambda m, x, w, b: FusedLinear.apply(x, w, b), [(2, 3, 4), (5, 4), (5,)])
    gradcheck_case(lambda m, x, w: FusedLinear.apply(x, w), [(4,), (2, 4)])


@requires_torch
def test_fused_linear_op_matches_torch():
    import torch
    from minigrad.primitives.matmul import FusedLinear

    def fn(m, x, w, b):
        return FusedLinear.apply(x, w, b) if m is mg else torch.nn.functional.linear(x, w, b)
    torch_parity_case(fn, [(2, 3, 4), (5, 4), (5,)], np.float64)
