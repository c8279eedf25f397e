"""Stopping and resuming the example trainers (issue 14, item 10) and their shared plumbing
(minigrad.utils.runs, minigrad.utils.atomic_write; issue 11's examples bullet)."""
import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

import pytest

import minigrad as mg
from minigrad.utils import atomic_write, runs

from conftest import DATA_DIR

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SENTIMENT = os.path.join(ROOT, "examples", "sentiment", "train.py")
TRANSLATION = os.path.join(ROOT, "examples", "translation", "train.py")
HAS_SST = os.path.isfile(os.path.join(DATA_DIR, "sst", "stsa.binary.train.gz"))
HAS_MULTI30K = os.path.isdir(os.path.join(DATA_DIR, "multi30k"))
SENTIMENT_TINY = ["--data-dir", os.path.abspath(DATA_DIR), "--limit", "96", "--batch-size", "16",
                  "--embed-dim", "8", "--hidden", "8", "--no-progress"]
TRANSLATION_TINY = ["--data-dir", os.path.abspath(DATA_DIR), "--limit", "48", "--batch-size", "16",
                    "--embed-dim", "16", "--hidden", "24", "--no-progress"]


def _env():
    # the default data root holds nothing and downloads come from a mirror that does not exist:
    # a resumed run that forgot the --data-dir of the run it continues fails
    pythonpath = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=pythonpath, OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1",
                MINIGRAD_DATA=os.path.join(tempfile.gettempdir(), "minigrad-test-no-data"),
                MINIGRAD_DATA_MIRROR="file:///nonexistent-minigrad-mirror")


def _run(script, *args, ok=True):
    proc = subprocess.run([sys.executable, script, *map(str, args)], capture_output=True, text=True,
                          env=_env(), timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def _epochs(out):
    return [row["epoch"] for row in mg.load(str(out / "last.ckpt"))["history"]]


# ----------------------------------------------------------------------- the shared plumbing
def _parser():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--hidden", type=int, default=8)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--resume", nargs="?", const="", default=None)
    return p


def test_resume_options_keep_saved_settings_unless_given_again():
    p = _parser()
    saved = {"epochs": 3, "hidden": 8, "data_dir": "/data", "progress": False}
    argv = ["--resume", "--epochs", "5"]
    args = p.parse_args(argv)
    notes = runs.resume_options(args, saved, runs.explicit_options(p, argv), fixed=("hidden",))
    assert (args.epochs, args.data_dir, args.progress) == (5, "/data", False)
    assert notes == ["--epochs 3 -> 5 (given on the command line)"]
    argv = ["--resume", "--hidden", "16"]
    with pytest.raises(SystemExit, match="--hidden cannot change when resuming"):
        runs.resume_options(p.parse_args(argv), saved, runs.explicit_options(p, argv), fixed=("hidden",))


def test_explicit_options_and_without_resume():
    p = _parser()
    assert runs.explicit_options(p, ["--epochs", "6", "--no-progress"]) == {"epochs", "progress"}
    assert runs.explicit_options(p, []) == set()
    assert runs.without_resume(["--resume", "a/last.ckpt", "--epochs", "3"]) == ["--epochs", "3"]
    assert runs.without_resume(["--epochs", "3", "--resume"]) == ["--epochs", "3"]
    assert runs.without_resume(["--resume=x", "--no-progress"]) == ["--no-progress"]


def test_progress_message_names_the_checkpoint_and_the_command():
    progress = runs.Progress(epochs=6)
    assert progress.message("train.py").startswith("nothing was saved yet; start again with: ")
    progress.saved(os.path.join("runs", "my run", "last.ckpt"), 2, ["--epochs", "6"])
    line = progress.message("train.py")
    assert "\n" not in line
    command = line.split("continue with: ")[1]
    assert shlex.split(command)[1:] == ["train.py", "--resume", os.path.join("runs", "my run", "last.ckpt"),
                                       "--epochs", "6"]


def test_atomic_write_gives_normal_permissions_and_keeps_existing_ones(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "metrics.csv"
    atomic_write(path, "a,b\n")
    assert path.read_text() == "a,b\n"
    if os.name == "posix":
        assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)
        path.chmod(0o640)
        atomic_write(path, b"c")
        assert (path.stat().st_mode & 0o777) == 0o640 and path.read_bytes() == b"c"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "x", "")


def test_examples_use_no_sys_path_hacks_and_no_private_methods():
    offenders = []
    for folder, _, files in os.walk(os.path.join(ROOT, "examples")):
        for name in files:
            if name.endswith(".py"):
                text = open(os.path.join(folder, name), encoding="utf-8").read()
                if "sys.path" in text or re.search(r"\.\s*_[a-z]\w*\(", text):
                    offenders.append(name)
    assert offenders == []


# ------------------------------------------------------------------------ the trainers
@pytest.mark.skipif(not HAS_SST or os.name != "posix", reason="needs SST-2 and POSIX signals")
def test_sentiment_ctrl_c_then_resume_continues_with_all_settings(tmp_path):
    out = tmp_path / "run"
    _run(SENTIMENT, *SENTIMENT_TINY, "--epochs", 1, "--out", out)
    # resume asking for 3 epochs, and press Ctrl-C while it runs
    proc = subprocess.Popen([sys.executable, SENTIMENT, "--resume", str(out / "last.ckpt"), "--epochs", "3",
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env())
    first = proc.stdout.readline()
    assert first.startswith(f"resuming {out / 'last.ckpt'} after epoch 1 of 3"), first + proc.stderr.read()
    assert proc.stdout.readline().strip() == "changed: --epochs 1 -> 3 (given on the command line)"
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    match = re.fullmatch(r"interrupted: (\S+) holds epoch ([12]) of 3; continue with: (.*)", lines[0])
    assert match and match.group(1) == str(out / "last.ckpt"), lines
    # the exact command it printed continues the run: to epoch 3, with the saved --data-dir
    command = shlex.split(match.group(3))
    assert command[1:4] == [SENTIMENT, "--resume", str(out / "last.ckpt")]
    _run(SENTIMENT, *command[2:])
    assert _epochs(out) == [1, 2, 3]
    # a plain --resume of a finished run keeps its --epochs: nothing more to train
    log = _run(SENTIMENT, "--resume", out / "last.ckpt").stdout
    assert "after epoch 3 of 3" in log and "changed" not in log and _epochs(out) == [1, 2, 3]


@pytest.mark.skipif(not HAS_MULTI30K, reason="Multi30k not found")
def test_translation_resume_keeps_epochs_and_writes_readable_metrics(tmp_path):
    out = tmp_path / "run"
    _run(TRANSLATION, *TRANSLATION_TINY, "--epochs", 1, "--out", out)
    log = _run(TRANSLATION, "--resume", "--out", out).stdout
    assert "after epoch 1 of 1" in log and "epoch  2" not in log and _epochs(out) == [1]
    log = _run(TRANSLATION, "--resume", out / "last.ckpt", "--epochs", 2).stdout
    assert "changed: --epochs 1 -> 2" in log and _epochs(out) == [1, 2]
    bad = _run(TRANSLATION, "--resume", out / "last.ckpt", "--hidden", 32, ok=False)
    assert bad.returncode != 0 and "--hidden cannot change when resuming" in bad.stderr
    if os.name == "posix":
        umask = os.umask(0o022)
        os.umask(umask)
        for name in ("metrics.csv", "metrics.json"):
            assert ((out / name).stat().st_mode & 0o777) == (0o666 & ~umask), name
