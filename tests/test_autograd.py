"""Autograd semantics: deep graphs, freeing the graph, accumulation, retain_grad, grad modes,
custom Functions, in-place checks, hooks and gradcheck itself."""
import gc
import sys
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, GradcheckError, gradcheck
from conftest import mg_from_np, requires_torch, to_np


# --------------------------------------------------------------------------------- the engine
def test_backward_through_10000_op_chain():
    x = mg.tensor(0.5, dtype=mg.float64, requires_grad=True)
    h = x
    for _ in range(10_000):
        h = h * 1.0001 + 0.0
    h.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 10_000, rtol=1e-9)


def test_backward_through_long_rnn_like_chain():
    w = mg.tensor(np.eye(3) * 0.5, requires_grad=True)
    h = mg.zeros(3, dtype=mg.float64)
    x = mg.ones(3, dtype=mg.float64)
    steps = 3000  # 3 ops per step: > 9000 graph nodes
    for _ in range(steps):
        h = mg.tanh(h @ w + x)
    h.sum().backward()
    assert w.grad.shape == (3, 3) and np.all(np.isfinite(to_np(w.grad)))


def test_diamond_graph_accumulates_both_paths():
    x = mg.tensor(3.0, dtype=mg.float64, requires_grad=True)
    a = x * x          # 2x
    b = mg.exp(x)      # e^x
    (a * b + a).backward()
    expected = 2 * 3.0 * np.exp(3.0) + 9.0 * np.exp(3.0) + 6.0
    np.testing.assert_allclose(x.grad.item(), expected, rtol=1e-12)


def test_graph_saved_arrays_released_after_backward():
    x = mg.randn(4, 4, dtype=mg.float64, requires_grad=True)
    y = mg.exp(x)                     # Exp saves its output array
    node = y.grad_fn
    saved = node.saved_tensors[0]
    assert saved is y.array
    z = (y * 2).sum()
    del y
    refs_before = sys.getrefcount(saved)
    try:
        ref = weakref.ref(saved)
    except TypeError:                 # array types without weak references
        ref = None
    z.backward()
    gc.collect()
    assert node._saved == ()
    assert sys.getrefcount(saved) < refs_before, "the graph still holds the saved array"
    if ref is not None:
        del saved
        gc.collect()
        assert ref() is None, "the array saved for backward is still alive after backward()"
    with pytest.raises(RuntimeError, match="second time"):
        node.saved_tensors


def test_second_backward_raises_clear_error():
    x = mg.ones(3, requires_grad=True)
    y = (mg.exp(x) * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = (x * x * x).sum()
    y.backward(retain_graph=True)
    first = to_np(x.grad).copy()
    y.backward()
    np.testing.assert_allclose(to_np(x.grad), 2 * first)
    np.testing.assert_allclose(first, 3 * np.array([1.0, 4.0]))


def test_gradients_accumulate_in_leaves_until_zeroed():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    for k in range(1, 4):
        (x * 3).sum().backward()
        np.testing.assert_allclose(to_np(x.grad), [3.0 * k] * 2)
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), [2.0, -4.0])


def test_non_leaf_grads_only_with_retain_grad():
    x = mg.ones(2, requires_grad=True)
    y = x * 2
    z = y * 3
    w = z.sum()
    y.retain_grad()
    assert y.retains_grad and not z.retains_grad
    w.backward()
    assert z.grad is None
    np.testing.assert_allclose(to_np(y.grad), [3.0, 3.0])
    assert x.grad is not None and x.is_leaf


def test_backward_on_non_scalar_needs_gradient():
    x = mg.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(mg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(to_np(x.grad), [2.0, 4.0, 6.0])


def test_backward_gradient_shape_mismatch_raises():
    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(mg.ones(2))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2).sum().backward()


def test_backward_scalar_root_is_leaf():
    x = mg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_outputs_not_used_get_no_grad_and_int_outputs_do_not_require_grad():
    x = mg.randn(3, 4, requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.requires_grad and not indices.requires_grad
    a, b = x.split(2, dim=1)
    a.sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), np.concatenate([np.ones((3, 2)), np.zeros((3, 2))], 1))


# ------------------------------------------------------------------------------------ grad mode
def test_no_grad_context_builds_no_graph():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        y = x * 2 + mg.exp(x)
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            z = x * 2
            assert mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_and_enable_grad_as_decorators():
    @mg.no_grad()
    def f(x):
        return x * 2

    @mg.no_grad
    def g(x):
        return x * 2

    @mg.enable_grad()
    def h(x):
        return x * 2

    x = mg.ones(2, requires_grad=True)
    assert not f(x).requires_grad and not g(x).requires_grad
    with mg.no_grad():
        assert h(x).requires_grad
    assert f.__name__ == "f" and mg.is_grad_enabled()


def test_set_grad_enabled_as_function_context_and_decorator():
    x = mg.ones(2, requires_grad=True)
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @mg.set_grad_enabled(False)
    def f():
        return x * 2
    assert mg.is_grad_enabled() and not f().requires_grad
    mg.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with mg.no_grad():
            raise ValueError
    assert mg.is_grad_enabled()


