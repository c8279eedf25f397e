"""`python -m minigrad`: the environment report, run as a user would and its fields checked."""
import importlib.util
import json
import os
import platform
import subprocess
import sys

import numpy as np

import minigrad as mg
from minigrad.data.registry import RESOURCES
from minigrad.utils.collect_env import get_env_info

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def report(*args, **env):
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
                   **env)
    environ.pop("MINIGRAD_BACKEND", None)
    proc = subprocess.run([sys.executable, "-m", "minigrad", *args], capture_output=True, text=True,
                          env=environ, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def fake_data_root(tmp_path):
    """A data folder with one file of the sst layout, nothing else."""
    sst = sorted(p for p in RESOURCES if p.startswith("sst/"))
    (tmp_path / "sst").mkdir()
    (tmp_path / sst[0]).write_bytes(b"")
    return len(sst)


def test_json_report_fields(tmp_path):
    n_sst = fake_data_root(tmp_path)
    info = json.loads(report("--json", "--data-dir", str(tmp_path), OPENBLAS_NUM_THREADS="1"))
    assert info["minigrad"]["version"] == mg.__version__
    assert os.path.samefile(info["minigrad"]["location"], os.path.dirname(mg.__file__))
    assert info["python"]["version"] == platform.python_version()
    assert info["numpy"]["version"] == np.__version__
    assert info["backend"] == {"default": "numpy", "default_device": "cpu", "MINIGRAD_BACKEND": None}
    if importlib.util.find_spec("threadpoolctl") is not None:
        blas = [lib for lib in info["numpy"]["blas"] if lib["user_api"] == "blas"]
        assert blas and blas[0]["internal_api"] in ("openblas", "mkl", "blis", "flexiblas", "accelerate")
        if blas[0]["internal_api"] == "openblas":
            assert blas[0]["num_threads"] == 1  # what OPENBLAS_NUM_THREADS asked for
    else:
        assert "threadpoolctl is not installed" in info["numpy"]["blas"][0]["note"]
    cuda = info["cuda"]
    assert cuda["available"] == mg.cuda.is_available()
    if not cuda["available"]:
        assert cuda["reason"] and cuda["reason"] != "unknown"
        if importlib.util.find_spec("cupy") is None:
            assert "cupy" in cuda["reason"] and cuda["cupy"] is None
    assert info["packages"]["tqdm"] is not None
    data = info["data"]
    assert os.path.samefile(data["root"], tmp_path) and data["from"] == "--data-dir" and data["exists"]
    assert data["datasets"]["sst"] == f"1 of {n_sst} files"
    assert data["datasets"]["multi30k"] == "missing"
    assert set(data["datasets"]) == {p.split("/")[0] for p in RESOURCES}


def test_text_report_lines(tmp_path):
    fake_data_root(tmp_path)
    text = report(MINIGRAD_DATA=str(tmp_path))
    lines = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in text.splitlines()}
    assert lines["minigrad"].startswith(mg.__version__)
    assert lines["NumPy"] == np.__version__
    assert lines["default backend"].startswith("numpy")
    assert "CUDA" in lines and "CuPy" in lines
    assert lines["data directory"] == f"{tmp_path} (from MINIGRAD_DATA)"
    assert lines["multi30k"] == "missing"


def test_complete_dataset_is_reported_complete(tmp_path):
    for path in RESOURCES:
        if path.startswith("nsmc/"):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(b"")
    info = get_env_info(str(tmp_path))
    assert info["data"]["datasets"]["nsmc"].startswith("complete")


def test_cuda_section_with_a_gpu(monkeypatch):
    """The GPU branch, with a stand-in for CuPy's runtime API (no GPU on the test machines)."""
    import types
    from minigrad import backend as B
    from minigrad.utils import collect_env

    runtime = types.SimpleNamespace(runtimeGetVersion=lambda: 12040, getDeviceCount=lambda: 2,
                                    getDeviceProperties=lambda i: {"name": f"GPU {i}".encode()})
    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))
    monkeypatch.setattr(B, "cuda_available", lambda: True)
    monkeypatch.setattr(B, "_load_cupy", lambda: fake)
    monkeypatch.setattr(collect_env, "_version", lambda name: "13.0.0" if name == "cupy" else None)
    cuda = collect_env._cuda()
    assert cuda == {"cupy": "13.0.0", "available": True, "cuda_runtime": 12040, "devices": ["GPU 0", "GPU 1"]}
    info = dict(get_env_info(), cuda=cuda)
    text = collect_env.format_env_info(info)
    assert "available: runtime 12040, devices GPU 0, GPU 1" in text
