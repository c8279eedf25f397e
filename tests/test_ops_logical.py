"""Bitwise and logical functions (torch.bitwise_* / torch.logical_*, as functions and methods) and
PyTorch's node names for squeeze, unsqueeze, tril and triu."""
import numpy as np
import pytest

import minigrad as mg
from conftest import requires_torch, torch

INTS = [np.array([[5, 0, 3], [1, 2, 7]]), np.array([6, 1, 3]), np.array(3)]
OPERANDS = [(np.array([[5, 0, 3], [1, 2, 7]]), np.array([6, 1, 3])),
            (np.array([True, False, True]), np.array([3, 2, 1])),
            (np.array([5, 1], dtype=np.uint8), 3),
            (np.array([5, 9], dtype=np.int32), np.array([1, 2]))]


def _mg(x):
    return mg.tensor(x) if isinstance(x, np.ndarray) else x


def _torch(x):
    return torch.tensor(x) if isinstance(x, np.ndarray) else x


def _same(got, want):
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@requires_torch
@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@pytest.mark.parametrize("a,b", OPERANDS)
def test_bitwise_matches_torch(name, a, b):
    want = getattr(torch, name)(_torch(a), _torch(b))
    _same(getattr(mg, name)(_mg(a), _mg(b)), want)
    _same(getattr(mg.tensor(a), name)(_mg(b)), want)


@requires_torch
@pytest.mark.parametrize("a", INTS + [np.array([True, False])])
def test_bitwise_not_matches_torch(a):
    _same(mg.bitwise_not(mg.tensor(a)), torch.bitwise_not(torch.tensor(a)))
    _same(mg.tensor(a).bitwise_not(), torch.tensor(a).bitwise_not())


@requires_torch
@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("a,b", [(np.array([1, 0, 2, 0]), np.array([3.0, 1.0, 0.0, 0.0])),
                                 (np.array([[0.5], [0.0]]), np.array([True, False]))])
def test_logical_matches_torch(name, a, b):
    want = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    _same(getattr(mg, name)(mg.tensor(a), mg.tensor(b)), want)
    _same(getattr(mg.tensor(a), name)(mg.tensor(b)), want)
    _same(mg.logical_not(mg.tensor(a)), torch.logical_not(torch.tensor(a)))


def test_bad_operands_say_what_is_wrong():
    with pytest.raises(NotImplementedError, match="bitwise_and.*float32"):
        mg.tensor([1.0]) & mg.tensor([1.0])
    with pytest.raises(NotImplementedError, match="bitwise_or"):
        mg.tensor([1]) | 1.5
    with pytest.raises(RuntimeError, match=r"bitwise_xor: the shapes \(2,\) and \(3,\)"):
        mg.tensor([1, 2]) ^ mg.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="logical_and.*must be Tensor, not int"):
        mg.logical_and(mg.tensor([1]), 1)
    with pytest.raises(RuntimeError, match="logical_or: the shapes"):
        mg.logical_or(mg.tensor([1, 2]), mg.tensor([1, 2, 3]))


@requires_torch
@pytest.mark.parametrize("op", [lambda x: x.unsqueeze(0), lambda x: x.squeeze(), lambda x: x.squeeze(1),
                                lambda x: x.squeeze((0, 1)), lambda x: x[0].tril(),
                                lambda x: x[0].triu(1), lambda x: x.view(3, 2)])
def test_node_names_match_torch(op):
    a = np.ones((2, 1, 3))
    m, t = mg.tensor(a, requires_grad=True) * 1, torch.tensor(a, requires_grad=True) * 1
    assert op(m).grad_fn.name() == op(t).grad_fn.name()


def test_squeeze_is_a_new_view_even_when_nothing_is_squeezed():
    x = mg.ones(2, 3, requires_grad=True)
    y = x.squeeze()
    assert y is not x and y.grad_fn is not None
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
