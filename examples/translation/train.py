"""Train a sequence-to-sequence translation model (Multi30k de->en by default; Tatoeba kor-eng and
fra-eng too). The defaults are a small attention model that trains on a laptop CPU; README.md has
the classic PyTorch-tutorial configuration.

    python examples/translation/train.py --data-dir ../shared/data --out runs/translation
    python examples/translation/train.py --resume            # continue runs/translation/last.ckpt
    MINIGRAD_BACKEND=cupy python examples/translation/train.py   # on the GPU
    mpiexec -n 2 python examples/translation/train.py --distributed   # 2 processes (DDP)

Writes best.ckpt (weights, vocabularies, configuration), last.ckpt (plus optimizer and RNG state,
for --resume), metrics.csv, metrics.json and loss_curve.png into --out. --resume continues a stopped
run with all of its settings; an option given again on the command line overrides the saved one
(e.g. --epochs 12), and the run says so. Ctrl-C stops with one line saying what was saved and the
command that continues.
"""
import argparse
import io
import json
import os
import sys
import time

from tqdm import tqdm

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data import DatasetNotFoundError, Vocab
from minigrad.distributed.data_parallel import DataParallelContext
from minigrad.utils import atomic_write, runs

from data import DEFAULT_LANGS, PAD, PairDataset, build_vocab, load_pairs, make_loader
from model import build_model, perplexity

MODEL_KEYS = ("arch", "cell", "layers", "embed_dim", "hidden", "dropout", "bidirectional", "attn_score",
              "heads", "positions")
# flags the checkpoint's model and vocabularies depend on: a resumed run cannot change them
FIXED = MODEL_KEYS + ("dataset", "src", "tgt", "min_freq", "reverse_source")
PROGRESS = runs.Progress()  # what has been saved so far, for the one-line Ctrl-C message


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's layout and shows each option's default."""


def parse_args(argv=None):
    """Command-line options (see --help), and the set of those given explicitly (they win over a
    resumed run's saved settings)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--dataset", default="multi30k", choices=sorted(DEFAULT_LANGS), help="corpus")
    p.add_argument("--src", help="source language; if unset: de for multi30k, ko / fr for Tatoeba")
    p.add_argument("--tgt", help="target language; if unset: en")
    p.add_argument("--arch", default="attention", choices=["seq2seq", "attention", "transformer"],
                   help="plain encoder-decoder, Luong attention, or the Transformer (embed-dim = "
                        "d_model, hidden = feed-forward size, layers per stack)")
    p.add_argument("--heads", type=int, default=8, help="attention heads (transformer)")
    p.add_argument("--positions", default="sinusoidal", choices=["sinusoidal", "learned"],
                   help="position encoding (transformer)")
    p.add_argument("--attn-score", default="general", choices=["general", "dot", "additive"],
                   help="attention score (additive = Bahdanau's score)")
    p.add_argument("--cell", default="gru", choices=["lstm", "gru"], help="recurrent cell")
    p.add_argument("--layers", type=int, default=1, help="recurrent layers (encoder and decoder)")
    p.add_argument("--embed-dim", type=int, default=256, help="embedding size")
    p.add_argument("--hidden", type=int, default=256, help="recurrent hidden size")
    p.add_argument("--bidirectional", action="store_true", help="bidirectional encoder")
    p.add_argument("--dropout", type=float, default=0.3, help="dropout probability")
    p.add_argument("--teacher-forcing", type=float, default=1.0,
                   help="probability of feeding the gold token at each decoder step in training")
    p.add_argument("--eval-teacher-forcing", type=float, default=1.0,
                   help="teacher forcing of the validation loss that picks best.ckpt (1: the usual "
                        "per-token loss; 0: the decoder is fed its own predictions, as in the "
                        "PyTorch tutorial's perplexity)")
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm (0: no clipping)")
    p.add_argument("--label-smoothing", type=float, default=0.0,
                   help="label smoothing of the training loss (the validation loss is plain cross entropy)")
    p.add_argument("--warmup", type=int, default=0,
                   help="raise the learning rate linearly from 0 to --lr over this many steps (Transformers "
                        "train more stably with a few thousand)")
    p.add_argument("--epochs", type=int, default=8, help="total epochs (also when resuming)")
    p.add_argument("--batch-size", type=int, default=64, help="sentence pairs per batch")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--init-range", type=float, default=0.0,
                   help="if > 0, every parameter ~ U(-r, r) (the tutorial uses 0.08)")
    p.add_argument("--min-freq", type=int, default=2, help="min training count for a vocabulary entry")
    p.add_argument("--reverse-source", action="store_true", help="feed source sentences reversed")
    p.add_argument("--seed", type=int, default=1234, help="random seed")
    p.add_argument("--data-dir", default=None,
                   help="dataset root; if unset: $MINIGRAD_DATA or the download cache")
    p.add_argument("--out", default=os.path.join("runs", "translation"),
                   help="folder for checkpoints and metrics")
    p.add_argument("--resume", nargs="?", const="", default=None, metavar="CKPT",
                   help="continue a run from CKPT (default OUT/last.ckpt) with its saved configuration")
    p.add_argument("--limit", type=int, default=None, help="use only the first N pairs of each split")
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="log per-step loss, lr, grad norm and tokens/s to TensorBoard event files in DIR")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="show tqdm progress bars")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes of `mpiexec -n N` (--batch-size is global)")
    args = p.parse_args(argv)
    src, tgt = DEFAULT_LANGS[args.dataset]
    args.src, args.tgt = args.src or src, args.tgt or tgt
    if args.data_dir:  # a resumed run may start from another folder
        args.data_dir = os.path.abspath(args.data_dir)
    return args, runs.explicit_options(p, argv)


