"""clip_grad_norm_ / clip_grad_value_ against PyTorch, and the model summary table."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_, summary
from conftest import mg_from_np, requires_torch, to_np, torch

SHAPES = [(3, 4), (5,), (2, 2, 2)]


def _grads_pair(dtype, scale):
    rng = np.random.default_rng(0)
    grads = [(rng.standard_normal(s) * scale).astype(dtype) for s in SHAPES]
    mp, tp = [], []
    for g in grads:
        p = nn.Parameter(mg_from_np(np.zeros_like(g)))
        p.grad = mg_from_np(g)
        mp.append(p)
        q = torch.nn.Parameter(torch.zeros(g.shape, dtype=getattr(torch, np.dtype(dtype).name)))
        q.grad = torch.tensor(g)
        tp.append(q)
    return mp, tp


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    mp, tp = _grads_pair(dtype, 2.0)
    m_total = clip_grad_norm_(mp, max_norm, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    tol = dict(rtol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    assert isinstance(m_total, mg.Tensor) and m_total.shape == ()
    np.testing.assert_allclose(to_np(m_total), t_total.numpy(), **tol)
    for a, b in zip(mp, tp):
        np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), **tol)


def test_clip_grad_norm_details():
    p = nn.Parameter(mg.zeros(2))
    p.grad = mg.tensor([3.0, 4.0])
    total = clip_grad_norm_(p, 1.0)  # a single tensor is accepted
    assert float(total) == pytest.approx(5.0)
    np.testing.assert_allclose(to_np(p.grad), [0.6, 0.8], rtol=1e-5)
    assert float(clip_grad_norm_([nn.Parameter(mg.zeros(2))], 1.0)) == 0.0  # no gradients
    p.grad = mg.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@requires_torch
def test_clip_grad_value_matches_torch():
    mp, tp = _grads_pair(np.float64, 1.0)
    assert clip_grad_value_(mp, 0.5) is None
    torch.nn.utils.clip_grad_value_(tp, 0.5)
    for a, b in zip(mp, tp):
        np.testing.assert_array_equal(to_np(a.grad), b.grad.numpy())


# ---------------------------------------------------------------------------------- summary
class PairOut(nn.Module):
    """A layer with a tuple output (like an LSTM's (output, (h, c)))."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 6)

    def forward(self, x):
        y = self.proj(x)
        return y, (y[:, -1], y[:, 0])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(mg.randn(10, 4))
        self.rnn_like = PairOut()
        self.head = nn.Sequential(nn.Linear(6, 3), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, idx):
        out, (h, c) = self.rnn_like(self.embedding(idx))
        return self.head(h)


def test_summary_table(capsys):
    model = Model()
    text = summary(model, mg.tensor([[1, 2, 3], [4, 5, 6]]))
    assert capsys.readouterr().out.strip() == text.strip()
    lines = text.splitlines()
    row = {line.split()[0]: line for line in lines if line.strip() and line.split()[0] in
           {"embedding", "rnn_like", "proj", "head", "0", "1", "2"}}
    assert "Embedding" in row["embedding"] and "[2, 3, 4]" in row["embedding"]
    assert row["embedding"].rstrip().endswith("40")
    assert "([2, 3, 6], ([2, 6], [2, 6]))" in row["rnn_like"]
    assert "[2, 3]" in row["0"] and row["0"].rstrip().endswith("21")
    assert row["head"].rstrip().endswith("21") and row["rnn_like"].rstrip().endswith("30")
    assert "Total params: 91" in text
    assert "Trainable params: 51" in text
    assert "Non-trainable params: 40" in text
    assert "Output shape: [2, 3]" in text


def test_summary_leaves_model_untouched():
    model = Model()
    mg.manual_seed(5)
    expected = to_np(mg.rand(3))
    mg.manual_seed(5)
    text = model.summary(mg.tensor([[1, 2]]))
    assert to_np(mg.rand(3)).tolist() == expected.tolist()  # the random stream is not consumed
    assert all(not m._forward_hooks for m in model.modules())
    assert model.training
    assert "Total params: 91" in text
    single = summary(nn.Linear(3, 2), mg.randn(5, 3))
    assert "[5, 2]" in single and "Total params: 8" in single
