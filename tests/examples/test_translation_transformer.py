"""The translation example's Transformer (--arch transformer): step-by-step decoding equals the
teacher-forced pass (the causal mask hides the future), positions, attention maps, decoding, and the
train / translate scripts."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import pad_batch

from conftest import DATA_DIR, load_example_model

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "translation")
HAS_MULTI30K = os.path.isdir(os.path.join(DATA_DIR, "multi30k"))
PAD, SOS, EOS = 0, 2, 3

M = load_example_model("translation")


def _load_transformer_model():
    """examples/translation/transformer_model.py, registered under the name model.py imports it by
    (the example's folder is on sys.path when its scripts run, not in the tests)."""
    spec = importlib.util.spec_from_file_location("transformer_model",
                                                  os.path.join(EXAMPLE, "transformer_model.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["transformer_model"] = module
    spec.loader.exec_module(module)
    return module


TM = _load_transformer_model()


def _batch(seqs):
    src, lengths = pad_batch([[SOS] + s + [EOS] for s in seqs], PAD, batch_first=False)
    tgt, _ = pad_batch([[SOS] + s[::-1] + [EOS] for s in seqs], PAD, batch_first=False)
    return src, lengths, tgt


def _model(positions="sinusoidal"):
    mg.manual_seed(2)
    return M.build_model(20, 20, arch="transformer", layers=2, embed_dim=16, hidden=24, dropout=0.0,
                         heads=4, positions=positions).eval()


@pytest.mark.parametrize("positions", ["sinusoidal", "learned"])
def test_stepwise_decoding_equals_teacher_forced_pass(positions):
    model = _model(positions)
    src, lengths, tgt = _batch([[5, 6, 7, 8, 9], [10, 11]])
    full = model(src, lengths, tgt).detach().numpy()                    # (T - 1, B, V)
    memory, prefix, mask = model.encode(src, lengths)
    steps = []
    for t in range(tgt.shape[0] - 1):
        logits, prefix, _ = model.decoder(tgt[t:t + 1], prefix, memory, mask)
        steps.append(logits.detach().numpy()[0])
    np.testing.assert_allclose(np.stack(steps), full, rtol=1e-4, atol=1e-5)
    assert prefix.shape == (tgt.shape[0] - 1, 2)


def test_sinusoidal_table():
    table = TM.sinusoidal_table(50, 6)
    p, i = 7, 1
    assert np.isclose(table[p, 2 * i], np.sin(p / 10000 ** (2 * i / 6)))
    assert np.isclose(table[p, 2 * i + 1], np.cos(p / 10000 ** (2 * i / 6)))
    assert TM.sinusoidal_table(3, 5).shape == (3, 5)
    with pytest.raises(ValueError, match="positions"):
        M.build_model(10, 10, arch="transformer", embed_dim=8, hidden=8, heads=2, positions="rotary")


def test_attention_maps_per_layer_and_head_skip_padding():
    model = _model()
    src, lengths, tgt = _batch([[5, 6, 7, 8, 9], [10, 11]])
    maps = TM.attention_maps(model, src, lengths, tgt)
    assert maps.shape == (2, 2, 4, tgt.shape[0], src.shape[0])     # layers, batch, heads, T, S
    np.testing.assert_allclose(maps.sum(-1), 1.0, rtol=1e-5)
    assert np.all(maps[:, 1, :, :, 4:] == 0)                         # sentence 2 has 4 real tokens
    assert model.decoder.training is False


def test_beam_size_one_equals_greedy_and_beams_end_properly():
    model = _model()
    src, lengths, _ = _batch([[4, 5, 6, 7], [9, 10], [11, 12, 13]])
    greedy = M.greedy_decode(model, src, lengths, SOS, EOS, max_len=8)
    beam = M.beam_search(model, src, lengths, SOS, EOS, beam_size=1, max_len=8)
    assert [g[0] for g in greedy] == [b[0] for b in beam]
    for (_, ga), (_, ba) in zip(greedy, beam):
        np.testing.assert_allclose(ga, ba, rtol=1e-5, atol=1e-6)
    wide = M.beam_search(model, src, lengths, SOS, EOS, beam_size=3, max_len=8)
    assert all(len(seq) <= 8 and EOS not in seq for seq, _ in wide)


def _run(script, *args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MINIGRAD_DATA=DATA_DIR,
               PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLE, script), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_transformer_learns_to_reverse_sequences():
    text = _run("synthetic.py", "--arch", "transformer", "--task", "reverse", "--steps", 200,
                "--lr", 0.005)
    accuracy = float(text.split("token accuracy")[1].split()[0])
    assert accuracy > 0.9, text


@pytest.mark.skipif(not HAS_MULTI30K, reason=f"Multi30k not found under {DATA_DIR}")
def test_train_and_translate_with_per_head_plot(tmp_path):
    out = tmp_path / "run"
    log = _run("train.py", "--arch", "transformer", "--limit", 48, "--batch-size", 16, "--embed-dim", 16,
               "--hidden", 24, "--heads", 2, "--layers", 1, "--positions", "learned", "--no-progress",
               "--data-dir", DATA_DIR, "--epochs", 1, "--out", out)
    assert "saved best.ckpt" in log
    plot = out / "attention.png"
    text = _run("translate.py", "--checkpoint", out / "best.ckpt", "--beam-size", 2,
                "--attention-plot", plot, "ein mann fährt fahrrad .")
    assert text.strip()
    if importlib.util.find_spec("matplotlib") is not None:
        assert plot.exists()
