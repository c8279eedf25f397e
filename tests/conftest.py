"""Shared test fixtures: the backend under test, torch (when installed) and tolerances."""
import importlib.util
import os

import numpy as np
import pytest

import minigrad as mg

try:  # torch is only a test oracle; parity tests skip when it is missing
    import torch
except ImportError:  # pragma: no cover
    torch = None

DATA_DIR = os.environ.get("MINIGRAD_DATA") or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data")

requires_torch = pytest.mark.skipif(torch is None, reason="torch is not installed (parity oracle)")


@pytest.fixture(autouse=True)
def _seed():
    mg.manual_seed(0)
    np.random.seed(0)
    yield


def to_np(t):
    """A minigrad tensor (or array) as a float64 NumPy array."""
    if isinstance(t, mg.Tensor):
        return np.asarray(t.detach().numpy())
    return np.asarray(t)


def mg_from_np(arr, requires_grad=False):
    """A minigrad tensor on the default backend from a NumPy array (dtype kept)."""
    return mg.tensor(arr, requires_grad=requires_grad, device=mg.backend.default_device())


# ------------------------------------------------------------------------------ op-case helpers
# An op case is (id, fn, specs): fn(m, *tensors) runs the op with `m` being either the minigrad
# module or torch (their APIs match), and each spec describes one differentiable input.
class Pos(tuple):
    """Input spec: a shape whose values are drawn from U(0.5, 2) (for log, sqrt, pow bases)."""


class Away(tuple):
    """Input spec: a shape whose values are normal but at least 0.1 away from 0 (kinks at 0)."""


def make_array(spec, dtype=np.float64):
    """A random NumPy array for one input spec."""
    shape = tuple(spec)
    if isinstance(spec, Pos):
        arr = np.random.uniform(0.5, 2.0, size=shape)
    elif isinstance(spec, Away):
        arr = np.random.standard_normal(shape)
        arr = arr + 0.1 * np.where(arr >= 0, 1.0, -1.0)
    else:
        arr = np.random.standard_normal(shape)
    return np.asarray(arr, dtype=dtype)


def F(m):
    """The functional namespace: torch.nn.functional for torch, minigrad itself otherwise."""
    return torch.nn.functional if (torch is not None and m is torch) else m


def as_tuple(x):
    """Op outputs as a tuple (single tensors become a 1-tuple)."""
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def gradcheck_case(fn, specs, eps=1e-6, atol=1e-6, rtol=1e-5):
    """Run minigrad.autograd.gradcheck (float64) on fn(minigrad, *inputs) with random inputs."""
    xs = [mg_from_np(make_array(s), requires_grad=True) for s in specs]
    assert mg.autograd.gradcheck(lambda *t: fn(mg, *t), xs, eps=eps, atol=atol, rtol=rtol)


TOLERANCES = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-5)}


def torch_parity_case(fn, specs, dtype):
    """Forward values and gradients of fn(minigrad, ...) equal those of fn(torch, ...)."""
    tol = TOLERANCES[dtype]
    arrays = [make_array(s, dtype) for s in specs]
    mx = [mg_from_np(a, requires_grad=True) for a in arrays]
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    mo, to = as_tuple(fn(mg, *mx)), as_tuple(fn(torch, *tx))
    assert len(mo) == len(to)
    m_roots, m_grads, t_roots, t_grads = [], [], [], []
    for a, b in zip(mo, to):
        assert a.shape == tuple(b.shape)
        assert a.dtype.name == str(b.dtype).replace("torch.", "")
        assert a.requires_grad == b.requires_grad
        np.testing.assert_allclose(to_np(a), b.detach().numpy(), **tol)
        if b.requires_grad:
            g = make_array(tuple(b.shape), b.detach().numpy().dtype)
            m_roots.append(a)
            m_grads.append(mg_from_np(g))
            t_roots.append(b)
            t_grads.append(torch.tensor(g))
    assert m_roots, "the case has no differentiable output"
    mg.autograd.backward(m_roots, m_grads)
    torch.autograd.backward(t_roots, t_grads)
    for a, b in zip(mx, tx):
        if b.grad is None:
            assert a.grad is None or not np.any(to_np(a.grad))
        else:
            assert a.grad is not None
            assert a.grad.shape == a.shape and a.grad.dtype == a.dtype
            np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), **tol)


def load_example_model(example):
    """examples/<example>/model.py as a module of its own name, so the two examples' model.py files
    cannot shadow each other in one test run."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "examples", example, "model.py")
    spec = importlib.util.spec_from_file_location(f"{example}_example_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_terminal_summary(terminalreporter):
    """Without torch most parity tests skip; say so in one line, with the command that fixes it."""
    if torch is not None:
        return
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if isinstance(r.longrepr, tuple) and "torch is not installed" in str(r.longrepr[-1])]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} tests skipped because torch, the parity oracle, is not installed; "
            "install it with: python -m pip install torch")
