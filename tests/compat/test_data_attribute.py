"""Tensor.data as in PyTorch: a storage-sharing alias that does not require grad, and assignable."""
import numpy as np
import pytest

import minigrad as mg
from tests.conftest import requires_torch, torch


def test_data_is_a_tensor_sharing_storage_without_grad():
    p = mg.nn.Parameter(mg.ones(3))
    d = p.data
    assert type(d) is mg.Tensor and not d.requires_grad and d.is_leaf and d.grad_fn is None
    d[1] = 5.0
    assert p.tolist() == [1.0, 5.0, 1.0]
    assert np.shares_memory(d.array, p.array)


def test_classic_sgd_through_data_records_nothing_and_keeps_the_version():
    p = mg.nn.Parameter(mg.tensor([1.0, 2.0]))
    (p * p).sum().backward()
    version = p._version.value
    p.data.add_(p.grad.data, alpha=-0.5)
    assert p.tolist() == [0.0, 0.0] and p.grad_fn is None and p.is_leaf and p.requires_grad
    assert p._version.value == version


@requires_torch
def test_in_place_change_through_data_is_invisible_to_autograd_checks_as_in_pytorch():
    # PyTorch does not notice the change: backward runs and uses the new values
    p, tp = mg.nn.Parameter(mg.ones(3)), torch.nn.Parameter(torch.ones(3))
    y, ty = (p * p).sum(), (tp * tp).sum()
    p.data.mul_(2)
    tp.data.mul_(2)
    y.backward()
    ty.backward()
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy())
    # through the tensor itself the same change is caught
    q = mg.ones(3, requires_grad=True) * 1
    z = (q * q).sum()
    q.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_init_functions_work_on_data():
    lin = mg.nn.Linear(4, 3)
    mg.nn.init.uniform_(lin.weight.data, -0.08, 0.08)
    mg.nn.init.zeros_(lin.bias.data)
    w = lin.weight.detach().numpy()
    assert np.all(np.abs(w) <= 0.08) and np.ptp(w) > 0 and lin.bias.detach().tolist() == [0, 0, 0]
    assert lin.weight.requires_grad and lin.weight.grad_fn is None


def test_data_of_a_non_leaf_does_not_require_grad():
    x = mg.ones(3, requires_grad=True)
    y = x * 2
    d = y.data
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf and d.tolist() == [2, 2, 2]


@requires_torch
def test_assigning_data_swaps_the_storage_and_the_next_forward_backward_use_it():
    emb, temb = mg.nn.Embedding(3, 2), torch.nn.Embedding(3, 2)
    pretrained = np.arange(8, dtype=np.float32).reshape(4, 2)
    emb.weight.data = mg.tensor(pretrained)
    temb.weight.data = torch.tensor(pretrained)
    assert emb.weight.shape == (4, 2) and type(emb.weight) is mg.nn.Parameter
    assert emb.weight.requires_grad and emb.weight.is_leaf
    idx = [3, 0, 3]
    out, tout = emb(mg.tensor(idx)), temb(torch.tensor(idx))
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy(), temb.weight.grad.numpy())


def test_assigned_data_is_shared_with_the_source_tensor():
    t = mg.ones(3)
    p = mg.nn.Parameter(mg.zeros(3))
    p.data = t
    t.add_(1)
    assert p.tolist() == [2.0, 2.0, 2.0]
    w = mg.ones(3)
    w.data = mg.zeros(2, dtype=mg.float64)  # dtype and shape may change, as in PyTorch
    assert w.dtype == mg.float64 and w.shape == (2,)


def test_assigning_data_rejects_what_pytorch_rejects():
    p = mg.nn.Parameter(mg.ones(3))
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        p.data = 3
    with pytest.raises(RuntimeError, match="must be floating point"):
        p.data = mg.zeros(3, dtype=mg.int64)
    assert p.tolist() == [1.0, 1.0, 1.0]


def test_array_is_the_raw_backend_array():
    x = mg.zeros(2)
    assert type(x.array).__name__ == "ndarray" and np.shares_memory(x.array, x.data.array)
