"""Shape ops: reshape view transpose permute squeeze unsqueeze expand flatten cat stack split chunk
unbind flip."""
import numpy as np
import pytest

import minigrad as mg
from conftest import gradcheck_case, requires_torch, to_np, torch_parity_case

CASES = [
    ("reshape", lambda m, a: a.reshape(4, 3), [(3, 4)]),
    ("reshape_infer", lambda m, a: m.reshape(a, (-1, 2)), [(2, 3, 2)]),
    ("view", lambda m, a: a.view(2, 6) * 2, [(3, 4)]),
    ("view_tuple", lambda m, a: a.view((12,)), [(3, 4)]),
    ("view_as", lambda m, a, b: a.view_as(b) * b, [(3, 4), (2, 6)]),
    ("transpose", lambda m, a: a.transpose(0, 1), [(3, 4)]),
    ("transpose_neg", lambda m, a: m.transpose(a, -1, -3), [(2, 3, 4)]),
    ("T", lambda m, a: a.T, [(3, 4)]),
    ("t", lambda m, a: a.t(), [(3, 4)]),
    ("permute", lambda m, a: a.permute(2, 0, 1), [(2, 3, 4)]),
    ("permute_neg", lambda m, a: m.permute(a, (-1, 0, 1)), [(2, 3, 4)]),
    ("squeeze_all", lambda m, a: a.squeeze(), [(1, 3, 1, 2)]),
    ("squeeze_dim", lambda m, a: a.squeeze(2), [(1, 3, 1, 2)]),
    ("squeeze_neg_dim_noop", lambda m, a: m.squeeze(a, -1), [(1, 3, 1, 2)]),
    ("unsqueeze", lambda m, a: a.unsqueeze(1), [(3, 4)]),
    ("unsqueeze_neg", lambda m, a: m.unsqueeze(a, -1), [(3, 4)]),
    ("expand", lambda m, a: a.expand(2, 3, 4), [(3, 1)]),
    ("expand_keep", lambda m, a: a.expand(-1, 4) * 1.5, [(3, 1)]),
    ("expand_as", lambda m, a, b: a.expand_as(b) * b, [(1, 4), (3, 4)]),
    ("flatten", lambda m, a: a.flatten(), [(2, 3, 4)]),
    ("flatten_range", lambda m, a: m.flatten(a, 1, -1), [(2, 3, 4)]),
    ("flatten_start", lambda m, a: a.flatten(start_dim=0, end_dim=1), [(2, 3, 4)]),
    ("cat", lambda m, a, b: m.cat([a, b]), [(2, 3), (4, 3)]),
    ("cat_dim1", lambda m, a, b, c: m.cat((a, b, c), dim=1), [(2, 1), (2, 3), (2, 2)]),
    ("cat_neg_dim", lambda m, a, b: m.cat([a, b], dim=-1), [(2, 3, 1), (2, 3, 2)]),
    ("cat_same_tensor", lambda m, a: m.cat([a, a * 2, a], dim=0), [(2, 3)]),
    ("stack", lambda m, a, b: m.stack([a, b]), [(2, 3), (2, 3)]),
    ("stack_dim", lambda m, a, b, c: m.stack([a, b, c], dim=1), [(2, 3), (2, 3), (2, 3)]),
    ("stack_neg_dim", lambda m, a, b: m.stack([a, b], dim=-1), [(2, 3), (2, 3)]),
    ("split_size", lambda m, a: a.split(2, dim=1), [(3, 5)]),
    ("split_sections", lambda m, a: m.split(a, [1, 3, 1], dim=1), [(3, 5)]),
    ("split_neg_dim", lambda m, a: m.split(a, 2, dim=-2), [(3, 4)]),
    ("split_partial_use", lambda m, a: a.split(2)[1] * 3, [(5, 2)]),
    ("chunk", lambda m, a: a.chunk(3, dim=1), [(2, 7)]),
    ("chunk_uneven", lambda m, a: m.chunk(a, 4, dim=0), [(6, 2)]),
    ("unbind", lambda m, a: a.unbind(1), [(3, 4)]),
    ("unbind_neg", lambda m, a: m.unbind(a, dim=-1), [(2, 3)]),
    ("unbind_partial_use", lambda m, a: a.unbind(0)[2] * a.unbind(0)[0], [(3, 4)]),
    ("flip", lambda m, a: a.flip(0), [(3, 4)]),
    ("flip_dims", lambda m, a: m.flip(a, (0, -1)), [(2, 3, 4)]),
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


def test_cat_shape_mismatch_names_op_and_both_shapes():
    with pytest.raises(RuntimeError) as info:
        mg.cat([mg.zeros(2, 3), mg.zeros(2, 4)], dim=0)
    msg = str(info.value)
    assert "cat" in msg and "(2, 3)" in msg and "(2, 4)" in msg


def test_cat_ndim_mismatch_names_shapes():
    with pytest.raises(RuntimeError) as info:
        mg.cat([mg.zeros(2, 3), mg.zeros(3)])
    assert "cat" in str(info.value) and "(2, 3)" in str(info.value) and "(3,)" in str(info.value)


def test_stack_mismatch_names_shapes():
    with pytest.raises(RuntimeError, match=r"stack.*\(2, 3\).*\(3, 2\)"):
        mg.stack([mg.zeros(2, 3), mg.zeros(3, 2)])


@pytest.mark.parametrize("fn,match", [
    (lambda: mg.zeros(2, 3).reshape(4, 2), r"\[4, 2\].*size 6"),
    (lambda: mg.zeros(2, 3).view(-1, 4), "invalid for input of size 6"),
    (lambda: mg.zeros(2, 3).expand(3, 3), "expand"),
    (lambda: mg.zeros(2, 3).permute(0, 0), "permute"),
    (lambda: mg.zeros(2, 3).permute(0), "permute"),
    (lambda: mg.split(mg.zeros(5), [2, 2]), "split"),
])
def test_bad_shape_arguments_raise(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


def test_views_share_memory_and_version_with_base():
    base = mg.zeros(2, 3)
    v = base.view(6)
    t = base.transpose(0, 1)
    v[0] = 5.0
    assert base[0, 0].item() == 5.0 and t[0, 0].item() == 5.0
    assert v._version is base._version is t._version
    before = base._version.value
    base.add_(1)
    assert v._version.value == before + 1
    np.testing.assert_array_equal(to_np(v), np.array([6, 1, 1, 1, 1, 1.0]))


def test_split_and_unbind_return_tuples_of_right_shapes():
    a = mg.zeros(5, 4)
    assert [p.shape for p in a.split(2)] == [(2, 4), (2, 4), (1, 4)]
    assert [p.shape for p in a.chunk(2, dim=1)] == [(5, 2), (5, 2)]
    assert [p.shape for p in a.unbind(1)] == [(5,)] * 4


# ------------------------------------------------------------------ audit regressions
@requires_torch
@pytest.mark.parametrize("fn", [lambda x: x.narrow(1, 1, 2), lambda x: x.repeat(2, 1, 3),
                                lambda x: x.movedim(0, -1), lambda x: x.swapaxes(0, 2),
                                lambda x: x.roll(1, 1), lambda x: x.roll((1, -1), (0, 2)),
                                lambda x: x.roll(2)])
def test_narrow_repeat_movedim_roll_match_torch(fn):
    import torch
    data = np.arange(24.0).reshape(2, 3, 4)
    x, tx = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = fn(x), fn(tx)
    np.testing.assert_allclose(to_np(out.detach()), tout.detach().numpy())
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())


def test_flip_with_repeated_dims_raises():
    with pytest.raises(RuntimeError, match="repeat"):
        mg.ones(2, 3).flip((0, 0))


TILE_CASES = [
    ("tile", lambda m, a: a.tile(2, 1), [(2, 3)]),
    ("tile_fewer_dims", lambda m, a: m.tile(a, (3,)), [(2, 3)]),
    ("tile_more_dims", lambda m, a: a.tile((2, 1, 2)), [(2, 3)]),
    ("unflatten", lambda m, a: a.unflatten(1, (2, 3)), [(4, 6)]),
    ("unflatten_infer_neg_dim", lambda m, a: m.unflatten(a, -1, (-1, 2)) * 2, [(2, 3, 4)]),
]


@pytest.mark.parametrize("name,fn,specs", TILE_CASES, ids=[c[0] for c in TILE_CASES])
def test_tile_unflatten_gradcheck(name, fn, specs):
    gradcheck_case(fn, specs)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,fn,specs", TILE_CASES, ids=[c[0] for c in TILE_CASES])
def test_tile_unflatten_torch_parity(name, fn, specs, dtype):
    torch_parity_case(fn, specs, dtype)


def test_unflatten_rejects_bad_sizes():
    with pytest.raises(RuntimeError, match="multiply up"):
        mg.ones(4, 6).unflatten(1, (4, 2))
    with pytest.raises(RuntimeError, match="multiply up"):
        mg.ones(4, 6).unflatten(1, (-1, -1))
    with pytest.raises(RuntimeError, match="non-empty"):
        mg.ones(4, 6).unflatten(1, ())
