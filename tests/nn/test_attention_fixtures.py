"""Attention and Transformer parity against stored PyTorch references (tests/fixtures/
attention_reference.npz), so these checks run where torch is not installed; the live parity tests
are in test_attention.py and test_transformer.py."""
import os
import sys

import numpy as np
import pytest

import minigrad as mg

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
import make_attention_fixtures as FX  # noqa: E402

STORED = np.load(FX.FIXTURE_PATH) if os.path.exists(FX.FIXTURE_PATH) else None


@pytest.mark.parametrize("name", FX.CASES)
def test_matches_stored_pytorch_reference(name):
    if STORED is None:
        pytest.skip("tests/fixtures/attention_reference.npz is missing: run make_attention_fixtures.py")
    ref = {k.split("/", 1)[1]: STORED[k] for k in STORED.files if k.startswith(name + "/")}
    assert ref, f"no stored reference for {name}"
    state = {k[len("state."):]: v for k, v in ref.items() if k.startswith("state.")}
    got = FX.run_case(mg, name, state or None)
    assert set(got) == set(ref)
    for key, want in ref.items():
        np.testing.assert_allclose(got[key], want, rtol=1e-9, atol=1e-11, err_msg=f"{name}: {key}")
