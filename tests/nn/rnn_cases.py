"""Shared helpers of the recurrent tests: the case grid and PyTorch references (live torch when
installed, else the stored fixtures of tests/fixtures/rnn_reference.npz)."""
import importlib.util
import os

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from conftest import torch

_path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "make_rnn_fixtures.py")
_spec = importlib.util.spec_from_file_location("make_rnn_fixtures", _path)
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

TOL = {np.float64: dict(rtol=1e-9, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-5)}
_FIXTURES = None


def fixtures():
    """The stored references ({'<case id>/<name>': array})."""
    global _FIXTURES
    if _FIXTURES is None:
        _FIXTURES = fx.load_fixtures()
    return _FIXTURES


def stored(prefix):
    """The stored reference arrays of one case, or None when the case was not stored."""
    found = {k.split("/", 1)[1]: v for k, v in fixtures().items() if k.split("/", 1)[0] == prefix}
    return found or None


def layer_reference(case, dtype):
    """PyTorch's results for a layer case: live torch, else the fixtures (skip when neither)."""
    if torch is not None:
        return fx.torch_layer_reference(case, dtype)
    ref = stored(fx.case_id(case))
    if ref is None:
        pytest.skip("torch is not installed and this case is not in the stored fixtures")
    return ref


def cell_reference(case, dtype):
    """PyTorch's results for a cell case: live torch, else the fixtures."""
    if torch is not None:
        return fx.torch_cell_reference(case, dtype)
    ref = stored("cell-" + fx.cell_case_id(case))
    if ref is None:
        pytest.skip("torch is not installed and this case is not in the stored fixtures")
    return ref


def minigrad_layer(case, dtype, fused=True):
    """minigrad's results for a layer case (fused layers, or the cell path when fused=False)."""
    inputs = fx.layer_inputs(case)
    mode, layers, bi, bf, bias, _, _ = case
    module = _make_layer(mode, layers, bi, bf, bias)
    module = module.double() if dtype == np.float64 else module.float()
    module.load_state_dict({k: v.astype(dtype) for k, v in inputs["params"].items()})
    module.fused = fused
    return fx.run_layer(nn, mg, case, inputs, dtype, module=module)


def _make_layer(mode, layers, bi, bf, bias):
    if mode.startswith("RNN"):
        return nn.RNN(fx.I, fx.H, layers, "relu" if mode == "RNN_RELU" else "tanh", bias, bf,
                      bidirectional=bi)
    return getattr(nn, mode)(fx.I, fx.H, layers, bias, bf, bidirectional=bi)


def minigrad_cell(case, dtype):
    """minigrad's results for a cell case."""
    return fx.run_cell(nn, mg, case, fx.cell_inputs(case), dtype)


def assert_same(got, ref, dtype, what=""):
    """Every reference array is matched by the minigrad result (names, shapes, values)."""
    for k, v in ref.items():
        if v is None:
            assert got.get(k) is None or not np.any(got[k]), f"{what}{k}: expected no gradient"
            continue
        assert got.get(k) is not None, f"{what}{k}: missing"
        assert got[k].shape == v.shape, f"{what}{k}: shape {got[k].shape} != {v.shape}"
        np.testing.assert_allclose(got[k], v, **TOL[dtype], err_msg=f"{what}{k}")
    extra = [k for k, v in got.items() if v is not None and k not in ref]
    assert not extra, f"{what}unexpected results {extra}"


@pytest.fixture(autouse=True)
def torch_one_thread():
    """Run torch on one thread in these tests: the problems are tiny and threads only contend."""
    if torch is None:
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
