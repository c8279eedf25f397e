"""minigrad.distributed collectives on 2 MPI ranks (subprocesses under mpiexec), and their errors."""
import time

import pytest

import minigrad as mg
import minigrad.distributed as dist

from .launch import check_ok, run_ranks


def test_collectives_every_op_dtype_and_layout_on_two_ranks():
    proc = check_ok(run_ranks("worker_collectives.py"))
    assert proc.stdout.count("collectives OK") == 2


@pytest.mark.parametrize("mode", ["raise", "exit"])
def test_a_failing_rank_ends_the_job_quickly_with_its_error(mode):
    start = time.monotonic()
    proc = run_ranks("worker_failure.py", mode, timeout=60)
    elapsed = time.monotonic() - start
    detail = f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode != 0, detail
    assert elapsed < 30, f"the job took {elapsed:.1f} s to stop"
    assert "should never get here" not in proc.stdout
    if mode == "raise":
        assert "ValueError: boom from rank 1" in proc.stderr and "[rank 1]" in proc.stderr, detail
    else:
        assert "exiting with status 3" in proc.stderr, detail


def test_calls_before_init_say_what_to_do():
    assert not dist.is_initialized()
    for call in (dist.get_rank, dist.get_world_size, dist.barrier,
                 lambda: dist.all_reduce(mg.zeros(2)), lambda: dist.broadcast(mg.zeros(2), 0)):
        with pytest.raises(RuntimeError, match="init_process_group"):
            call()


def test_bad_backend_and_init_method():
    with pytest.raises(ValueError, match="'mpi' or 'nccl'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="init_method"):
        dist.init_process_group("mpi", init_method="tcp://10.0.0.1:23456")
    assert not dist.is_initialized()


def test_missing_mpi4py_says_how_to_install(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_mpi4py(name, *args, **kwargs):
        if name.startswith("mpi4py"):
            raise ImportError("No module named 'mpi4py'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpi4py)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[distributed\]"'):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()


def test_nccl_without_gpu_says_so():
    pytest.importorskip("mpi4py")
    if dist.is_nccl_available():
        pytest.skip("a GPU with NCCL is present")
    with pytest.raises(RuntimeError, match="nccl"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


def test_single_process_group_without_launcher(tmp_path):
    """A plain `python script.py` (no mpiexec) is a valid world of one: collectives are identities."""
    pytest.importorskip("mpi4py")
    import subprocess
    import sys
    from .launch import REPO
    code = ("import minigrad as mg, minigrad.distributed as dist\n"
            "dist.init_process_group('mpi')\n"
            "t = mg.tensor([1.5, 2.5]); dist.all_reduce(t, op=dist.ReduceOp.AVG)\n"
            "out = [mg.zeros(2)]; dist.all_gather(out, t)\n"
            "print(dist.get_rank(), dist.get_world_size(), t.tolist(), out[0].tolist())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**__import__('os').environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[0] == "0 1 [1.5, 2.5] [1.5, 2.5]"