def make_criterion(tgt_vocab, label_smoothing=0.0):
    """Token-level cross entropy that ignores padding."""
    return nn.CrossEntropyLoss(ignore_index=tgt_vocab[PAD], label_smoothing=label_smoothing)


def batch_loss(model, criterion, batch, teacher_forcing):
    """Mean cross entropy of one batch and its number of target tokens."""
    src, src_lengths, tgt = batch
    logits = model(src, src_lengths, tgt, teacher_forcing)
    gold = tgt[1:]
    loss = criterion(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1))
    return loss, int((gold != criterion.ignore_index).sum().item())


def evaluate_loss(model, loader, criterion, teacher_forcing=0.0, progress=False):
    """Average per-token loss over a loader (eval mode, no gradients)."""
    model.eval()
    total, count = 0.0, 0
    with mg.no_grad():
        for batch in tqdm(loader, desc="eval", leave=False, disable=not progress):
            loss, n = batch_loss(model, criterion, batch, teacher_forcing)
            total, count = total + loss.item() * n, count + n
    return total / max(count, 1)


def warmup_lr(args, step):
    """The learning rate of optimizer step `step` (counted from 1 over the whole run)."""
    return args.lr * min(1.0, step / args.warmup) if args.warmup > 0 else args.lr


def train_epoch(model, loader, criterion, optimizer, args, desc, log=None, first_step=1):
    """One pass over the training batches; returns the average per-token loss."""
    model.train()
    total, count = 0.0, 0
    bar = tqdm(loader, desc=desc, leave=False, disable=not args.progress)
    for step, batch in enumerate(bar, first_step):
        for group in optimizer.param_groups:
            group["lr"] = warmup_lr(args, step)
        optimizer.zero_grad()
        loss, n = batch_loss(model, criterion, batch, args.teacher_forcing)
        loss.backward()
        if args.clip > 0 or log is not None:  # max_norm inf: the norm only, nothing clipped
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), args.clip or float("inf"))
        optimizer.step()
        if log is not None:
            log(loss.item(), grad_norm.item(), n)
        total, count = total + loss.item() * n, count + n
        bar.set_postfix(loss=f"{total / count:.3f}")
    return total / max(count, 1)


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


def model_from_config(config, src_vocab, tgt_vocab):
    """Build the model a saved configuration describes."""
    keys = [k for k in MODEL_KEYS if k in config]  # checkpoints older than --arch transformer lack some
    return build_model(len(src_vocab), len(tgt_vocab), **{k: config[k] for k in keys})


