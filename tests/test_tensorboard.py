"""minigrad.utils.tensorboard.SummaryWriter: the event files it writes, read back by the tensorboard
package's own event reader."""
import glob
import os
import time

import numpy as np
import pytest

import minigrad as mg

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason='the tensorboard package is not installed (pip install -e ".[tensorboard]")')
from minigrad.utils.tensorboard import SummaryWriter  # noqa: E402


def read_events(folder):
    """Every event of `folder`, loaded by TensorBoard's EventAccumulator (nothing sampled away)."""
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.TENSORS: 0})
    acc.Reload()
    return acc


def test_scalars_read_back(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        assert writer.log_dir == str(tmp_path) == writer.get_logdir()
        for step in range(5):
            writer.add_scalar("loss/train", 1.0 / (step + 1), step)
        writer.add_scalar("lr", mg.tensor(0.01), 0)            # a one-element Tensor
        writer.add_scalar("tokens_per_s", np.float32(1234.5), 0)  # a NumPy scalar
    acc = read_events(tmp_path)
    assert set(acc.Tags()["scalars"]) == {"loss/train", "lr", "tokens_per_s"}
    events = acc.Scalars("loss/train")
    assert [e.step for e in events] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose([e.value for e in events], [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5], rtol=1e-6)
    assert acc.Scalars("lr")[0].value == pytest.approx(0.01)
    assert acc.Scalars("tokens_per_s")[0].value == pytest.approx(1234.5)


def test_add_scalars_writes_one_run_per_key(tmp_path):
    writer = SummaryWriter(tmp_path)
    for step in range(3):
        writer.add_scalars("loss", {"train": 2.0 - step, "valid": mg.tensor(3.0 - step)}, step)
    writer.close()
    for key, first in (("train", 2.0), ("valid", 3.0)):
        events = read_events(tmp_path / f"loss_{key}").Scalars("loss")
        assert [e.value for e in events] == [first, first - 1, first - 2]
        assert [e.step for e in events] == [0, 1, 2]


def test_histogram_read_back(tmp_path):
    values = mg.randn(1000, dtype=mg.float64, requires_grad=True)  # requires_grad: no detach needed
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("weights", values, global_step=7)
        writer.add_histogram("ints", np.arange(10), global_step=0, bins="auto")
    acc = read_events(tmp_path)
    (event,) = acc.Histograms("weights")
    hist, arr = event.histogram_value, values.detach().numpy()
    assert event.step == 7
    assert hist.num == 1000 and sum(hist.bucket) == 1000
    assert hist.min == pytest.approx(arr.min()) and hist.max == pytest.approx(arr.max())
    assert hist.sum == pytest.approx(arr.sum()) and hist.sum_squares == pytest.approx((arr ** 2).sum())
    ints = acc.Histograms("ints")[0].histogram_value
    assert ints.sum == 45 and sum(ints.bucket) == 10 and ints.bucket_limit[-1] == 9


def test_histogram_buckets_match_numpy(tmp_path):
    values = np.random.default_rng(0).normal(size=500)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("h", values, 0, bins=8)
        writer.add_histogram("merged", values, 0, bins=8, max_bins=4)
    acc = read_events(tmp_path)
    counts, edges = np.histogram(values, bins=8)
    h = acc.Histograms("h")[0].histogram_value
    assert list(h.bucket) == list(counts) and np.allclose(h.bucket_limit, edges[1:])
    merged = acc.Histograms("merged")[0].histogram_value
    assert list(merged.bucket) == list(counts.reshape(4, 2).sum(axis=1))
    assert np.allclose(merged.bucket_limit, edges[2::2])


def test_purge_step_hides_later_events_of_a_crashed_run(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(10):
            writer.add_scalar("loss", float(step), step)
    time.sleep(1.1)  # a later event file (names carry the time in seconds)
    with SummaryWriter(tmp_path, purge_step=5) as writer:
        for step in range(5, 8):
            writer.add_scalar("loss", 100.0 + step, step)
    events = read_events(tmp_path).Scalars("loss")
    assert [e.step for e in events] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [e.value for e in events][-3:] == [105.0, 106.0, 107.0]


def test_text_read_back(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("config", "lr = 0.001, **bidirectional**", global_step=0)
    (event,) = read_events(tmp_path).Tensors("config/text_summary")
    assert event.tensor_proto.string_val[0].decode() == "lr = 0.001, **bidirectional**"


def test_flush_makes_events_visible_before_close(tmp_path):
    writer = SummaryWriter(tmp_path, flush_secs=10_000, max_queue=1000)
    writer.add_scalar("x", 1.5, 0)
    writer.flush()
    assert read_events(tmp_path).Scalars("x")[0].value == 1.5
    writer.close()
    assert len(glob.glob(os.path.join(tmp_path, "events.out.tfevents.*"))) == 1


def test_default_log_dir_follows_pytorch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lstm")
    writer.close()
    assert writer.log_dir.startswith("runs" + os.sep) and writer.log_dir.endswith("_lstm")
    assert os.path.isdir(writer.log_dir)


def test_closed_writer_refuses_events(tmp_path):
    writer = SummaryWriter(tmp_path)
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_scalar("x", 1.0, 0)


@pytest.mark.parametrize("call, error", [
    (lambda w: w.add_scalar("x", mg.ones(3)), ValueError),
    (lambda w: w.add_scalar("x", "1.0"), TypeError),
    (lambda w: w.add_scalars("x", [1.0]), TypeError),
    (lambda w: w.add_histogram("x", mg.ones(0)), ValueError),
    (lambda w: w.add_histogram("x", np.array([1.0, np.nan])), ValueError),
    (lambda w: w.add_text("x", 3), TypeError),
])
def test_bad_values_raise_early(tmp_path, call, error):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(error, match="x"):
            call(writer)
