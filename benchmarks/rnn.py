"""Training-step benchmark of minigrad's LSTM and GRU against PyTorch, side by side in one run.

One step = forward over the whole sequence, loss = mean(output^2), backward, plain SGD update; float32.
Sizes (as in issue 4):
    small   B32  T35  I128 H128, 1 layer
    medium  B64  T50  I256 H256, 2 layers, bidirectional
    large   B128 T100 I512 H512, 2 layers
Both models start from the same weights.  Each framework runs in its own worker process (so the
idle BLAS / OpenMP threads of one never compete with the other), on as many threads as NumPy's BLAS
(printed); the parent alternates between them so both see the same machine load.  With
MINIGRAD_BACKEND=cupy both run on the GPU (PyTorch CUDA / cuDNN).

    python benchmarks/rnn.py --sizes small,medium --repeats 5
"""
import argparse
import ctypes
import ctypes.util
import gc
import multiprocessing as mp
import os
import re
import statistics
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SIZES = {  # B, T, I, H, layers, bidirectional
    "small": (32, 35, 128, 128, 1, False),
    "medium": (64, 50, 256, 256, 2, True),
    "large": (128, 100, 512, 512, 2, False),
    "tiny": (4, 5, 8, 8, 1, False),  # for benchmarks/gpu_check.py --dry-run only
}
GATES = {"LSTM": 4, "GRU": 3}
LR = 0.01


def blas_threads():
    """The thread count of NumPy's OpenBLAS (read through ctypes), else the CPU count."""
    try:
        maps = open("/proc/self/maps").read()
        for path in sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps))):
            lib = ctypes.CDLL(path)
            for sym in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                        "openblas_get_num_threads"):
                if hasattr(lib, sym):
                    return int(getattr(lib, sym)())
    except OSError:
        pass
    return int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))


def make_weights(kind, size):
    """PyTorch's parameter names with U(-1/sqrt(H), 1/sqrt(H)) values, and the input (T, B, I)."""
    B, T, I, H, L, bi = SIZES[size]
    rng = np.random.default_rng(0)
    k, G = 1 / np.sqrt(H), GATES[kind]
    weights = {}
    for layer in range(L):
        for d in range(2 if bi else 1):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            inp = I if layer == 0 else H * (2 if bi else 1)
            for name, shape in [("weight_ih", (G * H, inp)), ("weight_hh", (G * H, H)),
                                ("bias_ih", (G * H,)), ("bias_hh", (G * H,))]:
                weights[name + sfx] = rng.uniform(-k, k, shape).astype(np.float32)
    return weights, rng.standard_normal((T, B, I)).astype(np.float32)


# ------------------------------------------------------------------------------- the workers
def _rss(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise OSError(key)


def _peak_cpu(step):
    """Extra resident memory during one step (RSS high-water mark, reset through clear_refs)."""
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)  # give cached free memory back, so the baseline is what is in use
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        base = _rss("VmRSS")
        step()
        return max(_rss("VmHWM") - base, 0) / 2**20
    except OSError:
        import tracemalloc  # sees NumPy's allocations only
        tracemalloc.start()
        step()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak / 2**20


def _minigrad_worker(kind, size, gpu):
    sys.path.insert(0, ROOT)
    import minigrad as mg
    import minigrad.nn as nn
    B, T, I, H, L, bi = SIZES[size]
    weights, x = make_weights(kind, size)
    model = getattr(nn, kind)(I, H, L, bidirectional=bi)
    model.load_state_dict(weights)
    x = mg.tensor(x)
    params = list(model.parameters())
    sync = mg.backend.xp_for("cuda").cuda.Device().synchronize if gpu else (lambda: None)

    def step():
        out, _ = model(x)
        loss = (out * out).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with mg.no_grad():
            for p in params:
                p.array -= LR * p.grad.array
        sync()

    def peak():
        if not gpu:
            return _peak_cpu(step)
        pool = mg.backend.xp_for("cuda").get_default_memory_pool()
        pool.free_all_blocks()
        before = pool.total_bytes()
        step()
        return (pool.total_bytes() - before) / 2**20  # freed blocks stay cached: this is the peak
    info = f"minigrad {mg.__version__} ({mg.get_backend()}), numpy {np.__version__}, BLAS threads {blas_threads()}"
    return step, peak, info


def _torch_worker(kind, size, gpu, threads):
    import torch
    if not gpu:
        torch.set_num_threads(threads)
    B, T, I, H, L, bi = SIZES[size]
    weights, x = make_weights(kind, size)
    dev = "cuda" if gpu else "cpu"
    model = getattr(torch.nn, kind)(I, H, L, bidirectional=bi).to(dev)
    model.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    x = torch.tensor(x, device=dev)
    sync = torch.cuda.synchronize if gpu else (lambda: None)

    def step():
        out, _ = model(x)
        loss = (out * out).mean()
        model.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= LR * p.grad
        sync()

    def peak():
        if not gpu:
            return _peak_cpu(step)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        step()
        return torch.cuda.max_memory_allocated() / 2**20
    where = torch.cuda.get_device_name() if gpu else f"{torch.get_num_threads()} threads"
    return step, peak, f"torch {torch.__version__} ({where})"


