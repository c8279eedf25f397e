"""Helpers shared by the nn tests: copying weights from torch modules and comparing with them."""
import numpy as np

import minigrad as mg
from conftest import TOLERANCES, mg_from_np, to_np, torch

DTYPES = [np.float64, np.float32]
MG_DTYPE = {np.float64: mg.float64, np.float32: mg.float32}
TORCH_DTYPE = {np.float64: "float64", np.float32: "float32"}


def tdtype(dtype):
    """The torch dtype for a NumPy float dtype."""
    return getattr(torch, TORCH_DTYPE[dtype])


def copy_weights(tmod, mmod):
    """Load a torch module's state (as NumPy arrays) into the minigrad module of the same structure."""
    mmod.load_state_dict({k: v.detach().cpu().numpy() for k, v in tmod.state_dict().items()})


def pair(arr, requires_grad=True):
    """The same array as a minigrad tensor (default device) and a torch tensor."""
    m = mg_from_np(arr, requires_grad=requires_grad and arr.dtype.kind == "f")
    t = torch.tensor(arr, requires_grad=requires_grad and arr.dtype.kind == "f")
    return m, t


def assert_close(m, t, dtype):
    """minigrad tensor `m` equals torch tensor `t` within the dtype's tolerance."""
    np.testing.assert_allclose(to_np(m), t.detach().numpy(), **TOLERANCES[dtype])


def assert_grads_close(mmod, tmod, dtype):
    """Every parameter gradient of the minigrad module equals the torch one (None matches None or 0)."""
    tparams = dict(tmod.named_parameters())
    mparams = dict(mmod.named_parameters())
    assert set(tparams) == set(mparams)
    for name, tp in tparams.items():
        mp = mparams[name]
        if tp.grad is None:
            assert mp.grad is None or not np.any(to_np(mp.grad)), name
        else:
            np.testing.assert_allclose(to_np(mp.grad), tp.grad.numpy(), **TOLERANCES[dtype],
                                       err_msg=name)


def run_both(mmod, tmod, arrays, dtype, grad_seed=0):
    """Forward both modules on the same inputs, backward a random output gradient, compare everything."""
    mx, tx = zip(*(pair(a) for a in arrays))
    mo, to = mmod(*mx), tmod(*tx)
    assert mo.shape == tuple(to.shape)
    assert_close(mo, to, dtype)
    g = np.random.default_rng(grad_seed).standard_normal(tuple(to.shape)).astype(dtype)
    mo.backward(mg_from_np(g))
    to.backward(torch.tensor(g))
    for a, b in zip(mx, tx):
        if b.grad is not None:
            np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), **TOLERANCES[dtype])
    assert_grads_close(mmod, tmod, dtype)
    return mo, to
