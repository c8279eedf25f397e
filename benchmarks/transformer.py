"""Training-step benchmark of the translation example's Transformer (examples/translation,
--arch transformer) against the same model in PyTorch, on the CPU, A/B-interleaved.

One step = teacher-forced forward over a batch of (source, target) token sequences with padding,
cross entropy ignoring padding, backward, Adam update; float32, dropout 0.1.  The PyTorch model is a
module-for-module mirror (same parameter names), loaded with the minigrad model's initial weights.
Each framework runs in its own worker process; the parent alternates samples between them so both
see the same machine load, and reports the ratio minigrad / PyTorch (goal: <= 1.2).

    python benchmarks/transformer.py --sizes small,base --repeats 5
"""
import argparse
import math
import multiprocessing as mp
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
EXAMPLE = os.path.join(ROOT, "examples", "translation")
SIZES = {  # batch, source length, target length, d_model, feed-forward, heads, layers, vocab
    "small": (32, 16, 16, 64, 128, 4, 2, 2000),
    "base": (64, 24, 24, 256, 512, 8, 3, 6000),
}
PAD = 0


def make_batch(size):
    """Time-major token arrays src (S, B), lengths (B,), tgt (T, B), with 0-3 padding per sentence."""
    B, S, T, _, _, _, _, V = SIZES[size]
    rng = np.random.default_rng(0)
    lengths = S - rng.integers(0, 4, B)
    src = rng.integers(4, V, (S, B))
    src[np.arange(S)[:, None] >= lengths[None, :]] = PAD
    tgt_len = T - rng.integers(0, 4, B)
    tgt = rng.integers(4, V, (T, B))
    tgt[np.arange(T)[:, None] >= tgt_len[None, :]] = PAD
    return src, lengths, tgt


