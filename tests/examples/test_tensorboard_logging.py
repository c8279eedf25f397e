"""--tensorboard DIR in both example trainers: per-step loss, lr, grad norm and tokens/s, read back
from the event files with the tensorboard package's event reader."""
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import DATA_DIR

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason='the tensorboard package is not installed (pip install -e ".[tensorboard]")')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAGS = {"train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s"}


def run_trainer(example, *args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", example, "train.py"),
                           *map(str, args)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]


def read_scalars(folder):
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    assert set(acc.Tags()["scalars"]) == TAGS
    return {tag: acc.Scalars(tag) for tag in TAGS}


def check_steps(scalars, steps, lr):
    for tag, events in scalars.items():
        assert [e.step for e in events] == list(range(1, steps + 1)), tag
        assert all(np.isfinite(e.value) for e in events), tag
    assert all(e.value == pytest.approx(lr) for e in scalars["train/lr"])
    assert all(e.value > 0 for e in scalars["train/tokens_per_s"])
    assert all(e.value > 0 for e in scalars["train/grad_norm"])
    assert 0.1 < scalars["train/loss"][0].value < 20


@pytest.mark.skipif(not os.path.isfile(os.path.join(DATA_DIR, "sst", "stsa.binary.train.gz")),
                    reason=f"SST-2 not found under {DATA_DIR}")
def test_sentiment_trainer_logs_every_step(tmp_path):
    run_trainer("sentiment", "--data-dir", os.path.abspath(DATA_DIR), "--limit", 64, "--batch-size", 16,
                "--embed-dim", 8, "--hidden", 8, "--no-progress", "--epochs", 1, "--max-batches", 3,
                "--lr", 0.002, "--out", tmp_path / "run", "--tensorboard", tmp_path / "tb")
    check_steps(read_scalars(tmp_path / "tb"), 3, 0.002)


@pytest.mark.skipif(not os.path.isdir(os.path.join(DATA_DIR, "multi30k")),
                    reason=f"Multi30k not found under {DATA_DIR}")
def test_translation_trainer_logs_every_step(tmp_path):
    run_trainer("translation", "--data-dir", DATA_DIR, "--limit", 32, "--batch-size", 16,
                "--embed-dim", 8, "--hidden", 8, "--no-progress", "--epochs", 1, "--clip", 0,
                "--out", tmp_path / "run", "--tensorboard", tmp_path / "tb")
    check_steps(read_scalars(tmp_path / "tb"), 2, 1e-3)  # --clip 0: the norm is logged all the same
