"""Audit of minigrad.save / minigrad.load against torch.save / torch.load semantics."""
import io
import os
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend as B
from minigrad import nn, optim
from minigrad.serialization import CheckpointError

from conftest import requires_torch, torch


def values(t):
    return B.to_numpy(t.array)


def saved_bytes(obj):
    buf = io.BytesIO()
    mg.save(obj, buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64",
                                   "uint8", "bool"])
def test_every_dtype_round_trips_with_requires_grad(tmp_path, dtype):
    dt = getattr(mg, dtype)
    t = mg.tensor((np.arange(-3, 3) % 4).astype(dt.np), dtype=dt)
    if dtype.startswith("float"):
        t.requires_grad = True
    mg.save({"t": t}, tmp_path / "c.mg")
    out = mg.load(tmp_path / "c.mg")["t"]
    assert out.dtype == dt and out.shape == t.shape and out.requires_grad == t.requires_grad
    assert out.is_leaf and out.grad is None
    np.testing.assert_array_equal(values(out), values(t))


def test_views_round_trip_as_their_values(tmp_path):
    base = mg.arange(24, dtype=mg.float32).reshape(4, 6)
    views = {"slice": base[1:, ::2], "t": base.T, "expand": mg.ones(1, 3).expand(4, 3),
             "row": base[2], "base": base}
    mg.save(views, tmp_path / "c.mg")
    out = mg.load(tmp_path / "c.mg")
    for k, v in views.items():
        assert out[k].shape == v.shape
        np.testing.assert_array_equal(values(out[k]), values(v))
    out["slice"][0, 0] = 100.0  # loaded tensors are writable and independent of each other
    assert values(out["base"])[1, 0] == 6.0


def test_shared_tensor_is_loaded_once(tmp_path):
    t = mg.randn(3)
    mg.save({"a": t, "b": [t, (t,)]}, tmp_path / "c.mg")
    out = mg.load(tmp_path / "c.mg")
    assert out["b"][0] is out["a"] and out["b"][1][0] is out["a"]


@requires_torch
def test_container_types_and_scalars_match_torch(tmp_path):
    def build(m):
        return {"l": [1, 2.5, "s", None, True], "t": (1, (2, [3])), "o": OrderedDict(z=1, a=2),
                "n": {"deep": {"x": m.ones(2), "y": [m.zeros(1)]}}, 3: "int key", None: False}

    def shape(x):
        if isinstance(x, (mg.Tensor, torch.Tensor)):
            return ("tensor", x.tolist())
        if isinstance(x, dict):
            return (type(x).__name__, [(k, shape(v)) for k, v in x.items()])
        if isinstance(x, (list, tuple)):
            return (type(x).__name__, [shape(v) for v in x])
        return (type(x).__name__, x)

    mg.save(build(mg), tmp_path / "m.mg")
    torch.save(build(torch), tmp_path / "t.pt")
    assert shape(mg.load(tmp_path / "m.mg")) == shape(torch.load(tmp_path / "t.pt"))


@pytest.mark.parametrize("make_opt", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                                      lambda p: optim.Adam(p, lr=1e-2),
                                      lambda p: optim.RMSprop(p, lr=1e-2, centered=True)],
                         ids=["sgd", "adam", "rmsprop"])
def test_model_and_optimizer_state_round_trip_continue_identically(make_opt):
    x, y = mg.randn(16, 4), mg.randn(16, 2)

    def make():
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 2))
        return model, make_opt(model.parameters())

    def step(model, opt):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.item()

    model, opt = make()
    for _ in range(3):
        step(model, opt)
    buf = io.BytesIO()
    mg.save({"model": model.state_dict(), "opt": opt.state_dict()}, buf)
    expected = [step(model, opt) for _ in range(3)]
    buf.seek(0)
    ckpt = mg.load(buf)
    model2, opt2 = make()
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["opt"])
    assert [step(model2, opt2) for _ in range(3)] == expected


