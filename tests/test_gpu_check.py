"""benchmarks/gpu_check.py and gpu_prepare.py: the whole check dry-run on the CPU (so the script
cannot rot between GPU runs), and its pieces: time limits, pytest / benchmark parsing, data copy."""
import importlib.util
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import DATA_DIR

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "benchmarks", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load("gpu_check")
prepare = _load("gpu_prepare")


def test_dry_run_of_the_whole_check(tmp_path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MINIGRAD_BACKEND="numpy",
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    if os.path.isdir(os.path.join(DATA_DIR, "sst")):
        env["MINIGRAD_DATA"] = os.path.abspath(DATA_DIR)
    env.pop("OUT", None)
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "gpu_check.py"),
                           "--dry-run", "--out", str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=600)
    summary = (tmp_path / "summary.md").read_text()
    assert proc.returncode == 0, summary + proc.stdout[-3000:] + proc.stderr[-3000:]
    parts = {p["name"]: p for p in json.loads((tmp_path / "summary.json").read_text())["parts"]}
    groups = [g[0] for g in check.TEST_GROUPS]
    assert set(["env", "bench"] + groups) <= set(parts)
    assert all(p["status"] == "ok" for p in parts.values())
    for name in groups:
        assert parts[name]["counts"].get("passed", 0) >= 1, parts[name]
    assert parts["env"]["info"]["minigrad_backend"] == "numpy"
    rows = parts["bench"]["rows"]
    assert [(r["model"], r["size"]) for r in rows] == [("GRU", "tiny")]
    assert rows[0]["minigrad"]["ms"] > 0
    if "pytorch" in rows[0]:
        assert rows[0]["ratio"] > 0
    if "train-sentiment" in parts:
        assert any(line.startswith("epoch 1") for line in parts["train-sentiment"]["lines"])
        assert any(line.startswith("epoch  1") for line in parts["train-translation"]["lines"])
        assert parts["train-cpu-load"]["lines"]
    assert "| tests-rnn | OK |" in summary and "| GRU | tiny |" in summary
    assert "bench" in (tmp_path / "log.txt").read_text()
    # what the GPU machine sends back from $OUT: at most 8 files, so only these three go there
    assert sorted(os.listdir(tmp_path)) == ["log.txt", "summary.json", "summary.md"]


def test_a_part_over_its_limit_is_killed_with_its_children():
    start = time.perf_counter()
    code = ("import subprocess, sys, time; "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "print('started', flush=True); time.sleep(60)")
    result = check.run_part([sys.executable, "-c", code], timeout=2)
    assert result["status"] == "timeout" and "started" in result["output"]
    assert time.perf_counter() - start < 30  # communicate() returned: the grandchild is gone too
    assert check.run_part([sys.executable, "-c", "raise SystemExit(3)"], 10)["status"] == "failed"
    assert check.run_part([sys.executable, "-c", "print('hi')"], 10)["output"] == "hi\n"


def test_part_limits_pass_unused_time_on_but_keep_the_later_parts_reserve():
    assert check.part_limit(10, left=100, later=[20, 30]) == 50      # 40 unused before it
    assert check.part_limit(10, left=60, later=[20, 30]) == 10       # exactly on plan
    assert check.part_limit(10, left=5, later=[20]) == 5             # never past the deadline
    assert check.part_limit(10, left=0, later=[]) == 0


def test_test_groups_form_one_phase_unless_serial():
    parts = [("env",), ("tests-core",), ("tests-rnn",), ("bench",), ("train-x",)]
    assert [[p[0] for p in ph] for ph in check.phases(parts)] == [
        ["env"], ["tests-core", "tests-rnn"], ["bench"], ["train-x"]]
    assert len(check.phases(parts, serial=True)) == 5


def test_a_phase_runs_its_parts_at_the_same_time():
    sleep = [sys.executable, "-c", "import time; time.sleep(2)"]
    phase = [("a", "", sleep, 1, "numpy"), ("b", "", sleep, 1, "numpy"), ("c", "", sleep, 1, "numpy")]
    start = time.perf_counter()
    results = check.run_phase(phase, 30, lambda backend: None)
    assert [r["status"] for r in results] == ["ok"] * 3
    assert time.perf_counter() - start < 5.5   # not 3 x 2 s one after another


def test_parse_pytest_summary_and_failures():
    out = ("....F.E\n=== short test summary info ===\n"
           "FAILED tests/test_x.py::test_a[float32-cuda] - AssertionError: bad\n"
           "ERROR tests/test_y.py::test_b - RuntimeError\n"
           "1 failed, 5 passed, 2 skipped, 1 error in 3.21s\n")
    counts, failed = check.parse_pytest(out)
    assert counts == {"failed": 1, "passed": 5, "skipped": 2, "errors": 1}
    assert failed == ["tests/test_x.py::test_a[float32-cuda]", "tests/test_y.py::test_b"]
    assert check.parse_pytest("collected 3 items\nKilled\n") == ({}, [])
    partial = "..F.s..                                  [ 40%]\n...E\n"   # killed mid-run
    assert check.parse_pytest(partial)[0] == {"passed": 8, "failed": 1, "errors": 1, "skipped": 1,
                                              "unfinished": 1}


def test_judge_fails_a_test_group_that_ran_nothing():
    result = {"status": "ok", "output": "no tests ran in 0.01s\n"}
    assert check.judge("tests-core", result)["status"] == "failed"


def test_parse_bench_joins_the_two_frameworks():
    out = ("LSTM  large   minigrad      12.5      12.1     1024000    310.0   1.40   1.38\n"
           "LSTM  large   pytorch        8.9       8.8     1438202    220.0\n"
           "GRU   small   minigrad       1.0       0.9     1120000      3.0\n")
    rows = check.parse_bench(out)
    assert rows[0] == {"model": "LSTM", "size": "large", "ratio": 1.40, "ratio_best": 1.38,
                       "minigrad": {"ms": 12.5, "best_ms": 12.1, "peak_mb": 310.0},
                       "pytorch": {"ms": 8.9, "best_ms": 8.8, "peak_mb": 220.0}}
    assert rows[1]["model"] == "GRU" and "pytorch" not in rows[1] and "ratio" not in rows[1]
    md = check.render([{"name": "bench", "what": "b", "status": "ok", "seconds": 1, "limit": 2,
                        "rows": rows, "output": ""}],
                      {"mode": "GPU", "started": "now", "seconds": 1, "budget": 2, "data": None,
                       "backend": "cupy"})
    assert "| LSTM | large | 12.5 | 8.9 | 1.4 | 1.38 |" in md and "1.5x cuDNN's time: met" in md


def test_prepare_copies_the_needed_files_and_names_what_is_missing(tmp_path):
    source = tmp_path / "data"
    for folder, names in prepare.FILES.items():
        (source / folder).mkdir(parents=True)
        for name in names:
            (source / folder / name).write_bytes(name.encode())
    target = tmp_path / "carried"
    size = prepare.copy_data(str(source), str(target))
    assert size == sum(len(n) for names in prepare.FILES.values() for n in names)
    assert (target / "sst" / "stsa.binary.train.gz").read_bytes() == b"stsa.binary.train.gz"
    os.remove(source / "sst" / "stsa.binary.dev.gz")
    with pytest.raises(FileNotFoundError, match="stsa.binary.dev.gz is missing"):
        prepare.copy_data(str(source), str(target))
    command = prepare.gpu_command()
    assert "MINIGRAD_BACKEND=cupy" in command and prepare.TARGET in command
    assert "benchmarks/gpu_check.py" in command and len(command) < 2000   # the tool's limit


def test_prepare_target_is_ignored_by_git():
    if subprocess.run(["git", "rev-parse"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout")
    assert prepare.is_ignored(prepare.TARGET)


def test_env_part_reports_why_the_backend_is_unusable():
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed here")
    result = check.run_part([sys.executable, "-c", check.ENV_SCRIPT], 120,
                            env=check.part_env("cupy", None))
    check.judge("env", result)
    assert result["status"] == "failed"
    assert result["info"]["numpy"] and "cupy backend is not available" in result["info"]["minigrad_error"]
