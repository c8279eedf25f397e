"""Random generators of the backend: manual_seed also governs generators made later (a device
first used after the seed, as CUDA is in PyTorch), and float16 draws work on every device."""
import numpy as np

import minigrad as mg
from minigrad import backend as B


def test_generator_made_after_manual_seed_follows_the_seed(monkeypatch):
    monkeypatch.setattr(B, "_generators", {})
    mg.manual_seed(11)
    expected = mg.randn(5).numpy()
    B._generators.clear()                 # as for a device whose generator does not exist yet
    np.testing.assert_array_equal(mg.randn(5).numpy(), expected)


def test_float16_draws_on_the_default_device():
    for draw in (mg.randn, mg.rand):
        x = draw(4000, dtype=mg.float16)
        assert x.dtype == mg.float16 and x.device == B.default_device()
        values = x.numpy().astype(np.float64)
        assert np.all(np.isfinite(values)) and values.std() > 0.2
    u = mg.rand(4000, dtype=mg.float16).numpy()
    assert u.min() >= 0 and u.max() <= 1