def load_checkpoint(path, map_location=None):
    """(model in eval mode, src_vocab, tgt_vocab, config) from a checkpoint written by train.py."""
    ckpt = mg.load(path, map_location=map_location)
    src_vocab, tgt_vocab = Vocab.from_dict(ckpt["src_vocab"]), Vocab.from_dict(ckpt["tgt_vocab"])
    model = model_from_config(ckpt["config"], src_vocab, tgt_vocab)
    model.load_state_dict(ckpt["model"])
    return model.eval(), src_vocab, tgt_vocab, ckpt["config"]


def loss_curves(config):
    """(metrics key, legend) of each line of loss_curve.png. valid_loss is measured with
    --eval-teacher-forcing p: it is a line of its own, named after p, only when p < 1 (at p = 1 it
    is the teacher-forced loss already drawn)."""
    curves = [("train_loss", "train"), ("valid_loss_tf", "valid (teacher forced)")]
    p = config.get("eval_teacher_forcing", 1.0)
    if p < 1.0:
        curves.append(("valid_loss", "valid (own predictions)" if p == 0
                       else f"valid (teacher forcing {p:g})"))
    return curves


def write_metrics(out, history, config):
    """metrics.csv, metrics.json and (with matplotlib) loss_curve.png in `out`."""
    fields = list(history[0])
    rows = [",".join(fields)] + [",".join(str(h[k]) for k in fields) for h in history]
    atomic_write(os.path.join(out, "metrics.csv"), "\n".join(rows) + "\n")
    summary = {"config": config, "history": history}
    atomic_write(os.path.join(out, "metrics.json"), json.dumps(summary, indent=1))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in loss_curves(config):
        ax.plot(epochs, [h[key] for h in history], "o-", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross entropy per token")
    ax.legend()
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, dpi=100, format="png")
    plt.close(fig)
    atomic_write(os.path.join(out, "loss_curve.png"), png.getvalue())
    return True


