"""Run a worker script under `mpiexec -n N` as a subprocess, with a timeout (never hangs the suite)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def mpiexec_path():
    """mpiexec from PATH, or the one pip's `mpich` wheel puts next to the Python executable."""
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def require_mpi():
    """Skip the calling test unless mpi4py and an mpiexec are installed."""
    pytest.importorskip("mpi4py", reason='needs mpi4py: pip install -e ".[distributed]"')
    if mpiexec_path() is None:
        pytest.skip("needs an MPI launcher (mpiexec): pip install mpich")


def run_ranks(script, *args, n=2, timeout=120, env=None, cwd=None):
    """`mpiexec -n n python script args...`; returns the CompletedProcess (stdout/stderr as text)."""
    require_mpi()
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO), full_env.get("PYTHONPATH", "")])
    full_env.setdefault("OPENBLAS_NUM_THREADS", "1")
    full_env.update(env or {})
    cmd = [mpiexec_path(), "-n", str(n), sys.executable, str(HERE / script), *map(str, args)]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env,
                              cwd=cwd or REPO)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not finish within {timeout} s (hang)\n"
                    f"stdout: {e.stdout}\nstderr: {e.stderr}")


def check_ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc
