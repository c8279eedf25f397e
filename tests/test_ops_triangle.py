"""tril / triu (used for causal masks, e.g. by PyTorch's word_language_model): parity, gradcheck,
integer inputs and bad input."""
import numpy as np
import pytest

import minigrad as mg
from conftest import gradcheck_case, requires_torch, torch_parity_case

CASES = [(name, shape, k) for name in ("tril", "triu") for shape, k in
         [((3, 4), 0), ((4, 3), -1), ((2, 3, 5), 2), ((3, 3), -5)]]


def _fn(name, k):
    return lambda m, a: getattr(m, name)(a, k)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,shape,k", CASES)
def test_matches_torch(name, shape, k, dtype):
    torch_parity_case(_fn(name, k), [shape], dtype)


@pytest.mark.parametrize("name,shape,k", CASES[:3])
def test_gradcheck(name, shape, k):
    gradcheck_case(_fn(name, k), [shape])


def test_integer_input_method_and_bad_input():
    i = mg.tensor([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(mg.tril(i).numpy(), np.tril(i.numpy()))
    np.testing.assert_array_equal(i.triu(1).numpy(), np.triu(i.numpy(), 1))
    assert mg.tril(i).dtype == mg.int64
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mg.tril(mg.ones(3))
