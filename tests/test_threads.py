"""The thread policy: the public knob, the environment variables, and the BLAS's count restored after
minigrad's own products (behaviour only; speed lives in benchmarks/)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import threads

threadpoolctl = pytest.importorskip("threadpoolctl")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _blas_counts():
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def restore_knob():
    old = mg.get_num_threads()
    yield
    mg.set_num_threads(old)


def test_knob_round_trip(restore_knob):
    mg.set_num_threads(1)
    assert mg.get_num_threads() == 1
    mg.set_num_threads(3)
    assert mg.get_num_threads() == 3


@pytest.mark.parametrize("bad, exc", [(0, RuntimeError), (-2, RuntimeError), (1.5, TypeError),
                                      ("2", TypeError), (True, TypeError)])
def test_knob_rejects_bad_counts(restore_knob, bad, exc):
    before = mg.get_num_threads()
    with pytest.raises(exc, match="set_num_threads"):
        mg.set_num_threads(bad)
    assert mg.get_num_threads() == before


def _count_in_fresh_process(env_update):
    env = {k: v for k, v in os.environ.items() if k not in threads.THREAD_ENV_VARS}
    env.update(env_update, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", "import minigrad; print(minigrad.get_num_threads())"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


@pytest.mark.parametrize("var", ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"])
def test_environment_variable_sets_the_default(var):
    assert _count_in_fresh_process({var: "3"}) == 3


def test_omp_wins_over_openblas_and_garbage_is_ignored():
    assert _count_in_fresh_process({"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "5"}) == 2
    assert _count_in_fresh_process({"OMP_NUM_THREADS": "junk", "OPENBLAS_NUM_THREADS": "5"}) == 5


def test_default_without_variables_is_the_usable_core_count():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _count_in_fresh_process({}) == expected


def test_small_products_run_on_one_thread_and_big_ones_never_exceed_the_knob(restore_knob):
    mg.set_num_threads(4)
    assert threads.gemm_threads(32, 128, 512) == 1
    assert 1 <= threads.gemm_threads(4096, 4096, 4096) <= 4
    mg.set_num_threads(1)
    assert threads.gemm_threads(4096, 4096, 4096) == 1


def test_blas_scope_sets_and_restores_the_count():
    if not _blas_counts():
        pytest.skip("no BLAS library visible to threadpoolctl")
    with threadpoolctl.threadpool_limits(3, user_api="blas"):
        with threads.blas_threads(1):
            assert set(_blas_counts()) == {1}
        assert set(_blas_counts()) == {3}


def test_count_restored_after_minigrad_products(restore_knob):
    """The user's own BLAS setting survives minigrad's matmuls, linear layers and fused LSTMs,
    forward and backward, also when one of them fails."""
    if not _blas_counts():
        pytest.skip("no BLAS library visible to threadpoolctl")
    mg.set_num_threads(2)
    with threadpoolctl.threadpool_limits(3, user_api="blas"):
        a = mg.randn(300, 200, requires_grad=True)
        b = mg.randn(200, 500, requires_grad=True)
        (a @ b).sum().backward()
        lin = nn.Linear(200, 64)
        lin(a).sum().backward()
        lstm = nn.LSTM(16, 32, bidirectional=True)
        out, _ = lstm(mg.randn(20, 64, 16))
        out.sum().backward()
        with pytest.raises(RuntimeError):
            mg.randn(300, 200) @ mg.randn(300, 200)
        assert set(_blas_counts()) == {3}


def test_threaded_results_match_single_thread(restore_knob):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((600, 700)), rng.standard_normal((700, 500))
    mg.set_num_threads(1)
    one = (mg.tensor(a) @ mg.tensor(b)).numpy()
    mg.set_num_threads(2)
    np.testing.assert_allclose((mg.tensor(a) @ mg.tensor(b)).numpy(), one, rtol=1e-12, atol=1e-10)


class _FakeLoad:
    def __init__(self, others):
        self.value = others

    def others(self):
        return self.value


@pytest.mark.parametrize("knob, cores, others, expected", [
    (2, 2, 0.0, 2), (2, 2, 0.2, 2), (2, 2, 1.0, 1), (2, 2, 3.5, 1), (4, 2, 0.0, 2), (1, 8, 0.0, 1),
    (4, 8, 2.0, 4), (8, 8, 2.0, 6)])
def test_free_threads_leave_the_cores_other_programs_use(restore_knob, monkeypatch, knob, cores, others,
                                                          expected):
    monkeypatch.setattr(threads, "_cores", lambda: cores)
    monkeypatch.setattr(threads, "_load", _FakeLoad(others))
    mg.set_num_threads(knob)
    assert threads.free_threads() == expected
    big = threads.gemm_threads(4096, 4096, 4096)
    assert big == expected and threads.gemm_threads(8, 8, 8) == 1


def test_machine_load_is_sampled_from_the_system():
    load = threads._MachineLoad()
    first = load.others()
    assert first >= 0.0
    assert load.others() == first          # cached within the interval


def test_machine_load_counts_runnable_processes_on_a_first_or_stale_look(monkeypatch):
    """After a pause, the window's average describes the pause (another process taking its turn),
    so the load is read from the processes runnable at that instant; within a window, from CPU time."""
    load = threads._MachineLoad()
    clock = [100.0]
    stat = {"busy": 0.0, "running": 3}
    own = [0.0]
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(threads, "_own_cpu_seconds", lambda: own[0])
    monkeypatch.setattr(load, "_read_stat",
                        lambda runnable: (stat["busy"], stat["running"] if runnable else None))
    assert load.others() == 2.0                     # first look: 3 runnable, less this thread
    clock[0] += 0.3                                 # a full window later: CPU time decides
    stat["busy"], own[0] = 0.3, 0.3                 # only this process ran
    assert load.others() == 0.0
    clock[0] += 0.1
    stat["running"] = 5
    assert load.others() == 0.0                     # cached within the interval
    clock[0] += 5.0                                 # stale: someone else ran 5 s, but now
    stat["busy"] += 5.0                             # only this thread is runnable
    stat["running"] = 1
    assert load.others() == 0.0
    clock[0] += 0.25                                # and busy again in the next window
    stat["busy"] += 0.5
    own[0] += 0.25
    assert abs(load.others() - 1.0) < 1e-9
