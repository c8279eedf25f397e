"""Reductions and normalisations: sum mean var max min logsumexp softmax log_softmax, topk/sort, cumsum."""
import numpy as np
import pytest

import minigrad as mg
from conftest import gradcheck_case, mg_from_np, requires_torch, to_np, torch_parity_case

CASES = [
    ("sum_all", lambda m, a: a.sum(), [(3, 4)]),
    ("sum_dim", lambda m, a: a.sum(dim=1), [(3, 4)]),
    ("sum_neg_dim_keepdim", lambda m, a: a.sum(dim=-1, keepdim=True), [(2, 3, 4)]),
    ("sum_dims_tuple", lambda m, a: m.sum(a, dim=(0, 2)), [(2, 3, 4)]),
    ("sum_dims_tuple_keepdim", lambda m, a: m.sum(a, dim=(-1, 0), keepdim=True), [(2, 3, 4)]),
    ("sum_0d", lambda m, a: a.sum(), [()]),
    ("mean_all", lambda m, a: a.mean(), [(3, 4)]),
    ("mean_dim", lambda m, a: a.mean(dim=0), [(3, 4)]),
    ("mean_neg_keepdim", lambda m, a: m.mean(a, dim=-2, keepdim=True), [(2, 3, 4)]),
    ("mean_dims_tuple", lambda m, a: a.mean(dim=(1, 2)), [(2, 3, 4)]),
    ("var_all", lambda m, a: a.var(), [(3, 4)]),
    ("var_dim", lambda m, a: a.var(dim=1), [(3, 4)]),
    ("var_biased_keepdim", lambda m, a: m.var(a, dim=-1, keepdim=True, correction=0), [(2, 3, 4)]),
    ("var_dims_tuple", lambda m, a: a.var(dim=(0, 2)), [(2, 3, 4)]),
    ("std_dim", lambda m, a: a.std(dim=0), [(4, 3)]),
    ("max_all", lambda m, a: a.max(), [(3, 4)]),
    ("min_all", lambda m, a: m.min(a), [(3, 4)]),
    ("max_dim", lambda m, a: a.max(dim=1), [(3, 4)]),
    ("max_neg_dim_keepdim", lambda m, a: a.max(dim=-1, keepdim=True), [(2, 3, 4)]),
    ("min_dim", lambda m, a: m.min(a, dim=0), [(3, 4)]),
    ("min_dim_keepdim", lambda m, a: a.min(dim=-2, keepdim=True), [(2, 3, 4)]),
    ("max_values", lambda m, a: a.max(dim=0).values * 2, [(3, 4)]),
    ("amax_dims", lambda m, a: m.amax(a, dim=(0, 2)), [(2, 3, 4)]),
    ("amin_dim", lambda m, a: m.amin(a, dim=1, keepdim=True), [(2, 3, 4)]),
    ("logsumexp", lambda m, a: m.logsumexp(a, dim=1), [(3, 4)]),
    ("logsumexp_neg_keepdim", lambda m, a: a.logsumexp(dim=-1, keepdim=True), [(2, 3, 4)]),
    ("logsumexp_dims", lambda m, a: m.logsumexp(a, dim=(0, 1)), [(2, 3, 4)]),
    ("softmax", lambda m, a: m.softmax(a, dim=1), [(3, 4)]),
    ("softmax_neg", lambda m, a: a.softmax(dim=-1), [(2, 3, 4)]),
    ("softmax_dim0", lambda m, a: m.softmax(a, 0), [(3, 4)]),
    ("log_softmax", lambda m, a: m.log_softmax(a, dim=1), [(3, 4)]),
    ("log_softmax_neg", lambda m, a: a.log_softmax(dim=-2), [(2, 3, 4)]),
    ("topk", lambda m, a: a.topk(2, dim=1), [(3, 5)]),
    ("topk_smallest", lambda m, a: m.topk(a, 3, dim=0, largest=False), [(4, 3)]),
    ("sort", lambda m, a: a.sort(dim=-1), [(3, 5)]),
    ("sort_descending", lambda m, a: m.sort(a, dim=0, descending=True), [(4, 3)]),
    ("cumsum", lambda m, a: a.cumsum(dim=1), [(3, 4)]),
    ("cumsum_neg", lambda m, a: m.cumsum(a, dim=-3), [(2, 3, 4)]),
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


@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False), (-2, True)])
def test_max_min_by_dim_gradient_goes_to_selected_element(dim, keepdim):
    x_np = np.random.standard_normal((3, 4))
    for fn, np_arg in ((mg.max, np.argmax), (mg.min, np.argmin)):
        x = mg_from_np(x_np, requires_grad=True)
        values, indices = fn(x, dim=dim, keepdim=keepdim)
        idx = np_arg(x_np, axis=dim)
        np.testing.assert_array_equal(to_np(indices).reshape(idx.shape), idx)
        assert indices.dtype == mg.int64 and not indices.requires_grad
        values.sum().backward()
        expected = np.zeros_like(x_np)
        np.put_along_axis(expected, np.expand_dims(idx, dim), 1.0, axis=dim)
        np.testing.assert_array_equal(to_np(x.grad), expected)


