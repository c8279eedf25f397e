"""predict.py (sentiment) and translate.py refuse empty input and warn, with the share of unknown
tokens, when most of an input is outside the model's vocabulary (another language, emoji)."""
import os
import re
import subprocess
import sys

import pytest

from conftest import DATA_DIR

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["--data-dir", os.path.abspath(DATA_DIR), "--batch-size", "16", "--embed-dim", "8",
        "--hidden", "8", "--no-progress", "--epochs", "1"]


def run(example, script, *args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, os.path.join(ROOT, "examples", example, script),
                           *map(str, args)], env=env, capture_output=True, text=True, timeout=300)


def check(proc_foreign, proc_empty, what):
    assert proc_foreign.returncode == 0, proc_foreign.stderr
    assert proc_foreign.stderr.count("warning") == 1, proc_foreign.stderr
    # 3 of 3 Korean/emoji tokens unknown; the English sentence gets no warning
    assert re.search(rf"warning: {what} 2: 3 of 3 tokens \(100%\)", proc_foreign.stderr), proc_foreign.stderr
    assert f"{what} 1" not in proc_foreign.stderr
    assert len(proc_foreign.stdout.strip().splitlines()) == 2  # both still answered
    assert proc_empty.returncode != 0 and f"{what} 2" in proc_empty.stderr
    assert "is empty" in proc_empty.stderr and not proc_empty.stdout.strip()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isfile(os.path.join(DATA_DIR, "sst", "stsa.binary.train.gz")),
                    reason=f"SST-2 not found under {DATA_DIR}")
def test_sentiment_predict(tmp_path):
    trained = run("sentiment", "train.py", *TINY, "--limit", 32, "--max-batches", 1, "--out", tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    ckpt = ["--ckpt", tmp_path / "best.ckpt"]
    check(run("sentiment", "predict.py", *ckpt, "a witty movie .", "정말 재미있는 🎬"),
          run("sentiment", "predict.py", *ckpt, "a witty movie .", "   "), "text")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(os.path.join(DATA_DIR, "multi30k")),
                    reason=f"Multi30k not found under {DATA_DIR}")
def test_translate(tmp_path):
    trained = run("translation", "train.py", *TINY, "--limit", 32, "--out", tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    ckpt = ["--checkpoint", tmp_path / "best.ckpt"]
    check(run("translation", "translate.py", *ckpt, "ein mann .", "정말 재미있는 🎬"),
          run("translation", "translate.py", *ckpt, "ein mann .", ""), "sentence")
