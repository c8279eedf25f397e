"""Weight interchange: safetensors files written by PyTorch load into minigrad and back; a plain .npz
of named arrays loads with minigrad.load."""
import importlib.util
import io
import os

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from conftest import requires_torch, torch

st_numpy = pytest.importorskip("safetensors.numpy", reason='safetensors is not installed '
                               '(pip install -e ".[safetensors]")')

_path = os.path.join(os.path.dirname(__file__), "fixtures", "make_safetensors_fixture.py")
_spec = importlib.util.spec_from_file_location("make_safetensors_fixture", _path)
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


def minigrad_logits(model, src, tgt):
    model.eval()
    with mg.no_grad():
        return model(mg.tensor(src), mg.tensor(tgt)).numpy()


# ---------------------------------------------------------------------------- round trips, errors
def test_round_trip_keeps_names_dtypes_values(tmp_path):
    sd = {"w": mg.randn(3, 4, dtype=mg.float64), "b": mg.arange(5, dtype=mg.int64),
          "flag": mg.tensor([True, False]), "half": mg.randn(2, dtype=mg.float16),
          "arr": np.arange(6, dtype=np.int32).reshape(2, 3), "scalar": mg.tensor(2.5)}
    path = tmp_path / "x.safetensors"
    mg.save_safetensors(sd, path, metadata={"format": "pt"})
    # the real reader sees the same tensors and the metadata
    raw = st_numpy.load_file(str(path))
    from safetensors import safe_open
    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata() == {"format": "pt"}
    back = mg.load_safetensors(path)
    assert set(back) == set(sd) == set(raw)
    for name, value in sd.items():
        expected = value.numpy() if isinstance(value, mg.Tensor) else value
        assert isinstance(back[name], mg.Tensor)
        assert back[name].numpy().dtype == expected.dtype == raw[name].dtype
        assert back[name].shape == expected.shape
        np.testing.assert_array_equal(back[name].numpy(), expected)
        np.testing.assert_array_equal(raw[name], expected)
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))


def test_file_objects_and_non_contiguous_values():
    x = mg.arange(12, dtype=mg.float32).reshape(3, 4).T  # a transposed view
    buf = io.BytesIO()
    mg.save_safetensors({"x": x}, buf)
    buf.seek(0)
    back = mg.load_safetensors(buf)
    np.testing.assert_array_equal(back["x"].numpy(), x.numpy())


def test_module_state_dict_round_trip(tmp_path):
    a, b = nn.LSTM(3, 4, num_layers=2, bidirectional=True), nn.LSTM(3, 4, num_layers=2,
                                                                    bidirectional=True)
    mg.save_safetensors(a.state_dict(), tmp_path / "lstm.safetensors")
    b.load_state_dict(mg.load_safetensors(tmp_path / "lstm.safetensors"))
    for (n1, p1), (n2, p2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(p1.numpy(), p2.numpy())


@pytest.mark.parametrize("value, error, message", [
    ({1: mg.ones(2)}, TypeError, "names must be str"),
    ({"a": [1.0, 2.0]}, TypeError, "expected a Tensor or an array"),
    ({"a": np.array(["x"])}, TypeError, "cannot store"),
    ([mg.ones(2)], TypeError, "expected a dict"),
])
def test_save_rejects_bad_input(tmp_path, value, error, message):
    with pytest.raises(error, match=message):
        mg.save_safetensors(value, tmp_path / "bad.safetensors")
    assert os.listdir(tmp_path) == []


def test_save_rejects_non_str_metadata(tmp_path):
    with pytest.raises(TypeError, match="metadata"):
        mg.save_safetensors({"a": mg.ones(1)}, tmp_path / "m.safetensors", metadata={"epoch": 3})


def test_load_rejects_garbage_and_missing_files(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}")
    with pytest.raises(ValueError, match="not a valid safetensors file") as info:
        mg.load_safetensors(bad)
    assert str(bad) in str(info.value)
    with pytest.raises(FileNotFoundError):
        mg.load_safetensors(tmp_path / "missing.safetensors")


@requires_torch
def test_bfloat16_from_torch_is_refused_with_advice(tmp_path):
    from safetensors.torch import save_file
    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(tmp_path / "bf16.safetensors"))
    with pytest.raises(TypeError, match="convert it to float32"):
        mg.load_safetensors(tmp_path / "bf16.safetensors")


