"""Tests of the seq2seq translation example (examples/translation): attention masking, greedy and
beam decoding, learning a synthetic task, and the train / evaluate / translate / resume scripts."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.data import pad_batch

from conftest import DATA_DIR, load_example_model

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "translation")
HAS_MULTI30K = os.path.isdir(os.path.join(DATA_DIR, "multi30k"))
needs_data = pytest.mark.skipif(not HAS_MULTI30K, reason=f"Multi30k not found under {DATA_DIR}")
PAD, SOS, EOS = 0, 2, 3


M = load_example_model("translation")


def _batch(seqs, reverse_target=False):
    """Time-major padded src / lengths / tgt with <sos> ... <eos> around each sequence."""
    src, lengths = pad_batch([[SOS] + s + [EOS] for s in seqs], PAD, batch_first=False)
    tgt, _ = pad_batch([[SOS] + (s[::-1] if reverse_target else s) + [EOS] for s in seqs], PAD,
                       batch_first=False)
    return src, lengths, tgt


CLASSIC_REPR = """Seq2Seq(
  (encoder): Encoder(
    (embedding): Embedding(7855, 256)
    (rnn): LSTM(256, 512, num_layers=2, dropout=0.5)
    (dropout): Dropout(p=0.5, inplace=False)
  )
  (decoder): Decoder(
    (embedding): Embedding(5893, 256)
    (rnn): LSTM(256, 512, num_layers=2, dropout=0.5)
    (fc_out): Linear(in_features=512, out_features=5893, bias=True)
    (dropout): Dropout(p=0.5, inplace=False)
  )
)"""


def test_classic_model_repr_matches_pytorch_tutorial():
    model = M.build_model(7855, 5893, arch="seq2seq", cell="lstm", layers=2, embed_dim=256, hidden=512,
                          dropout=0.5)
    assert repr(model) == CLASSIC_REPR


@pytest.mark.parametrize("score", ["general", "dot", "additive"])
def test_attention_weights_sum_to_one_and_skip_padding(score):
    bidirectional = score != "dot"
    model = M.build_model(20, 20, arch="attention", cell="lstm", layers=2, embed_dim=8, hidden=12,
                          dropout=0.0, bidirectional=bidirectional, attn_score=score).eval()
    src, lengths, tgt = _batch([[5, 6, 7, 8, 9, 10], [5, 6], [7, 8, 9]])
    enc_out, hidden, mask = model.encode(src, lengths)
    _, _, weights = model.decoder(tgt, hidden, enc_out, mask)
    w = weights.detach().numpy()                                 # (B, T, S)
    assert w.shape == (3, tgt.shape[0], src.shape[0])
    real = np.arange(src.shape[0])[None, :] < lengths.numpy()[:, None]
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose((w * real[:, None, :]).sum(-1), 1.0, rtol=1e-5)
    assert np.all(w[~np.broadcast_to(real[:, None, :], w.shape)] == 0.0)
    assert np.all(w[np.broadcast_to(real[:, None, :], w.shape)] > 0.0)


@pytest.mark.parametrize("arch,cell", [("attention", "gru"), ("seq2seq", "lstm")])
def test_beam_size_one_equals_greedy(arch, cell):
    mg.manual_seed(3)
    model = M.build_model(15, 15, arch=arch, cell=cell, layers=1, embed_dim=8, hidden=16,
                          dropout=0.0).eval()
    seqs = [[4, 5, 6, 7, 8], [9, 10], [11, 12, 13], [4, 4, 4, 4, 4, 4, 4]]
    src, lengths, _ = _batch(seqs)
    greedy = M.greedy_decode(model, src, lengths, SOS, EOS, max_len=12)
    beam = M.beam_search(model, src, lengths, SOS, EOS, beam_size=1, max_len=12)
    assert [g[0] for g in greedy] == [b[0] for b in beam]
    for (_, ga), (_, ba) in zip(greedy, beam):
        if arch == "attention":
            np.testing.assert_allclose(ga, ba, rtol=1e-6)
        else:
            assert ga is None and ba is None
    wide = M.beam_search(model, src, lengths, SOS, EOS, beam_size=4, max_len=12)
    assert all(len(seq) <= 12 and EOS not in seq for seq, _ in wide)


class ScriptedModel(nn.Module):
    """A stand-in Seq2Seq whose decoder emits script[row][step] (state = [row, step] per hypothesis)."""

    def __init__(self, script, vocab=12):
        super().__init__()
        self.script, self.vocab = np.asarray(script), vocab
        self.decoder = self._decode

    def encode(self, src, src_lengths):
        batch = src.shape[1]
        state = np.stack([np.arange(batch), np.zeros(batch)], axis=1)[None].astype(np.float32)
        mask = mg.ones(batch, src.shape[0]) > 0
        return mg.zeros(src.shape[0], batch, 1), mg.tensor(state), mask

    def _decode(self, tokens, hidden, enc_outputs, mask):
        state = hidden.numpy()[0].astype(int)
        logits = np.full((1, state.shape[0], self.vocab), -5.0, dtype=np.float32)
        for i, (row, step) in enumerate(state):
            logits[0, i, self.script[row, min(step, self.script.shape[1] - 1)]] = 5.0
        state[:, 1] += 1
        return mg.tensor(logits), mg.tensor(state[None].astype(np.float32)), None


@pytest.mark.parametrize("beam_size", [1, 3])
def test_decoding_stops_at_eos_and_respects_max_len(beam_size):
    script = [[5, 6, 7, EOS, 8, 8, 8, 8, 8, 8],
              [EOS, 5, 5, 5, 5, 5, 5, 5, 5, 5],
              [9, 9, 9, 9, 9, 9, 9, 9, 9, 9]]  # never ends
    src, lengths, _ = _batch([[4], [4], [4]])
    model = ScriptedModel(script)
    out = M.decode(model, src, lengths, SOS, EOS, beam_size=beam_size, max_len=6)
    assert [seq for seq, _ in out] == [[5, 6, 7], [], [9] * 6]
    out = M.decode(model, src, lengths, SOS, EOS, beam_size=beam_size, max_len=2)
    assert [seq for seq, _ in out] == [[5, 6], [], [9, 9]]


def test_teacher_forcing_is_reproducible_with_minigrad_seed():
    model = M.build_model(15, 15, arch="attention", cell="gru", embed_dim=8, hidden=16, dropout=0.2)
    src, lengths, tgt = _batch([[4, 5, 6, 7], [8, 9]])
    mg.manual_seed(7)
    a = model(src, lengths, tgt, teacher_forcing_ratio=0.5).detach().numpy()
    mg.manual_seed(7)
    b = model(src, lengths, tgt, teacher_forcing_ratio=0.5).detach().numpy()
    assert a.shape == (tgt.shape[0] - 1, 2, 15)
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------- the scripts
def _run(script, *args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MINIGRAD_DATA=DATA_DIR,
               PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLE, script), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_learns_to_reverse_sequences():
    """The whole stack (embedding, packed GRU, attention, loss, Adam) learns a reversal task."""
    text = _run("synthetic.py", "--task", "reverse", "--steps", 300)
    accuracy = float(text.split("token accuracy")[1].split()[0])
    assert accuracy > 0.95, text


TINY = ["--limit", 48, "--batch-size", 16, "--embed-dim", 16, "--hidden", 24, "--no-progress",
        "--data-dir", DATA_DIR]


@needs_data
def test_train_evaluate_translate_smoke(tmp_path):
    out = tmp_path / "run"
    assert "--teacher-forcing" in _run("train.py", "--help")
    log = _run("train.py", *TINY, "--epochs", 1, "--out", out)
    assert "epoch  1" in log and "saved best.ckpt" in log
    for name in ("best.ckpt", "last.ckpt", "metrics.csv", "metrics.json"):
        assert (out / name).exists()
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert len(history) == 1 and np.isfinite(history[0]["valid_loss"])
    _run("evaluate.py", "--checkpoint", out / "best.ckpt", "--data-dir", DATA_DIR, "--limit", 20,
         "--beam-size", 2, "--json", out / "eval.json")
    report = json.loads((out / "eval.json").read_text())
    assert report["pairs"] == 20 and np.isfinite(report["ppl"])
    plot = out / "attention.png"
    text = _run("translate.py", "--checkpoint", out / "best.ckpt", "--attention-plot", plot,
                "ein mann fährt fahrrad .")
    assert text.strip()
    if importlib.util.find_spec("matplotlib") is not None:
        assert plot.exists() and (out / "loss_curve.png").exists()
    # sentences of different lengths decoded in one batch: each attention map has its own width
    check = (f"import sys; sys.path.insert(0, {EXAMPLE!r})\n"
             "import numpy as np\n"
             "from train import load_checkpoint\n"
             "from evaluate import translate_tokens\n"
             "model, sv, tv, cfg = load_checkpoint(sys.argv[1])\n"
             "srcs = [['ein', 'mann', '.'], 'zwei junge frauen sitzen auf einer bank .'.split()]\n"
             "for beam in (1, 2):\n"
             "    for src, (_, attn) in zip(srcs, translate_tokens(model, sv, tv, cfg, srcs, beam)):\n"
             "        attn = np.asarray(attn)\n"
             "        assert attn.shape[1] == len(src) + 2, (attn.shape, len(src))\n"
             "        assert np.allclose(attn.sum(axis=1), 1)\n"
             "print('widths ok')\n")
    proc = subprocess.run([sys.executable, "-c", check, str(out / "best.ckpt")], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert "widths ok" in proc.stdout, proc.stderr[-3000:]


@needs_data
def test_warmup_raises_the_learning_rate_linearly(tmp_path):
    _run("train.py", *TINY, "--epochs", 1, "--lr", 0.004, "--warmup", 1000, "--label-smoothing", 0.1,
         "--out", tmp_path / "run")
    ckpt = mg.load(str(tmp_path / "run" / "last.ckpt"))
    steps = ckpt["optimizer"]["state"][0]["step"]             # Adam counts the steps it took
    assert steps >= 3
    assert ckpt["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.004 * steps / 1000)
    assert ckpt["config"]["label_smoothing"] == 0.1 and ckpt["config"]["warmup"] == 1000


@pytest.mark.slow
@needs_data
def test_resume_continues_exactly(tmp_path):
    opts = TINY + ["--dropout", 0.3, "--teacher-forcing", 0.5, "--arch", "attention", "--cell", "lstm",
                   "--warmup", 5, "--label-smoothing", 0.1]     # the schedule goes on across the stop
    _run("train.py", *opts, "--epochs", 2, "--out", tmp_path / "straight")
    _run("train.py", *opts, "--epochs", 1, "--out", tmp_path / "resumed")
    _run("train.py", "--resume", "--epochs", 2, "--out", tmp_path / "resumed", "--no-progress")
    a, b = (mg.load(str(tmp_path / d / "last.ckpt")) for d in ("straight", "resumed"))
    assert a["epoch"] == b["epoch"] == 2
    assert a["model"].keys() == b["model"].keys()
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key].numpy(), b["model"][key].numpy())
    assert a["history"][-1]["valid_loss"] == b["history"][-1]["valid_loss"]
