"""DataLoader worker processes vs loading in the main process, on a dataset whose __getitem__ is slow
(it sleeps, like reading from a slow disk or network), with torch.utils.data as the peer.

    python benchmarks/dataloader_workers.py [--items 96] [--sleep-ms 5] [--workers 0 2 4]
                                            [--start-method fork] [--repeats 3]

Prints seconds per epoch (best of --repeats, interleaving the configurations) and the speed-up over
num_workers=0 for minigrad and, when installed, PyTorch.
"""
import argparse
import time

import numpy as np

import minigrad.data as mdata

try:
    import torch
    import torch.utils.data as tdata
except ImportError:  # pragma: no cover
    torch = None


class SlowDataset:
    """`items` samples of 64 floats; each __getitem__ sleeps `sleep_ms` milliseconds."""

    def __init__(self, items, sleep_ms):
        self.items, self.sleep = items, sleep_ms / 1000

    def __len__(self):
        return self.items

    def __getitem__(self, i):
        time.sleep(self.sleep)
        return np.full(64, i, dtype=np.float32)


def epoch_seconds(make_loader):
    loader = make_loader()
    start = time.perf_counter()
    n = sum(1 for _ in loader)
    elapsed = time.perf_counter() - start
    assert n == len(loader)
    return elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=96)
    p.add_argument("--sleep-ms", type=float, default=5.0)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--workers", type=int, nargs="+", default=[0, 2, 4])
    p.add_argument("--start-method", default="fork", help="fork, spawn or forkserver")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    data = SlowDataset(args.items, args.sleep_ms)
    configs = []
    for w in args.workers:
        ctx = args.start_method if w else None
        configs.append(("minigrad", w, lambda w=w, ctx=ctx: mdata.DataLoader(
            data, batch_size=args.batch_size, num_workers=w, multiprocessing_context=ctx)))
        if torch is not None:
            configs.append(("torch", w, lambda w=w, ctx=ctx: tdata.DataLoader(
                data, batch_size=args.batch_size, num_workers=w, multiprocessing_context=ctx)))
    best = {}
    for _ in range(args.repeats):  # interleaved, so a busy machine slows every configuration alike
        for name, w, make in configs:
            t = epoch_seconds(make)
            best[name, w] = min(best.get((name, w), t), t)
    print(f"{args.items} items x {args.sleep_ms} ms sleep, batch {args.batch_size}, "
          f"start method {args.start_method}; seconds per epoch (incl. starting the workers)")
    for name in ("minigrad", "torch"):
        if (name, args.workers[0]) not in best:
            continue
        base = best[name, 0] if (name, 0) in best else None
        for w in args.workers:
            speedup = f"  x{base / best[name, w]:.2f} vs num_workers=0" if base else ""
            print(f"  {name:8s} num_workers={w}: {best[name, w]:.3f} s{speedup}")


if __name__ == "__main__":
    main()