# ------------------------------------------------------------------------------ PyTorch <-> minigrad
def test_torch_trained_fixture_loads_into_minigrad():
    """Runs without torch: the fixture file was written by safetensors.torch from a trained model."""
    model = fx.make_seq2seq(mg)()
    model.load_state_dict(mg.load_safetensors(fx.WEIGHTS_PATH))
    with np.load(fx.IO_PATH) as npz:
        ref = dict(npz)
    logits = minigrad_logits(model, ref["src"], ref["tgt"])
    np.testing.assert_allclose(logits, ref["logits"], rtol=1e-5, atol=1e-5)
    # trained, not freshly initialised: a new model disagrees
    fresh = minigrad_logits(fx.make_seq2seq(mg)(), ref["src"], ref["tgt"])
    assert np.abs(fresh - ref["logits"]).max() > 1e-2


@requires_torch
def test_live_torch_to_minigrad(tmp_path):
    from safetensors.torch import save_file
    tmodel = fx.train_torch_model(torch, steps=5)
    path = str(tmp_path / "seq2seq.safetensors")
    save_file(tmodel.state_dict(), path)                       # PyTorch side, one line
    model = fx.make_seq2seq(mg)()
    model.load_state_dict(mg.load_safetensors(path))           # minigrad side, one line
    src, tgt = fx.example_batch(np)
    with torch.no_grad():
        expected = tmodel(torch.tensor(src), torch.tensor(tgt)).numpy()
    np.testing.assert_allclose(minigrad_logits(model, src, tgt), expected, rtol=1e-5, atol=1e-5)


@requires_torch
def test_live_minigrad_to_torch(tmp_path):
    from safetensors.torch import load_file
    model = fx.make_seq2seq(mg)()
    opt = mg.optim.Adam(model.parameters(), lr=0.02)
    src, tgt = fx.example_batch(np)
    for _ in range(3):  # move the weights away from their initial values
        logits = model(mg.tensor(src), mg.tensor(tgt))
        loss = nn.functional.cross_entropy(logits.reshape(-1, fx.VOCAB), mg.tensor(tgt).reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    path = str(tmp_path / "seq2seq.safetensors")
    mg.save_safetensors(model.state_dict(), path)              # minigrad side, one line
    tmodel = fx.make_seq2seq(torch)()
    tmodel.load_state_dict(load_file(path))                    # PyTorch side, one line
    with torch.no_grad():
        expected = tmodel.eval()(torch.tensor(src), torch.tensor(tgt)).numpy()
    np.testing.assert_allclose(minigrad_logits(model, src, tgt), expected, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------- plain .npz
def test_load_reads_a_plain_npz_of_named_arrays(tmp_path):
    lin = nn.Linear(3, 2)
    path = tmp_path / "weights.npz"
    np.savez(path, **{k: v.numpy() for k, v in lin.state_dict().items()}, steps=np.int64(7))
    loaded = mg.load(path)
    assert list(loaded) == ["weight", "bias", "steps"]
    assert all(isinstance(v, mg.Tensor) for v in loaded.values())
    assert loaded["steps"].item() == 7
    other = nn.Linear(3, 2)
    other.load_state_dict({k: loaded[k] for k in ("weight", "bias")})
    np.testing.assert_array_equal(other.weight.detach().numpy(), lin.weight.detach().numpy())


def test_load_refuses_pickled_arrays_in_an_npz(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, names=np.array(["a", None], dtype=object))
    with pytest.raises(ValueError, match="not a valid minigrad checkpoint"):
        mg.load(path)
