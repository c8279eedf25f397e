"""minigrad.save / minigrad.load: round trips, NumPy readability, atomic saves and clear errors."""
import io
import json
import math
import os
import pathlib
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend as B
from minigrad import serialization

DEV = B.default_device()
_EXECUTED = []


def _pwn():
    _EXECUTED.append("pickled code ran")


class _Payload:
    def __reduce__(self):
        return (_pwn, ())


def assert_same(a, b):
    """Recursively equal, with identical types, dtypes, shapes, devices and key order."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, mg.Tensor):
        assert (a.dtype, a.shape, a.device, a.requires_grad) == (b.dtype, b.shape, b.device,
                                                                 b.requires_grad)
        np.testing.assert_array_equal(B.to_numpy(a.array), B.to_numpy(b.array))
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert [(k, type(k)) for k in a] == [(k, type(k)) for k in b]
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def round_trip(obj, tmp_path, **kw):
    path = tmp_path / "ckpt.mg"
    mg.save(obj, path)
    return mg.load(path, **kw)


def rewrite_structure(path, edit):
    """Rewrite a checkpoint with edit(structure) applied to its structure.json."""
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    structure = json.loads(entries["structure.json"])
    edit(structure)
    entries["structure.json"] = json.dumps(structure).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)


# ------------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("dtype", [mg.float32, mg.float64, mg.float16, mg.int64, mg.int32,
                                   mg.uint8, mg.bool])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 4), (2, 3)])
def test_tensor_round_trip(tmp_path, dtype, shape):
    arr = np.asarray(np.abs(np.random.randn(*shape)) * 5).astype(dtype.np)
    t = mg.tensor(arr, dtype=dtype)
    out = round_trip(t, tmp_path)
    assert_same(t, out)
    assert out.device == DEV


def test_special_float_values_are_bit_exact(tmp_path):
    vals = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, np.finfo(np.float32).max], np.float32)
    out = round_trip({"t": mg.tensor(vals), "f": [float("nan"), float("inf"), -0.0, 1e300]}, tmp_path)
    assert B.to_numpy(out["t"].array).tobytes() == vals.tobytes()
    assert math.isnan(out["f"][0]) and out["f"][1:] == [float("inf"), -0.0, 1e300]
    assert math.copysign(1, out["f"][2]) == -1


def test_nested_structure_round_trip(tmp_path):
    obj = {
        "model": OrderedDict([("fc2.weight", mg.randn(3, 2)), ("fc1.bias", mg.zeros(2)),
                              ("bn.num_batches_tracked", mg.tensor(7))]),
        "optimizer": {"state": {0: {"step": 3, "exp_avg": mg.ones(3, 2, dtype=mg.float64)},
                                10: {}, 2: {"momentum_buffer": None}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 10, 2],
                                        "amsgrad": False, "name": "default"}]},
        "mixed_keys": {1: "int", "1": "str", None: "none", 2.5: "float", False: "bool"},
        "empty": [[], (), {}, OrderedDict(), ""],
        "scalars": (0, -1, 2 ** 70, 3.25, True, None, "héllo ✓\n\"quoted\""),
        "numpy": {"arr": np.arange(6, dtype=np.int16).reshape(2, 3), "f": np.float32(2.5),
                  "i": np.int64(-4), "b": np.bool_(True), "strs": np.array(["a", "bc"])},
        "meta": {"dtype": mg.float64, "device": mg.device("cpu")},
    }
    out = round_trip(obj, tmp_path)
    assert_same(obj, out)
    assert out["model"]["fc2.weight"].device == DEV


def test_dict_key_order_is_kept(tmp_path):
    obj = {k: i for i, k in enumerate(["z", "a", "m", 3, 1, 2])}
    assert list(round_trip(obj, tmp_path)) == ["z", "a", "m", 3, 1, 2]


def test_requires_grad_parameters_and_sharing_are_kept(tmp_path):
    from minigrad.nn import Parameter
    w = Parameter(mg.randn(2, 2))
    x = mg.randn(3, requires_grad=True)
    out = round_trip({"w": w, "x": x, "again": [x, w], "y": x * 2}, tmp_path)
    assert type(out["w"]) is Parameter and out["w"].requires_grad
    assert out["x"].requires_grad and out["y"].requires_grad and out["y"].is_leaf  # as in PyTorch
    assert out["again"][0] is out["x"] and out["again"][1] is out["w"]
    np.testing.assert_array_equal(B.to_numpy(out["w"].array), B.to_numpy(w.array))


def test_non_contiguous_tensor(tmp_path):
    t = mg.arange(12).reshape(3, 4).T
    assert_same(t, round_trip(t, tmp_path))


def test_file_objects_and_path_types(tmp_path):
    obj = {"a": mg.tensor([1.0, 2.0]), "b": [1, "x"]}
    buf = io.BytesIO()
    mg.save(obj, buf)
    buf.seek(0)
    assert_same(obj, mg.load(buf))
    mg.save(obj, str(tmp_path / "s.mg"))
    assert_same(obj, mg.load(pathlib.Path(tmp_path / "s.mg")))
    with open(tmp_path / "s.mg", "rb") as f:
        assert_same(obj, mg.load(f))


def test_readable_with_plain_numpy(tmp_path):
    path = tmp_path / "ckpt.npz"
    w = mg.tensor([[1.0, 2.0]], dtype=mg.float64)
    mg.save({"model": OrderedDict([("fc.weight", w)]), "opt": {"state": {0: {"m": mg.ones(2)}}},
             "x/y": np.arange(3)}, path)
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == {"structure.json", "model/fc.weight", "opt/state/0/m", "x_y"}
        np.testing.assert_array_equal(npz["model/fc.weight"], B.to_numpy(w.array))
        assert npz["model/fc.weight"].dtype == np.float64
        np.testing.assert_array_equal(npz["x_y"], np.arange(3))
        structure = json.loads(npz["structure.json"])
    assert structure["format"] == "minigrad.checkpoint" and structure["version"] == 1


# -------------------------------------------------------------------------------- map_location
def test_map_location_cpu_and_callable(tmp_path):
    path = tmp_path / "ckpt.mg"
    mg.save({"w": mg.randn(2, 3)}, path)
    assert mg.load(path, map_location="cpu")["w"].device == "cpu"
    assert mg.load(path, map_location=mg.device("cpu"))["w"].device == "cpu"
    assert mg.load(path, map_location={str(DEV): "cpu"})["w"].device == "cpu"
    seen = []
    out = mg.load(path, map_location=lambda t, loc: seen.append(loc) or t)
    assert seen == [str(DEV)] and out["w"].device == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        mg.load(path, map_location="tpu")


def test_saved_on_unavailable_cuda_loads_on_default_device(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mg"
    mg.save({"w": mg.tensor([1.0, 2.0])}, path)
    rewrite_structure(path, lambda s: s["root"]["items"][0][1].update(device="cuda"))
    monkeypatch.setattr(B, "cuda_available", lambda: False)
    out = mg.load(path)
    assert out["w"].device == DEV
    np.testing.assert_array_equal(B.to_numpy(out["w"].array), [1.0, 2.0])


@pytest.mark.skipif(not B.cuda_available(), reason="needs CuPy and a CUDA device")
def test_gpu_checkpoint_loads_on_cpu(tmp_path):
    path = tmp_path / "ckpt.mg"
    t = mg.randn(4, 5, device="cuda")
    mg.save({"w": t}, path)
    assert mg.load(path)["w"].device == "cuda"
    cpu = mg.load(path, map_location="cpu")["w"]
    assert cpu.device == "cpu" and isinstance(cpu.array, np.ndarray)
    np.testing.assert_array_equal(cpu.array, B.to_numpy(t.array))
    back = mg.load(path, map_location="cuda")["w"]
    assert back.device == "cuda"


# ---------------------------------------------------------------------------------- atomic saves
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_interrupted_save_keeps_old_checkpoint(tmp_path, monkeypatch, exc):
    path = tmp_path / "ckpt.mg"
    old = {"w": mg.tensor([1.0, 2.0, 3.0]), "step": 1}
    mg.save(old, path)
    real_write = np.lib.format.write_array
    calls = []

    def failing_write(fp, arr, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second array: write half of it, then "crash"
            fp.write(arr.tobytes()[: arr.nbytes // 2])
            raise exc("simulated crash during save")
        return real_write(fp, arr, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(exc, match="simulated crash"):
        mg.save({"w": mg.zeros(1000), "v": mg.ones(1000), "step": 2}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.mg"]
    assert_same(old, mg.load(path))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_save_keeps_permissions_of_replaced_file(tmp_path):
    path = tmp_path / "ckpt.mg"
    mg.save({"a": 1}, path)
    os.chmod(path, 0o600)
    mg.save({"a": 2}, path)
    assert os.stat(path).st_mode & 0o777 == 0o600 and mg.load(path) == {"a": 2}


def test_objects_outside_the_plain_format_are_pickled_and_loaded_only_on_request(tmp_path):
    # as torch.save: anything picklable saves; load is weights-only unless the caller opts out
    path = tmp_path / "ckpt.mg"
    mg.save({"w": mg.ones(2), "opt": {"x": {1, 2}}, "s": {(1, 2): 3}}, path)
    out = mg.load(path)  # sets and tuple keys are on the weights-only allowlist
    assert out["opt"]["x"] == {1, 2} and out["s"] == {(1, 2): 3} and out["w"].tolist() == [1, 1]
    mg.save({"a": [0, (object(),)]}, path)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL builtins.object"):
        mg.load(path)
    assert type(mg.load(path, weights_only=False)["a"][1][0]) is object
    mg.save([np.array([{}], dtype=object)], path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        mg.load(path)
    with pytest.raises(TypeError, match=r"unsupported type 'function' at obj\['f'\].*cannot be pickled"):
        mg.save({"f": lambda x: x}, path)
    cyclic = [1]
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="circular"):
        mg.save(cyclic, path)
    assert os.listdir(tmp_path) == ["ckpt.mg"]


# ---------------------------------------------------------------------------- bad / unsafe files
def _checkpoint_bytes(tmp_path):
    path = tmp_path / "good.mg"
    mg.save({"w": mg.arange(4000, dtype=mg.float32), "n": 3}, path)
    return path.read_bytes()


@pytest.mark.parametrize("case, message", [
    ("truncated", "truncated"),
    ("empty", "empty file"),
    ("garbage", "not a zip"),
    ("flipped", "corrupt"),
    ("plain_npz", "no 'structure.json' entry"),
    ("bad_version", "unsupported format version 99"),
    ("bad_json", "unreadable 'structure.json'"),
    ("wrong_shape", "holds float32"),
    ("missing_entry", "missing entry"),
    ("bad_node", "unknown node type"),
    ("malformed", "malformed"),
])
def test_bad_files_raise_clear_errors(tmp_path, case, message):
    path = tmp_path / "bad.mg"
    good = _checkpoint_bytes(tmp_path)
    if case == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "garbage":
        path.write_bytes(b"this is not a checkpoint at all" * 10)
    elif case == "flipped":
        data = bytearray(good)
        data[len(data) // 2] ^= 0xFF  # inside the array data: the zip CRC check catches it
        path.write_bytes(bytes(data))
    elif case == "plain_npz":  # a zip holding something other than named arrays
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hello")
    elif case == "bad_json":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("structure.json", "{not json")
    else:
        path.write_bytes(good)
        edits = {
            "bad_version": lambda s: s.update(version=99),
            "wrong_shape": lambda s: s["root"]["items"][0][1].update(shape=[3]),
            "missing_entry": lambda s: s["root"]["items"][0][1].update(entry="nope.npy"),
            "bad_node": lambda s: s["root"]["items"][1][1].update(type="exec"),
            "malformed": lambda s: s["root"].pop("items"),
        }
        rewrite_structure(path, edits[case])
    with pytest.raises(ValueError, match=message) as info:
        mg.load(path)
    assert str(path) in str(info.value)


def test_pickle_file_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": _Payload()}))
    with pytest.raises(ValueError, match="pickle"):
        mg.load(path)
    assert _EXECUTED == []


def test_pickled_array_inside_checkpoint_is_not_executed(tmp_path):
    path = tmp_path / "evil.mg"
    mg.save({"w": np.zeros(2)}, path)
    with zipfile.ZipFile(path) as zf:
        structure = zf.read("structure.json")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("structure.json", structure)
        with zf.open("w.npy", "w") as f:
            np.lib.format.write_array(f, np.array([_Payload()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="corrupt.*allow_pickle"):
        mg.load(path)
    assert _EXECUTED == []


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "nope.mg")


def test_checkpoint_error_is_a_value_error():
    assert issubclass(serialization.CheckpointError, ValueError)
