"""Backend selection: MINIGRAD_BACKEND, set_backend/get_backend, minigrad.cuda, device handling."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend as B

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAS_CUDA = mg.cuda.is_available()


def _run(code, backend):
    env = dict(os.environ, MINIGRAD_BACKEND=backend, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(HAS_CUDA, reason="CuPy and a GPU are available here")
def test_cupy_backend_without_cupy_says_how_to_install():
    proc = _run("import minigrad", "cupy")
    assert proc.returncode != 0
    assert 'pip install -e ".[cuda]"' in proc.stderr and "pip install minigrad[cuda]" not in proc.stderr
    assert "BackendError" in proc.stderr


@pytest.mark.skipif(HAS_CUDA, reason="CuPy and a GPU are available here")
def test_set_backend_cupy_without_cupy_raises_and_keeps_numpy():
    before = mg.get_backend()
    with pytest.raises(B.BackendError, match=r'pip install -e "\.\[cuda\]"'):
        mg.set_backend("cupy")
    assert mg.get_backend() == before


def test_numpy_backend_from_environment():
    proc = _run("import minigrad as mg; print(mg.get_backend(), mg.ones(2).device)", "numpy")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["numpy", "cpu"]


def test_unknown_backend_name_raises():
    proc = _run("import minigrad", "tensorflow")
    assert proc.returncode != 0 and "tensorflow" in proc.stderr
    with pytest.raises(B.BackendError, match="jax"):
        mg.set_backend("jax")


def test_set_and_get_backend_round_trip():
    before = mg.get_backend()
    try:
        mg.set_backend("numpy")
        assert mg.get_backend() == "numpy"
        t = mg.zeros(2)
        assert t.device == "cpu" and isinstance(t.array, np.ndarray)
        if HAS_CUDA:
            mg.set_backend("cupy")
            assert mg.get_backend() == "cupy" and mg.zeros(2).device == "cuda"
    finally:
        mg.set_backend(before)
    assert mg.get_backend() == before


def test_cuda_module():
    assert mg.cuda.is_available() == HAS_CUDA
    assert (mg.cuda.device_count() > 0) == HAS_CUDA
    mg.cuda.synchronize()


@pytest.mark.skipif(HAS_CUDA, reason="CuPy and a GPU are available here")
def test_cuda_is_unavailable_without_cupy():
    assert mg.cuda.is_available() is False
    with pytest.raises(RuntimeError, match=r'pip install -e "\.\[cuda\]"'):
        mg.zeros(2, device="cuda")


def test_device_objects():
    assert mg.device("cpu") == "cpu" and str(mg.device("cuda:0")) == "cuda:0"
    assert mg.device("cuda:0") == mg.device("cuda")
    assert mg.device("cpu") != mg.device("cuda")
    with pytest.raises(ValueError, match="tpu"):
        mg.device("tpu")


def test_numpy_returns_numpy_on_every_backend():
    t = mg.arange(6).reshape(2, 3)
    arr = t.numpy()
    assert isinstance(arr, np.ndarray) and arr.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert isinstance(t.cpu().array, np.ndarray)


def test_only_backend_imports_numpy_or_cupy():
    pkg = os.path.join(ROOT, "minigrad")
    offenders = []
    for dirpath, _, files in os.walk(pkg):
        for name in files:
            if name.endswith(".py") and not (dirpath == pkg and name == "backend.py"):
                path = os.path.join(dirpath, name)
                with open(path) as fh:
                    for line in fh:
                        s = line.strip()
                        if s.startswith(("import numpy", "import cupy", "from numpy", "from cupy")):
                            offenders.append(os.path.relpath(path, ROOT))
    assert not offenders, f"numpy/cupy imported outside minigrad/backend.py: {offenders}"


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_CUDA, reason="needs CuPy and a GPU")
def test_manual_seed_reproducible_on_gpu():
    mg.manual_seed(7)
    a = mg.randn(5, device="cuda").numpy()
    mg.manual_seed(7)
    b = mg.randn(5, device="cuda").numpy()
    np.testing.assert_array_equal(a, b)


def test_erf_matches_math_erf_to_float64_precision():
    import math
    xs = np.concatenate([np.linspace(-30, 30, 20001), np.random.standard_normal(2000) * 3,
                         [0.0, -0.0, np.inf, -np.inf]])
    expected = np.array([math.erf(v) for v in xs])
    got = B.to_numpy(B.erf(B.to_device(xs, mg.backend.default_device())))
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14)
    assert np.isnan(B.to_numpy(B.erf(B.to_device(np.array([np.nan]), "cpu"))))[0]
    assert B.erf(np.zeros((2, 3), dtype=np.float32)).dtype == np.float32
