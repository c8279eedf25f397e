"""End-to-end benchmark: whole example programs, on a quiet machine and next to a busy process.

Runs, as a user would, each of
    demo        python examples/demo.py --steps S                       (and the same model in PyTorch)
    sentiment   examples/sentiment/train.py, one epoch on a fixed slice of SST-2
    translation examples/translation/train.py, one epoch on a fixed slice of Multi30k
under two machine conditions: quiet, and with one competing busy process (a pure-Python spin loop the
benchmark starts and stops itself; --busy N for more), and in these variants:
    default     minigrad as installed: it picks its thread counts itself (minigrad.threads)
    pinned      OMP/OPENBLAS/MKL_NUM_THREADS=1 set by hand, the configuration to beat
    pytorch     (demo only) the demo's model and loop in PyTorch, on its default threads
    pt-pinned   (demo only) the same with the thread variables set to 1
The variants alternate inside every round (A/B interleaving, the order flipping each round), so they
see the same machine load; the table gives medians of wall seconds, CPU seconds and peak RSS per run,
and the median of the per-round ratios to `pinned`.  The datasets are found via --data-dir or
MINIGRAD_DATA (missing ones are skipped).

    python benchmarks/end_to_end.py --quick                 # ~1-2 minutes on a quiet 2-core machine
    python benchmarks/end_to_end.py --rounds 5 --busy 2     # the issue's two-busy-process condition
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# The demo's model and training loop in PyTorch (same batch, sizes, optimizer), for the side by side.
TORCH_DEMO = r"""
import sys, time, numpy as np, torch
steps, seq = int(sys.argv[1]), 20
gen = np.random.default_rng(0)
torch.manual_seed(0)
def make_batch(batch):
    digits = gen.integers(0, 10, size=(batch, seq)); marks = np.zeros((batch, seq), dtype="float32")
    first, second = gen.integers(0, seq // 2, size=batch), gen.integers(seq // 2, seq, size=batch)
    rows = np.arange(batch); marks[rows, first] = 1.0; marks[rows, second] = 1.0
    labels = (digits[rows, first] > digits[rows, second]).astype("int64")
    x = np.stack([digits / 9.0, marks], axis=-1).astype("float32")
    return torch.from_numpy(x), torch.from_numpy(labels)
class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__(); self.rnn = torch.nn.LSTM(2, 64, batch_first=True); self.head = torch.nn.Linear(64, 2)
    def forward(self, x):
        _, (h, _) = self.rnn(x); return self.head(h[-1])
model = Classifier(); opt = torch.optim.Adam(model.parameters(), lr=1e-2); loss_fn = torch.nn.CrossEntropyLoss()
for _ in range(steps):
    x, y = make_batch(64); loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
with torch.no_grad():
    x, y = make_batch(2000); print((model(x).argmax(1) == y).float().mean().item())
"""


def workloads(args, out_dir):
    """name -> (tokens per run or None, {variant: argv})."""
    py, data = sys.executable, args.data_dir
    demo = [py, os.path.join(ROOT, "examples", "demo.py"), "--steps", str(args.demo_steps)]
    torch_demo = [py, "-c", TORCH_DEMO, str(args.demo_steps)]
    jobs = {"demo": (64 * 20 * args.demo_steps,
                     {"default": demo, "pinned": demo, "pytorch": torch_demo, "pt-pinned": torch_demo})}
    if data and os.path.isdir(os.path.join(data, "sst")):
        cmd = [py, os.path.join(ROOT, "examples", "sentiment", "train.py"), "--data-dir", data,
               "--epochs", "1", "--limit", str(args.sentiment_limit), "--max-batches",
               str(args.sentiment_batches), "--no-progress", "--out", os.path.join(out_dir, "sentiment")]
        jobs["sentiment"] = (None, {"default": cmd, "pinned": cmd})
    if data and os.path.isdir(os.path.join(data, "multi30k")):
        cmd = [py, os.path.join(ROOT, "examples", "translation", "train.py"), "--data-dir", data,
               "--epochs", "1", "--limit", str(args.translation_limit), "--no-progress",
               "--out", os.path.join(out_dir, "translation")]
        jobs["translation"] = (None, {"default": cmd, "pinned": cmd})
    return jobs


def run_once(argv, pinned):
    """(wall s, CPU s, peak RSS MB) of one child process run to completion."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    for var in THREAD_VARS:
        if pinned:
            env[var] = "1"
        else:
            env.pop(var, None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed:\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


class BusyProcesses:
    """N pure-Python spin loops, started on enter and stopped (by their own handles) on exit."""

    def __init__(self, n):
        self.n, self.procs = n, []

    def __enter__(self):
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.n)]
        time.sleep(1.0)     # let them (and minigrad's view of the machine load) settle
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(timeout=30)
        return False


