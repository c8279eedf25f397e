"""Shared test fixtures: the backend under test, torch (when installed) and tolerances."""
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
