"""Tests of the sentiment example (examples/sentiment): the model, a smoke run of train.py and
predict.py on a slice of SST-2, and a stopped-and-resumed run matching an uninterrupted one."""
import csv
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg

from conftest import DATA_DIR, load_example_model

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "sentiment")
HAS_SST = os.path.isfile(os.path.join(DATA_DIR, "sst", "stsa.binary.train.gz"))
needs_sst = pytest.mark.skipif(not HAS_SST, reason=f"SST-2 not found under {DATA_DIR}")
TINY = ["--data-dir", os.path.abspath(DATA_DIR), "--limit", "96", "--batch-size", "16",
        "--embed-dim", "8", "--hidden", "8", "--no-progress"]


M = load_example_model("sentiment")


def _run(script, *args, stdin=None, path=()):
    """Run an example script in a subprocess (`path`: extra PYTHONPATH entries first); returns its
    stdout and fails the test on an error."""
    pythonpath = [*map(str, path), ROOT, os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, pythonpath)))
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLE, script), *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _np(x):
    return x.numpy() if isinstance(x, mg.Tensor) else np.asarray(x)


@pytest.mark.parametrize("kind,pool,bidirectional", [("lstm", "both", True), ("gru", "last", False),
                                                     ("rnn", "max", True)])
def test_model_ignores_padding_and_batch_order(kind, pool, bidirectional):
    model = M.SentimentRNN(20, 6, 5, model=kind, layers=2, bidirectional=bidirectional, pool=pool).eval()
    short = [3, 4, 5]
    tokens = mg.tensor([[3, 4, 5, 0, 0, 0], [7, 8, 9, 10, 11, 12]])
    with mg.no_grad():
        batched = model(tokens, mg.tensor([3, 6])).numpy()
        alone = model(mg.tensor([short]), mg.tensor([3])).numpy()
    assert batched.shape == (2, 2)
    np.testing.assert_allclose(batched[0], alone[0], rtol=1e-5, atol=1e-6)


def test_model_gradients_reach_every_parameter_but_the_padding_row():
    model = M.SentimentRNN(12, 4, 3, dropout=0.0)
    logits = model(mg.tensor([[1, 2, 3], [4, 5, 0]]), mg.tensor([3, 2]))
    mg.nn.CrossEntropyLoss()(logits, mg.tensor([0, 1])).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and np.any(p.grad.numpy() != 0), name
    assert not np.any(model.embedding.weight.grad.numpy()[0])


def test_help_lists_the_flags():
    out = _run("train.py", "--help")
    for flag in ("--dataset", "--model", "--layers", "--bidirectional", "--embed-dim", "--hidden",
                 "--dropout", "--epochs", "--batch-size", "--lr", "--max-len", "--min-freq", "--seed",
                 "--data-dir", "--out", "--resume", "--limit", "--max-batches"):
        assert flag in out
    assert "--ckpt" in _run("predict.py", "--help")


@needs_sst
def test_train_then_predict_smoke(tmp_path):
    no_matplotlib = tmp_path / "no_matplotlib"
    (no_matplotlib / "matplotlib").mkdir(parents=True)
    (no_matplotlib / "matplotlib" / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    out = tmp_path / "run"
    log = _run("train.py", *TINY, "--epochs", "1", "--max-batches", "3", "--out", str(out),
               path=[no_matplotlib])
    assert "test accuracy" in log
    assert log.count("matplotlib is not installed") == 1 and not (out / "curves.png").exists()
    for name in ("best.ckpt", "last.ckpt", "metrics.csv", "metrics.json"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["history"]] == [1]
    assert 0.0 <= metrics["test_acc"] <= 1.0 and metrics["best_epoch"] == 1
    with open(out / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and 0.0 <= float(rows[0]["val_acc"]) <= 1.0
    ckpt = mg.load(str(out / "best.ckpt"))
    assert ckpt["epoch"] == 1 and ckpt["config"]["hidden"] == 8 and ckpt["vocab"]["itos"][0] == "<pad>"

    texts = ["a gorgeous , witty , seductive movie .", "a dull , incoherent mess"]
    from_args = _run("predict.py", "--ckpt", str(out / "best.ckpt"), *texts).splitlines()
    from_stdin = _run("predict.py", "--ckpt", str(out / "best.ckpt"), stdin="\n".join(texts) + "\n")
    assert from_stdin.splitlines() == from_args and len(from_args) == 2
    for line, text in zip(from_args, texts):
        label, prob, echoed = line.split("\t")
        assert label in ("negative", "positive") and 0.5 <= float(prob) <= 1.0 and echoed == text


@pytest.mark.slow
@needs_sst
def test_resumed_run_ends_with_the_same_weights(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    _run("train.py", *TINY, "--epochs", "2", "--out", str(straight))
    _run("train.py", *TINY, "--epochs", "1", "--out", str(resumed))
    log = _run("train.py", "--epochs", "2", "--out", str(resumed), "--resume", "--no-progress",
               "--data-dir", os.path.abspath(DATA_DIR))
    assert "resuming" in log
    if importlib.util.find_spec("matplotlib") is not None:
        assert (resumed / "curves.png").is_file()
    a, b = mg.load(str(straight / "last.ckpt")), mg.load(str(resumed / "last.ckpt"))
    assert a["epoch"] == b["epoch"] == 2
    assert list(a["model"]) == list(b["model"])
    for name in a["model"]:
        np.testing.assert_array_equal(a["model"][name].numpy(), b["model"][name].numpy(), err_msg=name)
    for pa, pb in zip(a["optimizer"]["state"].values(), b["optimizer"]["state"].values()):
        for key in pa:
            np.testing.assert_array_equal(_np(pa[key]), _np(pb[key]), err_msg=key)
    assert a["history"][1]["train_loss"] == b["history"][1]["train_loss"]
