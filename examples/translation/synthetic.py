"""A seconds-long sanity check of the translation stack: learn to copy or reverse random sequences.

    python examples/translation/synthetic.py --task reverse      # prints the greedy token accuracy
"""
import argparse
import time

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data import pad_batch

from model import build_model, greedy_decode

PAD, SOS, EOS, FIRST = 0, 2, 3, 4  # the same special indices as the real vocabularies


def make_batch(seqs, task):
    """Time-major src (S, B), lengths (B,) and tgt (T, B) for the copy / reverse task."""
    src, lengths = pad_batch([[SOS] + s + [EOS] for s in seqs], PAD, batch_first=False)
    tgt, _ = pad_batch([[SOS] + (s[::-1] if task == "reverse" else s) + [EOS] for s in seqs], PAD,
                       batch_first=False)
    return src, lengths, tgt


def token_accuracy(model, seqs, task, max_len):
    """Share of gold target tokens (with <eos>) that greedy decoding gets right, position by position."""
    src, lengths, _ = make_batch(seqs, task)
    correct = total = 0
    for s, (hyp, _) in zip(seqs, greedy_decode(model.eval(), src, lengths, SOS, EOS, max_len)):
        gold = (s[::-1] if task == "reverse" else s) + [EOS]
        correct += sum(a == b for a, b in zip(gold, hyp + [EOS]))
        total += len(gold)
    return correct / total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", default="reverse", choices=["copy", "reverse"])
    p.add_argument("--arch", default="attention", choices=["seq2seq", "attention", "transformer"],
                   help="the Transformer: 2 layers, 4 heads, d_model 32, feed-forward --hidden")
    p.add_argument("--cell", default="gru", choices=["lstm", "gru"])
    p.add_argument("--symbols", type=int, default=8, help="number of distinct tokens")
    p.add_argument("--min-len", type=int, default=3)
    p.add_argument("--max-len", type=int, default=7)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    vocab = FIRST + args.symbols

    def sample(n):
        return [rng.integers(FIRST, vocab, rng.integers(args.min_len, args.max_len + 1)).tolist()
                for _ in range(n)]

    size = dict(embed_dim=32, layers=2, heads=4) if args.arch == "transformer" else dict(embed_dim=16)
    model = build_model(vocab, vocab, arch=args.arch, cell=args.cell, hidden=args.hidden, dropout=0.0,
                        **size)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, args.steps)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    t0 = time.time()
    for step in range(args.steps):
        src, lengths, tgt = make_batch(sample(args.batch_size), args.task)
        optimizer.zero_grad()
        logits = model(src, lengths, tgt)
        loss = criterion(logits.reshape(-1, vocab), tgt[1:].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
    accuracy = token_accuracy(model, sample(200), args.task, args.max_len + 3)
    print(f"{args.task}: final loss {loss.item():.4f}, token accuracy {accuracy:.4f} "
          f"({args.steps} steps, {time.time() - t0:.1f}s)")
    return accuracy


if __name__ == "__main__":
    main()