def _serve(conn, framework, kind, size, gpu, threads):
    """Worker process: build the model, then run steps on request: ('time', n) / ('peak',) / None."""
    try:
        if framework == "minigrad":
            step, peak, info = _minigrad_worker(kind, size, gpu)
        else:
            step, peak, info = _torch_worker(kind, size, gpu, threads)
        t0 = time.perf_counter()
        step()  # warm-up
        conn.send((info, time.perf_counter() - t0))
        while True:
            try:
                msg = conn.recv()
            except EOFError:  # the parent is gone
                break
            if msg is None:
                break
            if msg[0] == "time":
                t0 = time.perf_counter()
                for _ in range(msg[1]):
                    step()
                conn.send((time.perf_counter() - t0) / msg[1])
            else:
                conn.send(peak())
    except Exception as exc:  # report instead of hanging the parent
        try:
            conn.send(exc)
        except OSError:
            pass
    finally:
        conn.close()


class Worker:
    """A framework's benchmark process."""

    def __init__(self, framework, kind, size, gpu, threads):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, framework, kind, size, gpu, threads),
                                daemon=True)
        self.proc.start()
        self.info, self.first = self._recv()

    def _recv(self):
        msg = self.conn.recv()
        if isinstance(msg, Exception):
            raise msg
        return msg

    def time(self, inner):
        """Seconds per step, over `inner` steps back to back."""
        self.conn.send(("time", inner))
        return self._recv()

    def peak(self):
        """Peak extra memory (MB) of one step."""
        self.conn.send(("peak",))
        return self._recv()

    def close(self):
        """Stop the worker process."""
        self.conn.send(None)
        self.proc.join(timeout=30)


def main():
    """Parse the flags, run every (size, model) pair in both frameworks and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--models", default="LSTM,GRU")
    ap.add_argument("--repeats", type=int, default=3, help="timed samples per framework (after a warm-up)")
    ap.add_argument("--no-torch", action="store_true", help="time minigrad only")
    ap.add_argument("--pause", type=float, default=0.3,
                    help="seconds between samples, so the other process's threads are idle")
    args = ap.parse_args()

    gpu = os.environ.get("MINIGRAD_BACKEND", "numpy").lower() in ("cupy", "cuda", "gpu")
    threads = blas_threads()
    frameworks = ["minigrad"]
    if not args.no_torch:
        try:
            import importlib.util
            if importlib.util.find_spec("torch") is None:
                raise ImportError
            frameworks.append("pytorch")
        except ImportError:
            print("torch is not installed: timing minigrad only")
    print(f"{os.cpu_count()} CPU cores; NumPy BLAS threads = {threads} (PyTorch is given the same)")
    print(f"one training step, float32; median and best of {args.repeats} alternating samples "
          f"(after a warm-up; short steps are timed in blocks of >= 0.25 s); peak = extra memory "
          f"during one step; ratio = minigrad / PyTorch (median, best)")
    head = (f"{'model':5} {'size':7} {'framework':9} {'ms/step':>9} {'best ms':>9} {'tokens/s':>10} "
            f"{'peak MB':>8} {'ratio':>6} {'(best)':>6}")
    printed_info = set()
    for size in args.sizes.split(","):
        B, T = SIZES[size][:2]
        for kind in args.models.upper().split(","):
            workers = {f: Worker(f if f == "minigrad" else "torch", kind, size, gpu, threads)
                       for f in frameworks}
            for w in workers.values():
                if w.info not in printed_info:
                    printed_info.add(w.info)
                    print(w.info)
            if len(printed_info) == len(frameworks) and head:
                print(head)
                print("-" * len(head))
                head = None
            inner = {f: max(1, int(0.25 / w.first)) for f, w in workers.items()}
            times = {f: [] for f in workers}
            for _ in range(args.repeats):
                for f, w in workers.items():
                    time.sleep(args.pause)
                    times[f].append(w.time(inner[f]))
            peaks = {}
            for f, w in workers.items():
                time.sleep(args.pause)
                peaks[f] = w.peak()
                w.close()
            med = {f: statistics.median(v) for f, v in times.items()}
            best = {f: min(v) for f, v in times.items()}
            for f in workers:
                ratio = ""
                if f == "minigrad" and "pytorch" in med:
                    ratio = f"{med['minigrad'] / med['pytorch']:6.2f} {best['minigrad'] / best['pytorch']:6.2f}"
                print(f"{kind:5} {size:7} {f:9} {med[f] * 1e3:9.1f} {best[f] * 1e3:9.1f} "
                      f"{B * T / med[f]:10.0f} {peaks[f]:8.1f} {ratio:>13}", flush=True)


if __name__ == "__main__":
    main()