# ----------------------------------------------------------------------------------- bad targets
def test_save_into_missing_directory_names_it_and_leaves_nothing(tmp_path):
    target = tmp_path / "missing" / "c.mg"
    with pytest.raises(FileNotFoundError, match="missing' does not exist") as info:
        mg.save({"a": 1}, target)
    assert info.value.filename == str(target)
    assert os.listdir(tmp_path) == []


def test_save_onto_a_directory_names_it_and_leaves_nothing(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError) as info:
        mg.save({"a": 1}, tmp_path / "d")
    assert info.value.filename == str(tmp_path / "d")
    assert sorted(os.listdir(tmp_path)) == ["d"] and os.listdir(tmp_path / "d") == []


@pytest.mark.parametrize("obj, message", [
    ({"f": [1, lambda x: x]}, r"unsupported type 'function' at obj\['f'\]\[1\]"),
    ({"m": {"k": type("Custom", (), {})()}}, r"unsupported type 'Custom' at obj\['m'\]\['k'\]"),
    ({"g": (i for i in [])}, r"unsupported type 'generator' at obj\['g'\]"),
])
def test_unsupported_objects_keep_the_old_checkpoint(tmp_path, obj, message):
    path = tmp_path / "c.mg"
    mg.save({"ok": mg.ones(2)}, path)
    with pytest.raises(TypeError, match=message):
        mg.save(obj, path)
    assert os.listdir(tmp_path) == ["c.mg"]
    np.testing.assert_array_equal(values(mg.load(path)["ok"]), [1.0, 1.0])


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.mg"):
        mg.load(tmp_path / "nope.mg")


# ------------------------------------------------------------------------------ damaged archives
GOOD = None


def good_bytes():
    global GOOD
    if GOOD is None:
        GOOD = saved_bytes({"w": mg.arange(40, dtype=mg.float32), "n": [1, "x", None],
                            "a": np.ones((2, 3)), "s": np.int8(3)})
    return GOOD


def test_every_truncation_is_a_checkpoint_error():
    good = good_bytes()
    for cut in range(0, len(good), 7):
        with pytest.raises(CheckpointError, match="not a valid minigrad checkpoint"):
            mg.load(io.BytesIO(good[:cut]))


def test_every_byte_flip_loads_the_same_or_raises_checkpoint_error(tmp_path):
    """Flipped zip flag, method and version fields made zipfile raise RuntimeError /
    NotImplementedError ("encrypted", "compression method not supported") from deep inside."""
    good = good_bytes()
    ref = mg.load(io.BytesIO(good))
    for pos in range(len(good)):
        for mask in (0x01, 0xFF):
            data = bytearray(good)
            data[pos] ^= mask
            try:
                out = mg.load(io.BytesIO(bytes(data)))
            except CheckpointError:
                continue
            np.testing.assert_array_equal(values(out["w"]), values(ref["w"]))
            assert out["n"] == ref["n"] and out["s"] == ref["s"]
            np.testing.assert_array_equal(out["a"], ref["a"])


def test_encrypted_flag_names_the_file(tmp_path):
    good = bytearray(good_bytes())
    central = good.rfind(b"PK\x01\x02")  # the last central directory header: set "encrypted"
    good[central + 8] |= 0x01
    path = tmp_path / "enc.mg"
    path.write_bytes(bytes(good))
    with pytest.raises(CheckpointError, match="enc.mg"):
        mg.load(path)


def test_very_long_keys_fit_in_zip_entry_names(tmp_path):
    """A key path is part of the entry name, and zip names are limited to 65535 bytes."""
    obj = {"k" * 70000: mg.ones(1), "k" * 70001: mg.zeros(1), ("é" * 40000): np.arange(2)}
    mg.save(obj, tmp_path / "c.mg")
    out = mg.load(tmp_path / "c.mg")
    assert [len(k) for k in out] == [70000, 70001, 40000]
    assert out["k" * 70001].tolist() == [0.0] and out["é" * 40000].tolist() == [0, 1]
