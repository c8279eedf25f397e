"""Train a recurrent sentiment classifier (SST-2, IMDB, Rotten Tomatoes or NSMC) with minigrad.

    python examples/sentiment/train.py --data-dir ../shared/data           # SST-2, BiLSTM, CPU
    python examples/sentiment/train.py --dataset imdb --batch-size 32 --epochs 4
    MINIGRAD_BACKEND=cupy python examples/sentiment/train.py --dataset nsmc
    python examples/sentiment/train.py --resume                             # continue runs/sentiment
    mpiexec -n 2 python examples/sentiment/train.py --distributed          # 2 processes (DDP)

Writes best.ckpt, last.ckpt, metrics.csv, metrics.json and curves.png into --out. --resume continues
a stopped run with all of its settings; an option given again on the command line overrides the
saved one (e.g. --epochs 10 to train longer), and the run says so. Ctrl-C stops with one line saying
what was saved and the command that continues.
"""
import argparse
import csv
import io
import json
import os
import sys
import time

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data import (BucketBatchSampler, DataLoader, DatasetNotFoundError, TextCollate,
                           Vocab, datasets, random_split)
from minigrad.distributed.data_parallel import DataParallelContext
from minigrad.nn.utils import clip_grad_norm_
from minigrad.utils import atomic_write, runs
from tqdm import tqdm

from model import POOLS, RNNS, build_model, make_tokenizer

LABELS = ["negative", "positive"]
TOKENIZERS = {"sst2": "word", "imdb": "word", "rt": "word", "nsmc": "char"}
# Flags the checkpoint's model and vocabulary depend on: a resumed run cannot change them.
FIXED = ("dataset", "model", "layers", "bidirectional", "pool", "embed_dim", "hidden", "tokenizer",
         "min_freq")
PROGRESS = runs.Progress()  # what has been saved so far, for the one-line Ctrl-C message


def parse_args(argv=None):
    """The command-line options, and the set of those given explicitly (they win over a resumed
    run's saved settings)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=sorted(TOKENIZERS), default="sst2")
    p.add_argument("--model", choices=sorted(RNNS), default="lstm")
    p.add_argument("--layers", type=int, default=1, help="stacked recurrent layers")
    p.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--pool", choices=POOLS, default="both",
                   help="features: final hidden states, max over time of the outputs, or both")
    p.add_argument("--embed-dim", type=int, default=128)
    p.add_argument("--hidden", type=int, default=128, help="hidden size per direction")
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    p.add_argument("--max-len", type=int, default=400, help="tokens kept per text (its start)")
    p.add_argument("--min-freq", type=int, default=2, help="min training count for a vocab entry")
    p.add_argument("--tokenizer", choices=("word", "char"), default=None,
                   help="default: char for nsmc (Korean), word otherwise")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=None,
                   help="dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets)")
    p.add_argument("--out", default=os.path.join("runs", "sentiment"), help="output directory")
    p.add_argument("--resume", nargs="?", const="", default=None, metavar="CKPT",
                   help="continue from CKPT (default: OUT/last.ckpt)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N training examples")
    p.add_argument("--max-batches", type=int, default=None, help="stop each epoch after N batches")
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="log per-step loss, lr, grad norm and tokens/s to TensorBoard event files in DIR")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="tqdm progress bars")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes of `mpiexec -n N` (--batch-size is global)")
    args = p.parse_args(argv)
    if args.tokenizer is None:
        args.tokenizer = TOKENIZERS[args.dataset]
    if args.data_dir:  # a resumed run may start from another folder
        args.data_dir = os.path.abspath(args.data_dir)
    return args, runs.explicit_options(p, argv)


def load_splits(name, root):
    """(train, dev, test) lists of (text, label); IMDB and NSMC hold out 10% of train as dev."""
    if name == "sst2":
        return tuple(datasets.sst2(s, root=root) for s in ("train", "dev", "test"))
    if name == "rt":  # no official split: the loader's fixed 80/10/10 split
        return tuple(datasets.rotten_tomatoes(s, root=root) for s in ("train", "dev", "test"))
    load = datasets.imdb if name == "imdb" else datasets.nsmc
    train, test = load("train", root=root), load("test", root=root)
    n_dev = len(train) // 10
    dev, rest = random_split(train, [n_dev, len(train) - n_dev], seed=1234)  # fixed, not --seed
    return [train[i] for i in rest.indices], [train[i] for i in dev.indices], test


def encode(token_lists, pairs, vocab, max_len):
    """[(token ids, label)] from tokenized texts and their (text, label) pairs; empty -> [<unk>]."""
    return [(vocab.lookup_indices(toks[:max_len]) or [vocab.unk_index], y)
            for toks, (_, y) in zip(token_lists, pairs)]


def make_loader(data, batch_size, shuffle, pad, seed=0):
    """Batches (tokens, lengths, labels) of similar-length texts on the default device."""
    sampler = BucketBatchSampler([len(ids) for ids, _ in data], batch_size, shuffle=shuffle, seed=seed)
    return DataLoader(data, batch_sampler=sampler, collate_fn=TextCollate(pad_value=pad))


def run_epoch(model, loader, loss_fn, optimizer=None, clip=None, desc="", max_batches=None,
              progress=True, log=None):
    """One pass over `loader`, training when an optimizer is given; returns (mean loss, accuracy)."""
    training = optimizer is not None
    model.train(training)
    total = max_batches if max_batches is not None else len(loader)
    bar = tqdm(loader, desc=desc, total=min(total, len(loader)), leave=training,
               disable=not progress, dynamic_ncols=True)
    loss_sum, correct, seen = 0.0, 0, 0
    with mg.set_grad_enabled(training):
        for step, (tokens, lengths, labels) in enumerate(bar):
            if step == total:
                break
            logits = model(tokens, lengths)
            loss = loss_fn(logits, labels)
            if training:
                optimizer.zero_grad()
                loss.backward()
                grad_norm = clip_grad_norm_(model.parameters(), clip)
                optimizer.step()
                if log is not None:
                    log(loss.item(), grad_norm.item(), int(lengths.sum().item()))
            n = labels.shape[0]
            loss_sum += loss.item() * n
            correct += int((logits.argmax(1) == labels).sum().item())
            seen += n
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
    bar.close()
    return loss_sum / max(seen, 1), correct / max(seen, 1)


class TensorBoardLog:
    """--tensorboard DIR: per-step train/loss, train/lr, train/grad_norm and train/tokens_per_s."""

    def __init__(self, log_dir, optimizer, step=0):
        from minigrad.utils.tensorboard import SummaryWriter  # optional extra: .[tensorboard]
        self.writer = SummaryWriter(log_dir, purge_step=step or None)
        self.optimizer, self.step, self.clock = optimizer, step, time.perf_counter()

    def __call__(self, loss, grad_norm, tokens):
        now, self.step = time.perf_counter(), self.step + 1
        for name, value in (("loss", loss), ("lr", self.optimizer.param_groups[0]["lr"]),
                            ("grad_norm", grad_norm), ("tokens_per_s", tokens / max(now - self.clock, 1e-9))):
            self.writer.add_scalar("train/" + name, value, self.step)
        self.clock = now


def load_pyplot():
    """matplotlib.pyplot (Agg backend), or None after a one-line notice when it is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): skipping curves.png")
        return None
    return plt