# ----------------------------------------------------------------------------- custom Function
class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x * x * ctx.scale, None


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 2 * x * x * ctx.scale, None


class SplitSum(Function):
    """Two outputs, one of them integer and non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        idx = x.argmax()
        ctx.mark_non_differentiable(idx)
        return x.sum(), idx

    @staticmethod
    def backward(ctx, g, g_idx):
        return g * mg.ones(3, dtype=mg.float64)


def test_custom_function_forward_backward():
    x = mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64, requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.requires_grad and "Cube" in y.grad_fn.name()
    np.testing.assert_allclose(to_np(y), 2 * np.array([1.0, -8.0, 0.125]))
    y.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), 6 * np.array([1.0, 4.0, 0.25]))
    assert gradcheck(lambda t: Cube.apply(t, 1.5), (x,))


def test_custom_function_multiple_outputs_and_non_differentiable():
    x = mg.tensor([1.0, 5.0, 2.0], dtype=mg.float64, requires_grad=True)
    s, idx = SplitSum.apply(x)
    assert s.requires_grad and not idx.requires_grad and idx.item() == 1
    s.backward()
    np.testing.assert_allclose(to_np(x.grad), [1.0, 1.0, 1.0])


def test_custom_function_under_no_grad_builds_no_graph():
    x = mg.ones(2, dtype=mg.float64, requires_grad=True)
    with mg.no_grad():
        y = Cube.apply(x, 1.0)
    assert not y.requires_grad and y.grad_fn is None


def test_gradcheck_detects_wrong_backward():
    x = mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda t: WrongCube.apply(t, 1.0), (x,))
    assert not gradcheck(lambda t: WrongCube.apply(t, 1.0), (x,), raise_exception=False)


def test_gradcheck_requires_float64():
    with pytest.raises(GradcheckError, match="float64"):
        gradcheck(lambda t: t * 2, (mg.ones(2, requires_grad=True),))


def test_gradcheck_multiple_outputs_and_inputs():
    a = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    b = mg.randn(4, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda x, y: (x * y, (x - y).max(dim=1)), (a, b))


# ------------------------------------------------------------------------------------ in-place
def test_inplace_on_saved_tensor_raises():
    x = mg.ones(3, requires_grad=True)
    y = x * 2
    z = y * y                      # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_on_saved_output_raises():
    x = mg.randn(3, requires_grad=True)
    y = mg.exp(x)                  # saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_via_setitem_and_detach_raises():
    x = mg.ones(3, requires_grad=True)
    y = x * 1
    z = mg.sigmoid(y) * y
    y.detach()[0] = 5.0            # detach shares the data and the version counter
    with pytest.raises(RuntimeError, match="inplace"):
        z.sum().backward()


def test_inplace_not_needed_by_graph_is_fine_and_differentiable():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = x + 0                      # Add saves nothing
    y.mul_(3)
    y.add_(x)
    y.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), [4.0, 4.0])


def test_leaf_requiring_grad_used_in_place_raises():
    x = mg.ones(3, requires_grad=True)
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.__setitem__(0, 1.0)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
    with mg.no_grad():
        x.add_(1)                  # allowed: this is how optimizers update parameters
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_inplace_on_view_of_leaf_raises():
    x = mg.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x[0].mul_(2)


def test_inplace_on_view_updates_base_graph():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    b = x * 1
    b[0].mul_(3)
    b.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), [[3.0, 3.0], [1.0, 1.0]])


@requires_torch
def test_inplace_on_view_matches_torch():
    import torch
    x_np = np.random.standard_normal((3, 4))
    grads = []
    for m, make in ((mg, mg_from_np), (torch, torch.tensor)):
        x = make(x_np, requires_grad=True)
        b = x * 2
        row = b[1]
        row.mul_(x[0])
        (b * b).sum().backward()
        grads.append((to_np(b.detach()) if m is mg else b.detach().numpy(),
                      to_np(x.grad) if m is mg else x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)


# ----------------------------------------------------------------------------------------- hooks
def test_register_hook_on_leaf_and_non_leaf():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.register_hook(lambda g: g * 10)
    (y * x).sum().backward()
    # d/dx (3x * x) with the hook scaling dL/dy by 10: 10 * x * 3 + 3x
    np.testing.assert_allclose(to_np(x.grad), [33.0, 66.0])
    assert seen == [[33.0, 66.0]], "a leaf hook sees the total gradient once"
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert len(seen) == 1


def test_register_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require"):
        mg.ones(2).register_hook(lambda g: g)


# -------------------------------------------------------------------------------- torch parity
@requires_torch
def test_accumulation_and_retain_grad_match_torch():
    import torch
    x_np = np.random.standard_normal((3, 3))
    out = []
    for m, make in ((mg, mg_from_np), (torch, torch.tensor)):
        x = make(x_np, requires_grad=True)
        y = m.tanh(x @ x)
        y.retain_grad()
        (y.sum() * 2).backward(retain_graph=True)
        (y * y).sum().backward()
        out.append([np.asarray(t.detach().numpy()) for t in (x.grad, y.grad)])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def _inplace_view_chain(m, x):
    b = x * 2
    v = b[1:]          # view of b
    w = v[:, 0]        # view of a view
    w.mul_(x[0, 0])    # in-place on the innermost view
    return b * b


def _inplace_sibling_views(m, x):
    b = x + 0
    first, second = b[0], b[1]
    first.mul_(3)
    return second * first + b.sum()


def _inplace_base_after_view(m, x):
    b = x * 1
    row = b[1]
    b.mul_(x)          # `row` sees the new values and must get their gradient too
    return row * 2


def _inplace_transposed_view(m, x):
    b = x * 2
    t = b.t()
    t[0] = t[1] * 3    # setitem through a transposed view
    return b


def _inplace_reshaped_view(m, x):
    b = x - 1
    flat = b.view(-1)
    flat.add_(flat[0] * 2)
    return b.sum(0)


def _inplace_unbind_view(m, x):
    b = x * 1.5
    parts = b.unbind(1)
    parts[0].add_(parts[2])
    return b


def _inplace_buffer_filled_with_grad_values(m, x):
    buf = m.zeros(3, 4, dtype=x.dtype)
    row = buf[2]
    for i in range(3):
        buf[i] = x[i] * (i + 1)
    return row * buf.sum(0)


INPLACE_CASES = [_inplace_view_chain, _inplace_sibling_views, _inplace_base_after_view,
                 _inplace_transposed_view, _inplace_reshaped_view, _inplace_unbind_view,
                 _inplace_buffer_filled_with_grad_values]


@pytest.mark.parametrize("fn", INPLACE_CASES, ids=[f.__name__[1:] for f in INPLACE_CASES])
def test_inplace_on_views_gradcheck(fn):
    x = mg_from_np(np.random.uniform(0.5, 1.5, (3, 4)), requires_grad=True)
    assert gradcheck(lambda t: fn(mg, t), (x,), atol=1e-6, rtol=1e-5)


@requires_torch
@pytest.mark.parametrize("fn", INPLACE_CASES, ids=[f.__name__[1:] for f in INPLACE_CASES])
def test_inplace_on_views_match_torch(fn):
    import torch
    if fn is _inplace_unbind_view:
        pytest.skip("torch forbids in-place changes to outputs of unbind/split; minigrad allows them")
    x_np = np.random.uniform(0.5, 1.5, (3, 4))
    xm, xt = mg_from_np(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    om, ot = fn(mg, xm), fn(torch, xt)
    np.testing.assert_allclose(to_np(om), ot.detach().numpy(), rtol=1e-12)
    g = np.random.standard_normal(ot.shape)
    om.backward(mg_from_np(g))
    ot.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(xm.grad), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_view_created_in_no_grad_modified_with_grad_raises():
    x = mg.ones(2, 3, requires_grad=True)
    b = x * 2
    with mg.no_grad():
        v = b[0]
    with pytest.raises(RuntimeError, match="no_grad"):
        v.mul_(2)


def test_inplace_on_expanded_view_raises():
    x = mg.ones(3, requires_grad=True)
    e = (x * 1).expand(2, 3)
    with pytest.raises(RuntimeError, match="expand"):
        e.mul_(2)
    with pytest.raises(RuntimeError, match="expand"):
        mg.zeros(1, 3).expand(2, 3).add_(1)


@requires_torch
def test_inplace_on_view_taken_before_base_required_grad_matches_torch():
    import torch
    x_np = np.random.standard_normal(3)
    grads = []
    for m, make in ((mg, mg_from_np), (torch, torch.tensor)):
        x = make(x_np, requires_grad=True)
        buf = m.zeros(2, 3, dtype=x.dtype)
        row = buf[0]
        buf[0] = x * 2          # buf (and its view `row`) now depend on x
        assert row.requires_grad and row.grad_fn is not None  # (torch rebuilds grad_fn on access)
        row.mul_(x)
        buf.sum().backward()
        grads.append(np.asarray(x.grad.detach().numpy()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


# ------------------------------------------------------------------ audit regressions
@requires_torch
def test_autograd_grad_and_backward_inputs_match_torch():
    import torch
    x, y = mg.tensor([1.0, 3.0], requires_grad=True), mg.tensor(2.0, requires_grad=True)
    tx, ty = torch.tensor([1.0, 3.0], requires_grad=True), torch.tensor(2.0, requires_grad=True)
    gx, gy = mg.autograd.grad((x * x * y).sum(), (x, y))
    tgx, tgy = torch.autograd.grad((tx * tx * ty).sum(), (tx, ty))
    np.testing.assert_allclose(to_np(gx), tgx.numpy())
    assert gy.item() == tgy.item() and x.grad is None and y.grad is None
    (x * y).sum().backward(inputs=[x])
    (tx * ty).sum().backward(inputs=[tx])
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())
    assert y.grad is None and ty.grad is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        mg.autograd.grad((x * 2).sum(), [x, y])
    assert mg.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)[1] is None
