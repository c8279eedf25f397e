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
    python benchmarks/rnn.py --quick --conditions quiet,busy --phases    # a few minutes
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


# ------------------------------------------------------------------------------- the GEMM bound
def gemm_shapes(kind, size):
    """The (m, k, n) of every matrix product in one training step of the fused algorithm: per layer
    and direction one input projection, T recurrent products forward and T backward, the input
    gradient (not for layer 0, whose input needs none) and the two weight gradients."""
    B, T, I, H, L, bi = SIZES[size]
    G, D, N = GATES[kind] * H, 2 if bi else 1, B * T
    shapes = []
    for layer in range(L):
        inp = I if layer == 0 else H * D
        for _ in range(D):
            shapes += [(N, inp, G)] + [(B, H, G)] * T + [(B, G, H)] * T
            shapes += ([(N, G, inp)] if layer else []) + [(G, N, inp), (G, N, H)]
    return shapes


def gemm_bound(kind, size, repeats=3):
    """Seconds of one step's products alone (NumPy's BLAS, float32): for every shape the faster of
    one thread and the BLAS's current count, best of `repeats`."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(1)
    shapes = gemm_shapes(kind, size)
    counts = {}
    for shape in shapes:
        counts[shape] = counts.get(shape, 0) + 1
    total = 0.0
    for (m, k, n), count in counts.items():
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        best = float("inf")
        for limit in sorted({1, blas_threads()}):
            with threadpool_limits(limit, user_api="blas"):
                a @ b
                for _ in range(repeats):
                    reps = max(1, min(count, 20))
                    t0 = time.perf_counter()
                    for _ in range(reps):
                        a @ b
                    best = min(best, (time.perf_counter() - t0) / reps)
        total += best * count
    return total


def _phase_timers():
    """Wrap minigrad's fused-RNN internals with wall-clock timers; returns the totals dict (s)."""
    from minigrad.ops import recurrent as R
    totals = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - t0
        return wrapper
    for cls in {type(r) for r in R.RECURRENCES.values()}:
        cls.forward = timed("time loop forward", cls.forward)
        cls.backward = timed("time loop backward", cls.backward)
    R._Layer._run = classmethod(timed("RNN forward node", R._Layer._run.__func__))
    R._Layer._grads = staticmethod(timed("RNN backward node", R._Layer._grads))
    return totals


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

    phases = {}

    def step():
        t0 = time.perf_counter()
        out, _ = model(x)
        t1 = time.perf_counter()
        loss = (out * out).mean()
        for p in params:
            p.grad = None
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        with mg.no_grad():
            for p in params:
                p.array -= LR * p.grad.array
        sync()
        t4 = time.perf_counter()
        for name, dt in (("model forward", t1 - t0), ("loss forward", t2 - t1), ("backward", t3 - t2),
                         ("optimizer", t4 - t3)):
            phases[name] = phases.get(name, 0.0) + dt

    def peak():
        if not gpu:
            return _peak_cpu(step)
        pool = mg.backend.xp_for("cuda").get_default_memory_pool()
        pool.free_all_blocks()
        before = pool.total_bytes()
        step()
        return (pool.total_bytes() - before) / 2**20  # freed blocks stay cached: this is the peak
    info = (f"minigrad {mg.__version__} ({mg.get_backend()}), numpy {np.__version__}, BLAS threads "
            f"{blas_threads()}, minigrad threads {getattr(mg, 'get_num_threads', lambda: '-')()}")
    step.phases = phases
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
            if msg[0] == "phases":
                inner = _phase_timers()
                step.phases.clear()
                for _ in range(msg[1]):
                    step()
                merged = {k: v / msg[1] for k, v in {**step.phases, **inner}.items()}
                conn.send(merged)
            elif msg[0] == "gemm":
                conn.send(gemm_bound(kind, size) if not gpu else float("nan"))
            elif msg[0] == "time":
                t0, c0 = time.perf_counter(), time.process_time()
                for _ in range(msg[1]):
                    step()
                conn.send(((time.perf_counter() - t0) / msg[1], (time.process_time() - c0) / msg[1]))
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
        """(wall seconds, process CPU seconds) per step, over `inner` steps back to back."""
        self.conn.send(("time", inner))
        return self._recv()

    def ask(self, *msg):
        """Send a request, return the answer."""
        self.conn.send(msg)
        return self._recv()

    def peak(self):
        """Peak extra memory (MB) of one step."""
        self.conn.send(("peak",))
        return self._recv()

    def close(self):
        """Stop the worker process."""
        self.conn.send(None)
        self.proc.join(timeout=30)