def main(argv=None):
    """Train, validate each epoch, keep the best and the last checkpoint; returns the history."""
    args, explicit = parse_args(argv)
    resume = None
    if args.resume is not None:
        path = args.resume or os.path.join(args.out, "last.ckpt")
        if not os.path.isfile(path):
            sys.exit(f"error: nothing to resume: {path} does not exist")
        resume = mg.load(path)
        if "out" not in explicit:  # the run goes on in the folder of its checkpoint
            args.out = os.path.dirname(path) or "."
        changed = runs.resume_options(args, resume["config"], explicit, fixed=FIXED,
                                      ignore=("resume", "out", "progress", "distributed"))
        print(f"resuming {path} after epoch {resume['epoch']} of {args.epochs}"
              + "".join(f"\n  changed: {note}" for note in changed))
        given = sys.argv[1:] if argv is None else argv  # a Ctrl-C before the next save continues
        PROGRESS.saved(path, resume["epoch"], runs.without_resume(given))  # with these options again
    PROGRESS.epochs = args.epochs
    config = {k: v for k, v in vars(args).items() if k not in ("resume", "progress", "distributed")}
    dp = DataParallelContext(args.distributed)  # ranks > 0: no output, files in a temporary dir
    args.out, args.progress = dp.private_out(args.out), args.progress and dp.is_main
    args.tensorboard = args.tensorboard if dp.is_main else None
    os.makedirs(args.out, exist_ok=True)
    mg.manual_seed(args.seed)

    try:
        train_pairs = load_pairs(args.dataset, "train", args.src, args.tgt, args.data_dir, args.limit)
        dev_pairs = load_pairs(args.dataset, "dev", args.src, args.tgt, args.data_dir, args.limit)
    except DatasetNotFoundError as e:
        sys.exit(f"error: {e}")
    if resume:
        src_vocab = Vocab.from_dict(resume["src_vocab"])
        tgt_vocab = Vocab.from_dict(resume["tgt_vocab"])
    else:
        src_vocab = build_vocab([s for s, _ in train_pairs], args.min_freq)
        tgt_vocab = build_vocab([t for _, t in train_pairs], args.min_freq)
    pad = tgt_vocab[PAD]
    train_loader = dp.shard_loader(make_loader(
        PairDataset(train_pairs, src_vocab, tgt_vocab, args.reverse_source), args.batch_size, pad,
        shuffle=True, seed=args.seed))
    dev_loader = make_loader(PairDataset(dp.eval_shard(dev_pairs), src_vocab, tgt_vocab,
                                         args.reverse_source), args.batch_size, pad, shuffle=False)
    dev_tokens = sum(len(t) - 1 for _, t in dev_loader.dataset.items)  # weight of this rank's loss

    model = model_from_config(config, src_vocab, tgt_vocab)
    if args.init_range > 0:
        for p in model.parameters():
            nn.init.uniform_(p, -args.init_range, args.init_range)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    criterion, train_criterion = make_criterion(tgt_vocab), make_criterion(tgt_vocab, args.label_smoothing)
    history, best, start = [], float("inf"), 0
    if resume:
        model.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        mg.set_rng_state(resume["rng_state"])
        history, best, start = list(resume["history"]), resume["best_valid_loss"], resume["epoch"]
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.dataset} {args.src}->{args.tgt}: {len(train_pairs)} train / {len(dev_pairs)} dev "
          f"pairs, vocab {len(src_vocab)} / {len(tgt_vocab)}, {n_params:,} parameters, "
          f"device {mg.backend.default_device()}")

    plotted = True
    log = args.tensorboard and TensorBoardLog(args.tensorboard, optimizer, start * len(train_loader))
    vocabs = {"src_vocab": src_vocab.to_dict(), "tgt_vocab": tgt_vocab.to_dict(), "config": config}
    t_start = time.time()
    net = dp.wrap(model)  # DistributedDataParallel under --distributed: gradients averaged
    for epoch in range(start + 1, args.epochs + 1):
        # CuPy's generator state cannot be saved, so each epoch re-seeds every generator from the
        # cpu one, whose state the checkpoints carry: a resumed run draws the same dropout masks.
        mg.manual_seed(int(mg.randint(0, 2 ** 62, (1,), device="cpu").item()))
        t0 = time.time()
        train_loader.set_epoch(epoch - 1)
        train_loss, = dp.mean([train_epoch(net, train_loader, train_criterion, optimizer, args,
                                           f"epoch {epoch}/{args.epochs}", log or None,
                                           (epoch - 1) * len(train_loader) + 1)])
        valid_loss, = dp.mean([evaluate_loss(model, dev_loader, criterion,
                                             args.eval_teacher_forcing)], dev_tokens)
        valid_tf = (valid_loss if args.eval_teacher_forcing >= 1.0
                    else dp.mean([evaluate_loss(model, dev_loader, criterion, 1.0)], dev_tokens)[0])
        row = {"epoch": epoch, "train_loss": round(train_loss, 5),
               "train_ppl": round(perplexity(train_loss), 3), "valid_loss": round(valid_loss, 5),
               "valid_ppl": round(perplexity(valid_loss), 3), "valid_loss_tf": round(valid_tf, 5),
               "valid_ppl_tf": round(perplexity(valid_tf), 3), "seconds": round(time.time() - t0, 1)}
        history.append(row)
        improved = valid_loss < best
        if improved:
            best = valid_loss
            mg.save({"model": model.state_dict(), "epoch": epoch, "valid_loss": valid_loss, **vocabs},
                    os.path.join(args.out, "best.ckpt"))
        mg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "rng_state": mg.get_rng_state(), "epoch": epoch, "history": history,
                 "best_valid_loss": best, **vocabs}, os.path.join(args.out, "last.ckpt"))
        PROGRESS.saved(os.path.join(args.out, "last.ckpt"), epoch)
        plotted = write_metrics(args.out, history, config)
        tqdm.write(f"epoch {epoch:2d} | train loss {train_loss:.3f} ppl {row['train_ppl']:7.2f} | valid "
                   f"loss {valid_loss:.3f} ppl {row['valid_ppl']:7.2f} (teacher forced "
                   f"{row['valid_ppl_tf']:.2f}) | {row['seconds']:.0f}s"
                   + (" | saved best.ckpt" if improved else ""))
    if log:
        log.writer.close()
    if history and not plotted:
        print("matplotlib is not installed: skipped loss_curve.png (pip install matplotlib)")
    print(f"done in {time.time() - t_start:.0f}s; best valid loss {best:.3f} "
          f"(ppl {perplexity(best):.2f}) in {os.path.join(args.out, 'best.ckpt')}")
    return history


if __name__ == "__main__":
    with runs.stop_cleanly(PROGRESS):
        main()
