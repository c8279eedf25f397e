"""End to end: an MLP (Linear, Tanh, CrossEntropyLoss, Adam) learns the two-spirals problem to > 99%."""
import numpy as np

import minigrad as mg
import minigrad.nn as nn


def two_spirals(n_per_class, noise, rng):
    """Two interleaved spirals in 2-D: points (2n, 2) float32 and labels (2n,) int64."""
    t = np.sqrt(rng.uniform(size=n_per_class)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    x = np.concatenate([arm, -arm]) + rng.normal(scale=noise, size=(2 * n_per_class, 2))
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)]).astype(np.int64)
    return (x / (3 * np.pi)).astype(np.float32), y


def _adam(params, lr):
    """minigrad.optim.Adam when present, else a minimal inline Adam with the same update rule."""
    try:
        from minigrad.optim import Adam
        return Adam(params, lr=lr)
    except ImportError:  # pragma: no cover - optim is developed separately
        return _InlineAdam(params, lr)


class _InlineAdam:
    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = list(params), lr, betas, eps, 0
        self.m = [np.zeros(p.shape, np.float32) for p in self.params]
        self.v = [np.zeros(p.shape, np.float32) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.t += 1
        b1, b2 = self.betas
        with mg.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                g = p.grad.detach().numpy()
                m[...] = b1 * m + (1 - b1) * g
                v[...] = b2 * v + (1 - b2) * g * g
                upd = self.lr * (m / (1 - b1 ** self.t)) / (np.sqrt(v / (1 - b2 ** self.t)) + self.eps)
                p.sub_(mg.tensor(upd, device=p.device))


def test_mlp_learns_two_spirals():
    rng = np.random.default_rng(0)
    x_np, y_np = two_spirals(500, 0.05, rng)
    x, y = mg.tensor(x_np), mg.tensor(y_np)
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                          nn.Linear(64, 2))
    loss_fn = nn.CrossEntropyLoss()
    opt = _adam(model.parameters(), lr=0.01)
    for epoch in range(1500):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if epoch % 100 == 99:
            with mg.no_grad():
                acc = (model(x).argmax(1) == y).float().mean().item()
            if acc > 0.995:
                break
    model.eval()
    with mg.no_grad():
        acc = (model(x).argmax(1) == y).float().mean().item()
    assert acc > 0.99, f"accuracy {acc:.4f} after {epoch + 1} epochs (loss {loss.item():.4f})"