def measure(jobs, rounds):
    """{(job, variant): [(wall, cpu, rss)]} over `rounds` A/B-interleaved rounds."""
    results = {}
    for r in range(rounds):
        for name, (_, variants) in jobs.items():
            order = list(variants) if r % 2 == 0 else list(variants)[::-1]
            for variant in order:
                sample = run_once(variants[variant], pinned=variant.endswith("pinned"))
                results.setdefault((name, variant), []).append(sample)
    return results


def report(condition, jobs, results):
    print(f"\n{condition}")
    head = (f"{'workload':12} {'variant':8} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'tokens/s':>9} "
            f"{'wall/pinned':>11} {'CPU/pinned':>10}")
    print(head)
    print("-" * len(head))
    for name, (tokens, variants) in jobs.items():
        base = results[(name, "pinned")]
        for variant in variants:
            runs = results[(name, variant)]
            wall = statistics.median(s[0] for s in runs)
            cpu = statistics.median(s[1] for s in runs)
            rss = statistics.median(s[2] for s in runs)
            ratio_wall = statistics.median(a[0] / b[0] for a, b in zip(runs, base))
            ratio_cpu = statistics.median(a[1] / b[1] for a, b in zip(runs, base))
            rate = f"{tokens / wall:9.0f}" if tokens else f"{'-':>9}"
            print(f"{name:12} {variant:8} {wall:8.2f} {cpu:8.2f} {rss:8.0f} {rate} {ratio_wall:11.2f} "
                  f"{ratio_cpu:10.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.environ.get("MINIGRAD_DATA"),
                    help="datasets root (default: $MINIGRAD_DATA); without it only the demo runs")
    ap.add_argument("--rounds", type=int, default=None, help="A/B rounds per condition (default 3)")
    ap.add_argument("--busy", type=int, default=1, help="competing busy processes in the busy condition")
    ap.add_argument("--conditions", default="quiet,busy")
    ap.add_argument("--workloads", default="demo,sentiment,translation")
    ap.add_argument("--no-torch", action="store_true", help="leave out the PyTorch demo")
    ap.add_argument("--demo-steps", type=int, default=100)
    ap.add_argument("--sentiment-limit", type=int, default=2000, help="training examples in the slice")
    ap.add_argument("--sentiment-batches", type=int, default=40, help="batches in the epoch")
    ap.add_argument("--translation-limit", type=int, default=1000, help="pairs per split in the slice")
    ap.add_argument("--quick", action="store_true", help="2 rounds, 60 demo steps, smaller slices")
    args = ap.parse_args()
    if args.quick:
        args.demo_steps = 60
        args.sentiment_limit, args.sentiment_batches, args.translation_limit = 1000, 20, 500
    args.rounds = args.rounds or (2 if args.quick else 3)
    # (torch is not imported here: a child's peak RSS starts at its parent's, so the parent stays small)
    import importlib.util
    has_torch = not args.no_torch and importlib.util.find_spec("torch") is not None
    print(f"{os.cpu_count()} CPU cores, python {sys.version.split()[0]}; {args.rounds} rounds per "
          f"condition, variants interleaved; wall and CPU seconds and peak RSS per whole run (medians), "
          f"ratios = medians of per-round ratios to 'pinned' (1 BLAS thread set by hand)")
    with tempfile.TemporaryDirectory() as out_dir:
        jobs = workloads(args, out_dir)
        jobs = {k: v for k, v in jobs.items() if k in args.workloads.split(",")}
        if not has_torch and "demo" in jobs:
            jobs["demo"][1].pop("pytorch")
            jobs["demo"][1].pop("pt-pinned")
        for condition in args.conditions.split(","):
            if condition == "quiet":
                report("quiet machine (nothing started by the benchmark)", jobs, measure(jobs, args.rounds))
            elif condition == "busy":
                with BusyProcesses(args.busy):
                    results = measure(jobs, args.rounds)
                report(f"busy machine ({args.busy} competing busy process(es) started by the benchmark)",
                       jobs, results)
            else:
                raise SystemExit(f"unknown condition {condition!r}: use quiet and/or busy")


if __name__ == "__main__":
    main()