def write_metrics(out, history, summary, plt):
    """metrics.csv, metrics.json and (with matplotlib) curves.png in `out`."""
    fields = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: row[k] for k in fields} for row in history)
    atomic_write(os.path.join(out, "metrics.csv"), buf.getvalue())
    atomic_write(os.path.join(out, "metrics.json"),
                 json.dumps(dict(summary, history=history), indent=1, ensure_ascii=False) + "\n")
    if plt is None or not history:
        return
    epochs = [row["epoch"] for row in history]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("loss", "acc")):
        ax.plot(epochs, [row["train_" + key] for row in history], "o-", label="train")
        ax.plot(epochs, [row["val_" + key] for row in history], "o-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.set_ylabel("accuracy" if key == "acc" else "cross-entropy loss")
        ax.grid(alpha=0.3)
        ax.legend()
    c = summary["config"]
    fig.suptitle(f"{c['dataset']}: {'bi' if c['bidirectional'] else ''}{c['model'].upper()}, "
                 f"{c['layers']} layer(s), hidden {c['hidden']}")
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, dpi=100, format="png")
    plt.close(fig)
    atomic_write(os.path.join(out, "curves.png"), png.getvalue())


def main(argv=None):
    """Train, validate each epoch, keep the best checkpoint, then report its test accuracy."""
    args, explicit = parse_args(argv)
    state = None
    if args.resume is not None:
        path = args.resume or os.path.join(args.out, "last.ckpt")
        if not os.path.isfile(path):
            sys.exit(f"error: nothing to resume: {path} does not exist")
        state = mg.load(path)
        if "out" not in explicit:  # the run goes on in the folder of its checkpoint
            args.out = os.path.dirname(path) or "."
        changed = runs.resume_options(args, state["config"], explicit, fixed=FIXED,
                                      ignore=("resume", "out", "progress", "distributed"))
        print(f"resuming {path} after epoch {state['epoch']} of {args.epochs}"
              + "".join(f"\n  changed: {note}" for note in changed))
        given = sys.argv[1:] if argv is None else argv  # a Ctrl-C before the next save continues
        PROGRESS.saved(path, state["epoch"], runs.without_resume(given))  # with these options again
    PROGRESS.epochs = args.epochs
    config = {k: v for k, v in vars(args).items() if k not in ("resume", "distributed")}
    config["labels"] = LABELS
    dp = DataParallelContext(args.distributed)  # ranks > 0: no output, files in a temporary dir
    args.out, args.progress = dp.private_out(args.out), args.progress and dp.is_main
    args.tensorboard = args.tensorboard if dp.is_main else None
    os.makedirs(args.out, exist_ok=True)
    mg.manual_seed(args.seed)
    start_time = time.time()

    try:
        train, dev, test = load_splits(args.dataset, args.data_dir)
    except DatasetNotFoundError as e:
        sys.exit(f"error: {e}")
    if args.limit:
        train = train[:args.limit]
    tokenizer = make_tokenizer(args.tokenizer)
    train_tokens = [tokenizer(t) for t, _ in train]
    if state is not None:
        vocab = Vocab.from_dict(state["vocab"])
    else:
        vocab = Vocab.build(train_tokens, min_freq=args.min_freq, specials=("<pad>", "<unk>"))
    pad = vocab.pad_index
    train_data = encode(train_tokens, train, vocab, args.max_len)
    dev_data, test_data = (encode([tokenizer(t) for t, _ in d], d, vocab, args.max_len)
                           for d in (dev, test))
    print(f"{args.dataset}: train {len(train_data)}, dev {len(dev_data)}, test {len(test_data)}; "
          f"vocab {len(vocab)} ({args.tokenizer} tokens, min_freq {args.min_freq}); "
          f"device {mg.backend.default_device()}")

    model = build_model(config, len(vocab), pad)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    train_loader = dp.shard_loader(make_loader(train_data, args.batch_size, True, pad, seed=args.seed))
    dev_loader = make_loader(dp.eval_shard(dev_data), 256, False, pad)
    history, best_acc, best_epoch, start = [], -1.0, 0, 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        train_loader.batch_sampler.load_state_dict(state["sampler"])
        mg.set_rng_state(state["rng"])
        history, best_acc, best_epoch, start = (list(state["history"]), state["best_val_acc"],
                                                state["best_epoch"], state["epoch"])
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
    plt = load_pyplot()
    best_path, last_path = os.path.join(args.out, "best.ckpt"), os.path.join(args.out, "last.ckpt")
    net = dp.wrap(model)  # DistributedDataParallel under --distributed: gradients averaged
    steps_per_epoch = min(len(train_loader), args.max_batches or len(train_loader))
    log = args.tensorboard and TensorBoardLog(args.tensorboard, optimizer, start * steps_per_epoch)

    for epoch in range(start + 1, args.epochs + 1):
        # CuPy's generator state cannot be saved, so each epoch re-seeds every generator from the
        # cpu one, whose state the checkpoints carry: a resumed run draws the same dropout masks.
        mg.manual_seed(int(mg.randint(0, 2 ** 62, (1,), device="cpu").item()))
        train_loader.set_epoch(epoch - 1)
        t0 = time.time()
        train_loss, train_acc = dp.mean(run_epoch(net, train_loader, loss_fn, optimizer, args.clip,
                                                  f"epoch {epoch}/{args.epochs}", args.max_batches,
                                                  args.progress, log or None))
        val_loss, val_acc = dp.mean(run_epoch(model, dev_loader, loss_fn, desc="validation",
                                              progress=args.progress), len(dev_loader.dataset))
        history.append({"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
                        "val_loss": val_loss, "val_acc": val_acc, "seconds": time.time() - t0})
        improved = val_acc > best_acc
        if improved:
            best_acc, best_epoch = val_acc, epoch
            mg.save({"model": model.state_dict(), "vocab": vocab.to_dict(), "config": config,
                     "epoch": epoch, "val_acc": val_acc}, best_path)
        mg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "vocab": vocab.to_dict(), "config": config, "epoch": epoch, "history": history,
                 "best_val_acc": best_acc, "best_epoch": best_epoch, "rng": mg.get_rng_state(),
                 "sampler": train_loader.batch_sampler.state_dict()}, last_path)
        PROGRESS.saved(last_path, epoch)
        write_metrics(args.out, history, {"config": config, "best_epoch": best_epoch,
                                          "best_val_acc": best_acc}, plt)
        tqdm.write(f"epoch {epoch}: train loss {train_loss:.4f} acc {train_acc:.4f} | val loss "
                   f"{val_loss:.4f} acc {val_acc:.4f} | {time.time() - t0:.1f}s"
                   + ("  (best)" if improved else ""))

    if log:
        log.writer.close()
    best = mg.load(best_path)
    model.load_state_dict(best["model"])
    test_shard = dp.eval_shard(test_data)
    test_loss, test_acc = dp.mean(run_epoch(model, make_loader(test_shard, 256, False, pad), loss_fn,
                                            desc="test", progress=args.progress), len(test_shard))
    write_metrics(args.out, history, {"config": config, "best_epoch": best_epoch,
                                      "best_val_acc": best_acc, "test_loss": test_loss,
                                      "test_acc": test_acc}, None)
    print(f"test accuracy {test_acc:.4f} (loss {test_loss:.4f}) with the best checkpoint: epoch "
          f"{best['epoch']}, val accuracy {best['val_acc']:.4f}; {time.time() - start_time:.0f}s total")
    return test_acc


if __name__ == "__main__":
    with runs.stop_cleanly(PROGRESS):
        main()