def run_condition(args, frameworks, gpu, threads):
    """Every (size, model) pair in every framework under the current machine load: print the table."""
    print(f"one training step, float32; median and best of {args.repeats} alternating samples "
          f"(after a warm-up; short steps are timed in blocks of >= 0.25 s); CPU ms = process CPU "
          f"time per step (all threads; robust on a shared machine at 1 thread); peak = extra memory "
          f"during one step; ratio = minigrad / PyTorch (median of paired ratios of wall time, of best "
          f"wall time, of CPU time); xGEMM = ms/step / the step's matrix products alone at their real "
          f"shapes (NumPy's BLAS)")
    head = (f"{'model':5} {'size':7} {'framework':9} {'ms/step':>9} {'best ms':>9} {'CPU ms':>9} "
            f"{'tokens/s':>10} {'peak MB':>8} {'xGEMM':>6} {'ratio':>6} {'(best)':>6} {'(CPU)':>6}")
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
            cpu = {f: [] for f in workers}
            for r in range(args.repeats):
                order = list(workers) if r % 2 == 0 else list(workers)[::-1]
                for f in order:
                    time.sleep(args.pause)
                    wall, used = workers[f].time(inner[f])
                    times[f].append(wall)
                    cpu[f].append(used)
            bound = workers["minigrad"].ask("gemm")
            phases = workers["minigrad"].ask("phases", 2) if args.phases else None
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
                    paired = statistics.median(a / b for a, b in zip(times["minigrad"], times["pytorch"]))
                    paired_cpu = statistics.median(a / b for a, b in zip(cpu["minigrad"], cpu["pytorch"]))
                    ratio = f"{paired:6.2f} {best['minigrad'] / best['pytorch']:6.2f} {paired_cpu:6.2f}"
                print(f"{kind:5} {size:7} {f:9} {med[f] * 1e3:9.1f} {best[f] * 1e3:9.1f} "
                      f"{statistics.median(cpu[f]) * 1e3:9.1f} {B * T / med[f]:10.0f} {peaks[f]:8.1f} "
                      f"{med[f] / bound:6.2f} {ratio:>20}", flush=True)
            if phases:
                print("    minigrad phases (ms/step): " + ", ".join(
                    f"{k} {v * 1e3:.1f}" for k, v in phases.items()) + f"; GEMM bound {bound * 1e3:.1f}")


def main():
    """Parse the flags, run every (size, model) pair in both frameworks and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--models", default="LSTM,GRU")
    ap.add_argument("--repeats", type=int, default=3, help="timed samples per framework (after a warm-up)")
    ap.add_argument("--no-torch", action="store_true", help="time minigrad only")
    ap.add_argument("--pause", type=float, default=0.3,
                    help="seconds between samples, so the other process's threads are idle")
    ap.add_argument("--conditions", default="quiet",
                    help="quiet and/or busy (one or more competing busy processes, see --busy)")
    ap.add_argument("--busy", type=int, default=1, help="competing busy processes in the busy condition")
    ap.add_argument("--phases", action="store_true",
                    help="also print minigrad's time per phase (model forward with the RNN node and its "
                         "time loop, loss, backward with the RNN node and its time loop, optimizer)")
    ap.add_argument("--quick", action="store_true", help="sizes small,medium and 2 repeats")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.repeats = "small,medium", 2

    gpu = os.environ.get("MINIGRAD_BACKEND", "numpy").lower() in ("cupy", "cuda", "gpu")
    threads = blas_threads()
    frameworks = ["minigrad"]
    if not args.no_torch:
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            print("torch is not installed: timing minigrad only")
        else:
            frameworks.append("pytorch")
    print(f"{os.cpu_count()} CPU cores; NumPy BLAS threads = {threads} (PyTorch is given the same)")
    for condition in args.conditions.split(","):
        if condition == "quiet":
            print("\nquiet machine (nothing started by the benchmark)")
            run_condition(args, frameworks, gpu, threads)
        elif condition == "busy":
            from end_to_end import BusyProcesses
            print(f"\nbusy machine ({args.busy} competing busy process(es) started by the benchmark)")
            with BusyProcesses(args.busy):
                run_condition(args, frameworks, gpu, threads)
        else:
            raise SystemExit(f"unknown condition {condition!r}: use quiet and/or busy")


if __name__ == "__main__":
    main()