def test_max_all_ties_share_gradient_like_torch():
    x = mg.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(to_np(x.grad), [0.0, 0.5, 0.5, 0.0])


@pytest.mark.parametrize("op", ["logsumexp", "softmax", "log_softmax"])
def test_numerically_stable_for_huge_inputs(op):
    x_np = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]])
    x = mg_from_np(x_np, requires_grad=True)
    out = getattr(mg, op)(x, dim=1)
    out.sum().backward()
    shifted = x_np - x_np.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1)) + x_np.max(axis=1)
    expected = {"logsumexp": lse, "softmax": np.exp(x_np - lse[:, None]),
                "log_softmax": x_np - lse[:, None]}[op]
    np.testing.assert_allclose(to_np(out), expected, rtol=1e-12)
    assert np.all(np.isfinite(to_np(x.grad)))


def test_sum_of_int_tensor_is_int64_and_mean_of_int_raises():
    t = mg.tensor([[1, 2], [3, 4]], dtype=mg.int32)
    assert t.sum().dtype == mg.int64 and t.sum().item() == 10
    with pytest.raises(RuntimeError, match="mean"):
        t.mean()


@pytest.mark.parametrize("op", ["sum", "mean", "softmax", "max"])
def test_dim_out_of_range_raises_index_error(op):
    with pytest.raises(IndexError, match="out of range"):
        getattr(mg, op)(mg.zeros(2, 3), dim=2)


def test_log_softmax_keeps_float32_precision_for_large_logits():
    x = np.array([[5e3, 5e3, -5e3], [1e4, 1e4 - 3.0, 0.0]], dtype=np.float32)
    got = mg.log_softmax(mg.tensor(x), 1).detach().numpy()
    x64 = x.astype(np.float64)
    m = x64.max(axis=1, keepdims=True)
    expected = (x64 - m) - np.log(np.exp(x64 - m).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------ audit regressions
@pytest.mark.parametrize("op", ["sum", "mean", "amax", "logsumexp", "all"])
def test_repeated_dims_raise(op):
    with pytest.raises(RuntimeError, match="appears multiple times"):
        getattr(mg.ones(2, 3), op)((0, 0))


def test_var_std_of_int_raise_and_argmax_of_empty_is_an_index_error():
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2]).var()
    with pytest.raises(IndexError, match="numel"):
        mg.zeros(0).argmax()
    with pytest.raises(IndexError, match="non-zero size"):
        mg.zeros(0, 3).argmin(0)


@requires_torch
def test_reductions_of_empty_and_int_inputs_match_torch():
    import torch
    for fn in (lambda t: t.zeros(0, 3).logsumexp(0), lambda t: t.zeros(0, 3).softmax(0),
               lambda t: t.zeros(0, 3).log_softmax(1), lambda t: t.tensor([[1, 2]]).logsumexp(1),
               lambda t: t.tensor(2.0).cumsum(0), lambda t: t.tensor([[1, 0]]).all(1, keepdim=True),
               lambda t: t.tensor([[1, 0], [1, 1]]).any((0, 1)),
               lambda t: t.tensor([1.0, 2.0]).mean(dtype=t.float64)):
        got, want = fn(mg), fn(torch)
        assert got.shape == tuple(want.shape) and str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(to_np(got), want.numpy())
    with pytest.raises(IndexError, match="out of range"):
        mg.ones(2, 3).any(5)
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        mg.allclose(mg.ones(2), mg.ones(3))


@requires_torch
@pytest.mark.parametrize("fn", [lambda x: x.amax(1), lambda x: x.amin((0, 1)),
                                lambda x: x.prod(), lambda x: x.prod(1, keepdim=True),
                                lambda x: x.norm(), lambda x: x.norm(1, dim=1),
                                lambda x: x.norm(float("inf"), dim=0, keepdim=True)])
def test_amax_ties_prod_with_zeros_and_norm_match_torch(fn):
    import torch
    data = [[1.0, 3.0, 3.0], [0.0, 2.0, -3.0], [0.0, 0.0, 0.0]]
    x, tx = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = fn(x), fn(tx)
    np.testing.assert_allclose(to_np(out.detach()), tout.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-6)


def test_prod_and_norm_gradcheck():
    for fn in (lambda a: a.prod(0), lambda a: a.prod(), lambda a: a.norm(dim=1), lambda a: a.norm(3)):
        a = mg.tensor([[1.5, -2.0, 0.5], [0.7, 1.1, -0.3]], dtype=mg.float64, requires_grad=True)
        assert mg.autograd.gradcheck(fn, (a,))
