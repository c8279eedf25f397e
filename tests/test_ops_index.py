"""Indexing: __getitem__ (ints, slices, None, Ellipsis, integer and boolean arrays), __setitem__,
gather, index_select, where, masked_fill; repeated indices accumulate their gradients."""
import numpy as np
import pytest

import minigrad as mg
from conftest import gradcheck_case, mg_from_np, requires_torch, to_np, torch_parity_case

MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def _setitem_slice(m, a, b):
    c = a * 1.0
    c[1:3] = b
    return c


def _setitem_scalar_and_index(m, a):
    c = a.clone()
    c[0, 1] = 7.0
    c[m.tensor([2, 0])] = c[m.tensor([1, 1])] * 2
    return c


def _setitem_mask(m, a, b):
    c = a.clone()
    c[m.tensor(MASK)] = b.sum()
    return c * c


def _setitem_broadcast_value(m, a, b):
    c = a.clone()
    c[:, 1:3] = b
    return c


CASES = [
    ("int", lambda m, a: a[1], [(3, 4)]),
    ("neg_int", lambda m, a: a[-1, -2], [(3, 4)]),
    ("slice", lambda m, a: a[1:3], [(4, 3)]),
    ("slice_step", lambda m, a: a[::2, 1::2], [(5, 4)]),
    ("neg_slice", lambda m, a: a[:, -3:-1], [(3, 4)]),
    ("none", lambda m, a: a[:, None, 1:], [(3, 4)]),
    ("ellipsis", lambda m, a: a[..., 1], [(2, 3, 4)]),
    ("ellipsis_mid", lambda m, a: a[0, ..., None, 2], [(2, 3, 4)]),
    ("int_tensor", lambda m, a: a[m.tensor([2, 0])], [(3, 4)]),
    ("int_tensor_repeated", lambda m, a: a[m.tensor([1, 1, 0, 1])], [(3, 4)]),
    ("int_list_repeated", lambda m, a: a[[0, 2, 0]], [(3, 2)]),
    ("int_tensor_2d", lambda m, a: a[m.tensor([[0, 1], [1, 1]])], [(3, 4)]),
    ("int_tensor_pair", lambda m, a: a[m.tensor([0, 2, 0]), m.tensor([1, 1, 1])], [(3, 4)]),
    ("slice_then_int_tensor", lambda m, a: a[1:, m.tensor([3, 0, 3])], [(3, 4)]),
    ("int_tensor_neg", lambda m, a: a[m.tensor([-1, 0, -1])], [(3, 2)]),
    ("bool_mask", lambda m, a: a[m.tensor(MASK)], [(3, 4)]),
    ("bool_mask_rows", lambda m, a: a[m.tensor([True, False, True])], [(3, 4)]),
    ("bool_mask_from_compare", lambda m, a: a[a > 0], [(3, 4)]),
    ("setitem_slice", _setitem_slice, [(4, 3), (2, 3)]),
    ("setitem_scalar_and_index", _setitem_scalar_and_index, [(3, 4)]),
    ("setitem_mask", _setitem_mask, [(3, 4), (2,)]),
    ("setitem_broadcast_value", _setitem_broadcast_value, [(3, 4), (2,)]),
    ("gather", lambda m, a: a.gather(1, m.tensor([[0, 0, 3], [1, 2, 1], [3, 3, 3]])), [(3, 4)]),
    ("gather_dim0", lambda m, a: m.gather(a, 0, m.tensor([[2, 0, 2, 2], [0, 0, 1, 0]])), [(3, 4)]),
    ("gather_neg_dim", lambda m, a: a.gather(-1, m.tensor([[[1], [0]], [[1], [1]]])), [(2, 2, 3)]),
    ("index_select", lambda m, a: a.index_select(0, m.tensor([2, 0, 2])), [(3, 4)]),
    ("index_select_dim1", lambda m, a: m.index_select(a, 1, m.tensor([3, 3, 1])), [(3, 4)]),
    ("index_select_neg", lambda m, a: m.index_select(a, -1, m.tensor([0, 0])), [(2, 3, 4)]),
    ("masked_fill", lambda m, a: a.masked_fill(m.tensor(MASK), 0.5), [(3, 4)]),
    ("masked_fill_broadcast", lambda m, a: m.masked_fill(a, m.tensor([True, False, False, True]),
                                                         -2.0), [(3, 4)]),
    ("where_mask", lambda m, a, b: m.where(m.tensor(MASK), a, b), [(3, 4), (4,)]),
    ("where_scalar_other", lambda m, a: m.where(a > 0, a, m.zeros_like(a)), [(3, 4)]),
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


def test_repeated_indices_accumulate():
    x = mg.zeros(3, requires_grad=True)
    x[mg.tensor([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), [3.0, 0.0, 1.0])
    y = mg.zeros(3, 2, requires_grad=True)
    y.index_select(0, mg.tensor([1, 1])).sum().backward()
    np.testing.assert_array_equal(to_np(y.grad), [[0, 0], [2, 2], [0, 0]])
    z = mg.zeros(2, 3, requires_grad=True)
    z.gather(1, mg.tensor([[2, 2], [0, 2]])).sum().backward()
    np.testing.assert_array_equal(to_np(z.grad), [[0, 0, 2], [1, 0, 1]])


@pytest.mark.parametrize("key,size", [(5, 3), (-4, 3), ((0, 4), 4), ("tensor", 3)])
def test_index_out_of_range_raises_index_error_naming_size(key, size):
    a = mg.zeros(3, 4)
    if key == "tensor":
        key = mg.tensor([0, 3])
    with pytest.raises(IndexError, match=f"size {size}"):
        a[key]
    with pytest.raises(IndexError, match=f"size {size}"):
        a[key] = 1.0


def test_gather_and_index_select_out_of_range_raise_index_error():
    a = mg.zeros(3, 4)
    with pytest.raises(IndexError, match="size 4"):
        a.gather(1, mg.tensor([[0], [4], [1]]))
    with pytest.raises(IndexError, match="size 3"):
        a.index_select(0, mg.tensor([3]))


def test_bad_index_types_raise():
    a = mg.zeros(3, 4)
    with pytest.raises(IndexError, match="float"):
        a[mg.tensor([0.5])]
    with pytest.raises(IndexError, match="str"):
        a["x"]
    with pytest.raises(IndexError, match="too many indices"):
        a[0, 0, 0]
    with pytest.raises(IndexError, match="mask"):
        a[mg.tensor([True, False])]
    with pytest.raises(TypeError, match="float"):
        a.gather(0, mg.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="bool"):
        a.masked_fill(mg.tensor([1, 0, 1, 0]), 1.0)


def test_basic_index_is_a_view_and_advanced_index_a_copy():
    a = mg.zeros(3, 4)
    v = a[1]
    v[2] = 3.0
    assert a[1, 2].item() == 3.0
    c = a[mg.tensor([1])]
    c[0, 0] = 9.0
    assert a[1, 0].item() == 0.0


def test_setitem_without_grad_writes_in_place():
    a = mg.zeros(2, 3)
    a[0] = mg.tensor([1.0, 2.0, 3.0])
    a[1, a[0] > 1.5] = -1.0
    np.testing.assert_array_equal(to_np(a), [[1, 2, 3], [0, -1, -1]])
    assert not a.requires_grad


def test_setitem_value_requiring_grad_makes_target_require_grad():
    v = mg.tensor([1.0, 2.0], requires_grad=True)
    buf = mg.zeros(3, 2)
    buf[1] = v * 3
    assert buf.requires_grad and not buf.is_leaf
    (buf * mg_from_np(np.arange(6.0).reshape(3, 2).astype(np.float32))).sum().backward()
    np.testing.assert_allclose(to_np(v.grad), [6.0, 9.0])


# ------------------------------------------------------------------ audit regressions
@requires_torch
@pytest.mark.parametrize("key", [lambda t: [[0, 1], [1, 2]], lambda t: [], lambda t: True,
                                 lambda t: False, lambda t: (None, t.tensor([0, 2])),
                                 lambda t: t.tensor([0, 1, 1], dtype=t.uint8)])
def test_getitem_key_kinds_match_torch(key):
    import torch
    x = mg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    tx = torch.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    out, tout = x[key(mg)], tx[key(torch)]
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(to_np(out.detach()), tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())


def test_negative_slice_step_raises_like_torch():
    with pytest.raises(ValueError, match="step must be greater than zero"):
        mg.ones(3)[::-1]


@requires_torch
def test_masked_fill_with_a_tensor_value_gives_it_a_gradient():
    import torch
    v, tv = mg.tensor(5.0, requires_grad=True), torch.tensor(5.0, requires_grad=True)
    mask = [True, False, True]
    mg.ones(2, 3).masked_fill(mg.tensor(mask), v).sum().backward()
    torch.ones(2, 3).masked_fill(torch.tensor(mask), tv).sum().backward()
    assert v.grad.item() == tv.grad.item()