def _minigrad_worker(size):
    sys.path.insert(0, ROOT)
    sys.path.insert(0, EXAMPLE)
    import minigrad as mg
    from model import build_model
    _, _, _, D, FF, H, L, V = SIZES[size]
    mg.manual_seed(0)
    model = build_model(V, V, arch="transformer", layers=L, embed_dim=D, hidden=FF, dropout=0.1, heads=H)
    weights = {k: v.numpy() for k, v in model.state_dict().items()}
    src, lengths, tgt = (mg.tensor(a) for a in make_batch(size))
    opt = mg.optim.Adam(model.parameters(), lr=1e-4)
    criterion = mg.nn.CrossEntropyLoss(ignore_index=PAD)
    model.train()

    def step():
        logits = model(src, lengths, tgt)
        loss = criterion(logits.reshape(-1, V), tgt[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step, weights, f"minigrad {mg.__version__} ({mg.get_backend()}), numpy {np.__version__}"


def _torch_model(size):
    """The example's model, module for module, in PyTorch (so the state dict names match)."""
    import torch
    import torch.nn as nn
    _, _, _, D, FF, H, L, V = SIZES[size]

    class Embed(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(V, D)
            pos = np.arange(256)[:, None]
            rates = np.exp(-math.log(10000.0) * np.arange(0, D, 2) / D)
            pe = np.zeros((256, D))
            pe[:, 0::2], pe[:, 1::2] = np.sin(pos * rates), np.cos(pos * rates)
            self.register_buffer("pe", torch.tensor(pe[:, None, :], dtype=torch.float32), persistent=False)
            self.dropout = nn.Dropout(0.1)

        def forward(self, tokens):
            return self.dropout(self.embedding(tokens) * math.sqrt(D) + self.pe[:tokens.shape[0]])

    class EncoderSide(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = Embed()
            self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF, 0.1), L,
                                                 norm=nn.LayerNorm(D), enable_nested_tensor=False)

    class DecoderSide(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = Embed()
            self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, H, FF, 0.1), L,
                                                 norm=nn.LayerNorm(D))
            self.fc_out = nn.Linear(D, V)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = EncoderSide(), DecoderSide()

        def forward(self, src, lengths, tgt):
            padding = torch.arange(src.shape[0])[None, :] >= lengths[:, None]
            memory = self.encoder.encoder(self.encoder.embed(src), src_key_padding_mask=padding)
            inp = tgt[:-1]
            causal = nn.Transformer.generate_square_subsequent_mask(inp.shape[0])
            out = self.decoder.decoder(self.decoder.embed(inp), memory, tgt_mask=causal,
                                       memory_key_padding_mask=padding)
            return self.decoder.fc_out(out)
    return Model()


def _torch_worker(size, weights, threads):
    import torch
    torch.set_num_threads(threads)
    V = SIZES[size][-1]
    model = _torch_model(size)
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    src, lengths, tgt = (torch.tensor(a) for a in make_batch(size))
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    criterion = torch.nn.CrossEntropyLoss(ignore_index=PAD)
    model.train()

    def step():
        logits = model(src, lengths, tgt)
        loss = criterion(logits.reshape(-1, V), tgt[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step, f"torch {torch.__version__} ({torch.get_num_threads()} threads)"


def _serve(conn, framework, size, weights, threads):
    """Worker: build, warm up, then answer ('time', n) with seconds per step; None stops it."""
    try:
        if framework == "minigrad":
            step, weights, info = _minigrad_worker(size)
        else:
            step, info = _torch_worker(size, weights, threads)
        t0 = time.perf_counter()
        step()
        conn.send((info, time.perf_counter() - t0, weights))
        while True:
            msg = conn.recv()
            if msg is None:
                break
            t0 = time.perf_counter()
            for _ in range(msg[1]):
                step()
            conn.send((time.perf_counter() - t0) / msg[1])
    except Exception as exc:  # report instead of hanging the parent
        conn.send(exc)
    finally:
        conn.close()


class Worker:
    def __init__(self, framework, size, weights, threads):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, framework, size, weights, threads),
                                daemon=True)
        self.proc.start()
        self.info, self.first, self.weights = self._recv()

    def _recv(self):
        msg = self.conn.recv()
        if isinstance(msg, Exception):
            raise msg
        return msg

    def time(self, inner):
        self.conn.send(("time", inner))
        return self._recv()

    def close(self):
        self.conn.send(None)
        self.proc.join(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,base")
    ap.add_argument("--repeats", type=int, default=5, help="timed samples per framework (after a warm-up)")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OPENBLAS_NUM_THREADS", "1")),
                    help="PyTorch threads (set OPENBLAS_NUM_THREADS to the same for NumPy)")
    ap.add_argument("--pause", type=float, default=0.2, help="seconds between samples")
    args = ap.parse_args()
    print(f"{os.cpu_count()} CPU cores; PyTorch threads {args.threads}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; os.getloadavg() = "
          f"{tuple(round(x, 1) for x in os.getloadavg())}")
    print("one training step (forward, loss, backward, Adam), float32; median and best of "
          f"{args.repeats} alternating samples; ratio = minigrad / PyTorch")
    for size in args.sizes.split(","):
        B, S, T, D, FF, H, L, V = SIZES[size]
        mgw = Worker("minigrad", size, None, args.threads)
        tw = Worker("torch", size, mgw.weights, args.threads)
        print(f"{size}: batch {B}, lengths {S}/{T}, d_model {D}, ff {FF}, heads {H}, layers {L}, "
              f"vocab {V} | {mgw.info} | {tw.info}")
        inner = {w: max(1, int(0.5 / w.first)) for w in (mgw, tw)}
        times = {mgw: [], tw: []}
        for _ in range(args.repeats):
            for w in (mgw, tw):
                time.sleep(args.pause)
                times[w].append(w.time(inner[w]))
        for w in (mgw, tw):
            w.close()
        med = {w: statistics.median(v) for w, v in times.items()}
        best = {w: min(v) for w, v in times.items()}
        print(f"  minigrad {med[mgw] * 1e3:8.1f} ms/step (best {best[mgw] * 1e3:.1f})   "
              f"PyTorch {med[tw] * 1e3:8.1f} ms/step (best {best[tw] * 1e3:.1f})   "
              f"ratio {med[mgw] / med[tw]:.2f} (best {best[mgw] / best[tw]:.2f})", flush=True)


if __name__ == "__main__":
    main()
