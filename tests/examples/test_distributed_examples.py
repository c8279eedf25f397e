"""The example trainers under `mpiexec -n 2 ... --distributed`: a 2-rank sentiment run end to end
on a slice (output and files from rank 0 only), a stopped-and-resumed 2-rank run that ends with the
uninterrupted run's weights, and a translation smoke run."""
import os

import numpy as np
import pytest

import minigrad as mg

from conftest import DATA_DIR
from tests.distributed.launch import REPO, check_ok, require_mpi, run_ranks

HAS_SST = os.path.isfile(os.path.join(DATA_DIR, "sst", "stsa.binary.train.gz"))
needs_sst = pytest.mark.skipif(not HAS_SST, reason=f"SST-2 not found under {DATA_DIR}")
SENTIMENT = REPO / "examples" / "sentiment" / "train.py"
TRANSLATION = REPO / "examples" / "translation" / "train.py"
# dropout off: the 2-rank run is then the 1-process run on the same global batches
TINY = ["--data-dir", os.path.abspath(DATA_DIR), "--limit", "96", "--batch-size", "16",
        "--embed-dim", "8", "--hidden", "8", "--no-progress", "--max-batches", "3", "--dropout", "0"]


def sentiment(*args, n=2):
    return check_ok(run_ranks(SENTIMENT, *args, n=n, timeout=240))


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    require_mpi()
    if not HAS_SST:
        pytest.skip(f"SST-2 not found under {DATA_DIR}")
    out = tmp_path_factory.mktemp("dist") / "straight"
    proc = sentiment("--distributed", *TINY, "--epochs", "2", "--out", out)
    return out, proc


def _weights(path):
    return mg.load(str(path))["model"]


@needs_sst
def test_two_rank_sentiment_run_end_to_end(straight_run):
    out, proc = straight_run
    assert proc.stdout.count("test accuracy") == 1          # rank 0 prints, rank 1 is quiet
    assert proc.stdout.count("epoch 2:") == 1
    for name in ("best.ckpt", "last.ckpt", "metrics.csv", "metrics.json"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".tmp") == []
    ckpt = mg.load(str(out / "last.ckpt"))
    assert ckpt["epoch"] == 2 and not any(k.startswith("module.") for k in ckpt["model"])
    assert "distributed" not in ckpt["config"]               # a runtime flag, like --epochs


@needs_sst
def test_stopped_and_resumed_two_rank_run_ends_with_the_same_weights(straight_run, tmp_path):
    straight, _ = straight_run
    resumed = tmp_path / "resumed"
    sentiment("--distributed", *TINY, "--epochs", "1", "--out", resumed)
    proc = sentiment("--distributed", "--resume", "--epochs", "2", "--out", resumed, "--no-progress",
                     "--data-dir", os.path.abspath(DATA_DIR), "--max-batches", "3")
    assert "resuming" in proc.stdout
    a, b = _weights(straight / "last.ckpt"), _weights(resumed / "last.ckpt")
    assert list(a) == list(b)
    for name in a:
        np.testing.assert_array_equal(a[name].numpy(), b[name].numpy(), err_msg=name)


@needs_sst
@pytest.mark.slow
def test_two_ranks_train_like_one_process_on_the_global_batch(straight_run, tmp_path):
    straight, _ = straight_run
    single = tmp_path / "single"
    sentiment(*TINY, "--epochs", "2", "--out", single, n=1)
    a, b = _weights(straight / "last.ckpt"), _weights(single / "last.ckpt")
    for name in a:
        np.testing.assert_allclose(a[name].numpy(), b[name].numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=name)


@pytest.mark.skipif(not os.path.isdir(os.path.join(DATA_DIR, "multi30k")),
                    reason=f"Multi30k not found under {DATA_DIR}")
def test_two_rank_translation_smoke(tmp_path):
    out = tmp_path / "run"
    proc = check_ok(run_ranks(TRANSLATION, "--distributed", "--limit", "48", "--batch-size", "16",
                              "--embed-dim", "16", "--hidden", "24", "--no-progress", "--data-dir",
                              os.path.abspath(DATA_DIR), "--epochs", "1", "--out", out, timeout=240))
    assert proc.stdout.count("epoch  1 |") == 1
    assert (out / "best.ckpt").is_file() and (out / "last.ckpt").is_file()
