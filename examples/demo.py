"""A one-minute tour of minigrad: an LSTM learns to tell which of two marked digits in a noisy
sequence is larger (a many-to-one task that needs memory across time steps).

    python examples/demo.py            # CPU
    MINIGRAD_BACKEND=cupy python examples/demo.py   # GPU
"""
import argparse
import time

from tqdm import tqdm

import minigrad as mg
import minigrad.nn as nn


def make_batch(batch, steps, gen):
    """Sequences of (digit/9, marker) pairs; the label says whether the first marked digit is larger."""
    digits = gen.integers(0, 10, size=(batch, steps))
    marks = mg.backend.np.zeros((batch, steps), dtype="float32")
    first = gen.integers(0, steps // 2, size=batch)
    second = gen.integers(steps // 2, steps, size=batch)
    rows = mg.backend.np.arange(batch)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    labels = (digits[rows, first] > digits[rows, second]).astype("int64")
    x = mg.backend.np.stack([digits / 9.0, marks], axis=-1).astype("float32")
    return mg.tensor(x), mg.tensor(labels)


class Classifier(nn.Module):
    """LSTM over the sequence, then a linear layer on the last hidden state."""

    def __init__(self, hidden):
        super().__init__()
        self.rnn = nn.LSTM(2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x):
        _, (h_n, _) = self.rnn(x)
        return self.head(h_n[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="training batches")
    parser.add_argument("--seq-len", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    mg.manual_seed(args.seed)
    gen = mg.backend.np.random.default_rng(args.seed)
    model = Classifier(args.hidden)
    print(model)
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    bar = tqdm(range(args.steps), desc=f"training on {mg.get_backend()}")
    for _ in bar:
        x, y = make_batch(64, args.seq_len, gen)
        logits = model(x)
        loss = loss_fn(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()
    with mg.no_grad():
        x, y = make_batch(2000, args.seq_len, gen)
        acc = (model(x).argmax(dim=1) == y).float().mean().item()
    print(f"held-out accuracy {acc:.1%} after {args.steps} steps ({time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
