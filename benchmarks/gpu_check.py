"""One command that proves the CuPy backend end to end on a GPU machine, inside a fixed time budget.

    python benchmarks/gpu_prepare.py            # first, here: copies the data it needs, prints the command
    MINIGRAD_BACKEND=cupy python benchmarks/gpu_check.py            # then, on the GPU machine
    python benchmarks/gpu_check.py --dry-run    # the same on the CPU, tiny sizes (run by the test suite)

Parts, each in its own subprocess with its own time limit (a part that runs over is killed and marked
TIMEOUT; the others still run; time a part leaves unused goes to the later ones), in this order:
  env        GPU name, CUDA / CuPy / PyTorch versions, free memory, and a first tensor on the device
  tests-*    groups of the test suite under MINIGRAD_BACKEND=cupy, side by side (--serial: one after
             another); pytest's summary is parsed, or its progress when a group is stopped
  bench      benchmarks/rnn.py: minigrad on CuPy vs PyTorch CUDA (cuDNN), LSTM and GRU, 3 sizes
  train-*    one epoch of the sentiment example on SST-2 and a slice of the translation example,
             then the GPU-trained sentiment checkpoint classifies text with MINIGRAD_BACKEND=numpy
The summary (pass/fail per part, the benchmark table, the training figures) is written to
$OUT/summary.md (or --out, default runs/gpu_check), with summary.json and the full log.txt beside it:
those three files only (the trainers write their checkpoints into a temporary folder).
The exit status is 0 only when every part passed.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CARRIED_DATA = os.path.join(ROOT, ".gpudata")     # filled by benchmarks/gpu_prepare.py
SHARED_DATA = os.path.join(ROOT, "..", "shared", "data")
LOG_LIMIT = 400_000                                # characters of one part's output kept in log.txt

# (name, what it proves, test paths, -k expression of the dry run). The groups run at the same time
# (one process each, TESTS_BUDGET seconds for all): on a fresh machine much of their time is CuPy
# compiling its kernels, which is CPU work that the machine's cores do side by side.
TEST_GROUPS = [
    ("tests-core", "backend, devices, tensors, autograd",
     ["tests/test_backend.py", "tests/test_backend_random.py", "tests/test_tensor.py",
      "tests/test_autograd.py"], "device"),
    ("tests-ops", "op parity with PyTorch and float64 gradcheck",
     ["tests/test_ops_elementwise.py", "tests/test_ops_index.py", "tests/test_ops_matmul.py",
      "tests/test_ops_reduce.py", "tests/test_ops_shape.py"], "matmul and gradcheck"),
    ("tests-rnn", "RNN/LSTM/GRU parity grid, cells, packing (fused CUDA kernels)",
     ["tests/nn/test_rnn.py", "tests/nn/test_rnn_cells.py", "tests/nn/test_rnn_packing.py"],
     "pack_padded_layout"),
    ("tests-checkpoints", "save/load, GPU checkpoint loaded on CPU and back",
     ["tests/test_serialization.py"], "gpu_checkpoint or map_location"),
    ("tests-examples", "sentiment and translation smoke tests",
     ["tests/examples"], "padding_and_batch_order and gru"),
]
ENV_BUDGET = 30
TESTS_BUDGET = 180
BENCH_BUDGET = 150
TRAIN_BUDGETS = {"train-sentiment": 50, "train-translation": 60, "train-cpu-load": 10}
TOTAL_BUDGET = 480   # the sum of the phases' limits: 8 minutes


# ------------------------------------------------------------------------------- running parts
def run_part(cmd, timeout, env=None, cwd=ROOT):
    """Run `cmd` (a list) in its own process group; kill the whole group after `timeout` seconds.

    Returns a dict: status ('ok', 'failed' or 'timeout'), returncode, seconds, output (stdout and
    stderr interleaved)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace", start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=max(timeout, 1))
        status = "ok" if proc.returncode == 0 else "failed"
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # the part and every process it started
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        status = "timeout"
    return {"status": status, "returncode": proc.returncode, "seconds": time.perf_counter() - t0,
            "output": out or ""}


_COUNT = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


def parse_pytest(output):
    """Counts from pytest's last summary line ('3 failed, 120 passed, 2 skipped in 9.1s') and the
    ids of failed tests (from the -rfE short summary)."""
    counts = {}
    for line in reversed(output.splitlines()):
        found = _COUNT.findall(line)
        if found and re.search(r"\bin [\d.]+s", line):
            for n, word in found:
                counts["errors" if word.startswith("error") else word] = int(n)
            break
    failed = [m.group(1) for m in re.finditer(r"^(?:FAILED|ERROR) (\S+)", output, re.M)]
    if not counts:  # killed before its summary: count the progress characters printed so far
        marks = "".join(m.group(1) for m in _PROGRESS.finditer(output))
        for char, word in (".", "passed"), ("F", "failed"), ("E", "errors"), ("s", "skipped"):
            if marks.count(char):
                counts[word] = marks.count(char)
        if counts:
            counts["unfinished"] = 1
    return counts, failed


_PROGRESS = re.compile(r"^([.FEsxX]+)\s*(?:\[\s*\d+%\])?\s*$", re.M)


# model size framework ms/step best [CPU ms] tokens/s peak [xGEMM] [ratio best [CPU ratio]]
_BENCH_ROW = re.compile(r"^(LSTM|GRU)\s+(\w+)\s+(minigrad|pytorch)\s+([\d.]+)\s+([\d.]+)"
                        r"(?:\s+(?:\d+\.\d+|nan))?\s+(\d+)\s+([\d.]+)(?:\s+(?:[\d.]+|nan|inf))?"
                        r"(?:\s+([\d.]+)\s+([\d.]+)(?:\s+[\d.]+)?)?\s*$")


def parse_bench(output):
    """Rows of benchmarks/rnn.py's table, joined per (model, size): minigrad and PyTorch ms/step,
    peak MB and the ratios minigrad / PyTorch (median, best)."""
    rows = {}
    for line in output.splitlines():
        m = _BENCH_ROW.match(line.strip())
        if not m:
            continue
        model, size, fw, med, best, _, peak, ratio, ratio_best = m.groups()
        row = rows.setdefault((model, size), {"model": model, "size": size})
        row[fw] = {"ms": float(med), "best_ms": float(best), "peak_mb": float(peak)}
        if ratio is not None:
            row["ratio"], row["ratio_best"] = float(ratio), float(ratio_best)
    return list(rows.values())


_EPOCH = re.compile(r"^epoch\s+\d+.*$", re.M)


def parse_training(output):
    """The per-epoch lines and the final line (test accuracy / best loss) of an example trainer."""
    lines = _EPOCH.findall(output)
    final = [line for line in output.splitlines() if line.startswith(("test accuracy", "done in"))]
    return lines + final[-1:]


# ---------------------------------------------------------------------------------- the plan
def data_dir():
    """The carried data (gpu_prepare.py) if present, else the shared data beside the checkout."""
    for path in (os.environ.get("MINIGRAD_DATA"), CARRIED_DATA, SHARED_DATA):
        if path and os.path.isdir(os.path.join(path, "sst")):
            return os.path.abspath(path)
    return None


def part_env(backend, data):
    """The environment every part runs in."""
    env = dict(os.environ, MINIGRAD_BACKEND=backend, PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    if data:
        env["MINIGRAD_DATA"] = data
    return env


ENV_SCRIPT = r"""
import json, platform, subprocess, sys, time
info = {"python": platform.python_version()}
import numpy
info["numpy"] = numpy.__version__
try:
    import cupy
    info["cupy"] = cupy.__version__
    rt = cupy.cuda.runtime
    info["cuda_runtime"] = rt.runtimeGetVersion()
    info["cuda_driver"] = rt.driverGetVersion()
    props = rt.getDeviceProperties(0)
    info["gpu"] = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    free, total = rt.memGetInfo()
    info["gpu_memory_free_gib"] = round(free / 2**30, 1)
    info["gpu_memory_total_gib"] = round(total / 2**30, 1)
except Exception as exc:
    info["cupy"] = f"unavailable ({type(exc).__name__}: {exc})"
try:
    import torch
    info["torch"] = torch.__version__
    info["torch_cuda"] = torch.cuda.is_available()
    if torch.cuda.is_available():
        info["torch_gpu"] = torch.cuda.get_device_name()
        info["cudnn"] = torch.backends.cudnn.version()
except Exception as exc:
    info["torch"] = f"unavailable ({type(exc).__name__})"
try:
    smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.used,memory.total",
                          "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
    info["nvidia_smi"] = smi.stdout.strip() or smi.stderr.strip()
except Exception as exc:
    info["nvidia_smi"] = f"unavailable ({type(exc).__name__})"
# a first tensor on the backend under test, with a backward pass and a fused-kernel LSTM step
failed = False
try:
    t0 = time.perf_counter()
    import minigrad as mg
    info["minigrad_backend"] = mg.get_backend()
    x = mg.randn(8, 16, requires_grad=True)
    (x @ x.T).tanh().sum().backward()
    lstm = mg.nn.LSTM(16, 32)
    out, _ = lstm(mg.randn(5, 3, 16))
    out.sum().backward()
    info["first_tensor_device"] = str(x.grad.device)
    info["first_ops_seconds"] = round(time.perf_counter() - t0, 2)
except Exception as exc:  # keep the versions above in the report
    import traceback
    traceback.print_exc()
    info["minigrad_error"] = f"{type(exc).__name__}: {exc}"
    failed = True
print("ENV " + json.dumps(info))
sys.exit(1 if failed else 0)
"""


def plan(args, data):
    """The parts to run: (name, description, command, budget seconds, backend)."""
    py = sys.executable
    backend = "numpy" if args.dry_run else "cupy"
    scale = args.budget_scale
    parts = [("env", "versions, GPU, memory, first tensor on the device",
              [py, "-c", ENV_SCRIPT], ENV_BUDGET, backend)]
    pytest = [py, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "--color=no"]
    if not args.dry_run and args.workers > 1 and _has_module("xdist"):
        pytest += ["-n", str(args.workers)]
    if not args.dry_run and _has_module("pytest_timeout"):
        pytest += ["--timeout", "120"]   # a hanging test fails alone instead of ending its group
    for name, what, paths, dry_k in TEST_GROUPS:
        cmd = pytest + paths + (["-k", dry_k] if args.dry_run else [])
        parts.append((name, what, cmd, TESTS_BUDGET, backend))
    # large first: it carries the target (at most 1.5x cuDNN), and a timeout cuts the table's end
    sizes, repeats = ("tiny", 1) if args.dry_run else ("large,medium,small", 3)
    models = "GRU" if args.dry_run else "LSTM,GRU"
    bench = [py, os.path.join(ROOT, "benchmarks", "rnn.py"), "--sizes", sizes, "--models", models,
             "--repeats", str(repeats), "--pause", "0" if args.dry_run else "0.1"]
    parts.append(("bench", "benchmarks/rnn.py: minigrad vs PyTorch " +
                  ("CPU (dry run)" if args.dry_run else "CUDA/cuDNN"), bench, BENCH_BUDGET, backend))
    if data is None:
        return [(n, w, c, b * scale, be) for n, w, c, b, be in parts], "no data folder (run gpu_prepare.py)"
    # a fresh folder (no stale checkpoint can stand in for a failed run), not under --out: the GPU
    # machine sends back at most 8 files from $OUT, and the three of the summary matter
    runs = args.train_dir = tempfile.mkdtemp(prefix="gpu_check_train_")
    if args.dry_run:
        sent = ["--limit", "64", "--embed-dim", "8", "--hidden", "8"]
        trans = ["--limit", "32", "--embed-dim", "8", "--hidden", "8", "--batch-size", "16"]
    else:  # the whole SST-2 training set; the first 6,000 Multi30k pairs (and 1,014 dev pairs)
        sent = ["--batch-size", "64"]
        trans = ["--limit", "6000", "--batch-size", "128"]
    ex = os.path.join(ROOT, "examples")
    parts.append(("train-sentiment", "SST-2, one epoch (default LSTM model)",
                  [py, os.path.join(ex, "sentiment", "train.py"), "--data-dir", data, "--epochs", "1",
                   "--no-progress", "--out", os.path.join(runs, "sentiment")] + sent,
                  TRAIN_BUDGETS["train-sentiment"], backend))
    parts.append(("train-translation", "Multi30k de->en slice, one epoch (GRU + attention)",
                  [py, os.path.join(ex, "translation", "train.py"), "--data-dir", data, "--epochs",
                   "1", "--no-progress", "--out", os.path.join(runs, "translation")] + trans,
                  TRAIN_BUDGETS["train-translation"], backend))
    parts.append(("train-cpu-load", "the GPU-trained sentiment checkpoint predicts on NumPy",
                  [py, os.path.join(ex, "sentiment", "predict.py"), "--ckpt",
                   os.path.join(runs, "sentiment", "best.ckpt"), "a moving , beautiful film .",
                   "dull and far too long ."], TRAIN_BUDGETS["train-cpu-load"], "numpy"))
    return [(n, w, c, b * scale, be) for n, w, c, b, be in parts], None


def _has_module(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


def phases(parts, serial=False):
    """Consecutive parts grouped into phases run one after another; the test groups form one phase
    whose parts run at the same time (unless `serial`)."""
    out = []
    for part in parts:
        if not serial and out and part[0].startswith("tests-") and out[-1][0][0].startswith("tests-"):
            out[-1].append(part)
        else:
            out.append([part])
    return out


def run_phase(phase, limit, env_for):
    """Run a phase's parts (at the same time when several), each with `limit` seconds."""
    if len(phase) == 1:
        name, what, cmd, _, backend = phase[0]
        return [run_part(cmd, limit, env=env_for(backend))]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(len(phase)) as pool:
        jobs = [pool.submit(run_part, cmd, limit, env_for(backend))
                for _, _, cmd, _, backend in phase]
        return [job.result() for job in jobs]


def part_limit(own, left, later):
    """A part's time limit: its own budget plus whatever the parts before it left unused, but
    never time reserved for the parts after it (so one slow part cannot eat the rest)."""
    return max(0.0, min(left, own + max(0.0, left - own - sum(later))))


# ----------------------------------------------------------------------------------- summary
def judge(name, result):
    """Add what a part's output says to its result (pytest counts, bench rows, env info)."""
    out = result["output"]
    if name.startswith("tests-"):
        counts, failed = parse_pytest(out)
        result["counts"], result["failed_tests"] = counts, failed
        if result["status"] == "ok" and not counts.get("passed"):
            result["status"] = "failed"  # nothing ran (exit 0 with no tests would hide a problem)
    elif name == "env":
        line = next((ln for ln in out.splitlines() if ln.startswith("ENV ")), None)
        result["info"] = json.loads(line[4:]) if line else {}
    elif name == "bench":
        result["rows"] = parse_bench(out)
        if result["status"] == "ok" and not result["rows"]:
            result["status"] = "failed"
    elif name == "train-cpu-load":
        result["lines"] = out.strip().splitlines()[-5:]
    elif name.startswith("train-"):
        result["lines"] = parse_training(out)
    return result


def render(results, meta):
    """The one-page Markdown summary."""
    lines = [f"# minigrad GPU check ({meta['mode']})", "",
             f"{meta['started']} UTC, {meta['seconds']:.0f} s in all (budget {meta['budget']:.0f} s); "
             f"backend {meta['backend']}; data {meta['data'] or 'none'}", ""]
    env = next((r for r in results if r["name"] == "env"), None)
    if env and env.get("info"):
        lines += ["## Environment", ""] + [f"- {k}: {v}" for k, v in env["info"].items()] + [""]
    lines += ["## Parts", "", "| part | result | seconds | limit | details |", "| --- | --- | ---: | ---: | --- |"]
    for r in results:
        detail = r["what"]
        if "counts" in r:
            counts = {k: v for k, v in r["counts"].items() if k != "unfinished"}
            detail = ", ".join(f"{v} {k}" for k, v in counts.items()) or "no pytest summary"
            if r["counts"].get("unfinished"):
                detail += " before it was stopped"
        lines.append(f"| {r['name']} | {r['status'].upper()} | {r['seconds']:.0f} | {r['limit']:.0f} "
                     f"| {detail} |")
    failed = [(r["name"], t) for r in results for t in r.get("failed_tests", [])]
    if failed:
        lines += ["", "Failed tests (first 30):", ""] + [f"- {n}: `{t}`" for n, t in failed[:30]]
    bench = next((r for r in results if r["name"] == "bench"), None)
    if bench and bench.get("rows"):
        lines += ["", "## RNN training step: minigrad vs PyTorch", "",
                  "| model | size | minigrad ms | PyTorch ms | ratio (median) | ratio (best) "
                  "| minigrad peak MB | PyTorch peak MB |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for row in bench["rows"]:
            m, t = row.get("minigrad", {}), row.get("pytorch", {})
            lines.append(f"| {row['model']} | {row['size']} | {m.get('ms', '')} | {t.get('ms', '')} "
                         f"| {row.get('ratio', '')} | {row.get('ratio_best', '')} "
                         f"| {m.get('peak_mb', '')} | {t.get('peak_mb', '')} |")
        large = [row["ratio"] for row in bench["rows"] if row["size"] == "large" and "ratio" in row]
        if large:
            verdict = "met" if max(large) <= 1.5 else "NOT met"
            lines += ["", f"Target (issue 17): large configuration at most 1.5x cuDNN's time: {verdict} "
                          f"(worst ratio {max(large):.2f})."]
    train = [r for r in results if r["name"].startswith("train-") and r.get("lines")]
    if train:
        lines += ["", "## Training on the device", ""]
        for r in train:
            lines += [f"{r['name']} ({r['what']}, {r['seconds']:.0f} s wall):", "", "```"]
            lines += r["lines"] + ["```", ""]
    for r in results:
        if r["status"] != "ok":
            tail = "\n".join(r["output"].rstrip().splitlines()[-15:])
            lines += ["", f"### {r['name']}: {r['status'].upper()}, last lines", "", "```", tail, "```"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true",
                    help="on the CPU (MINIGRAD_BACKEND=numpy) with tiny sizes: checks this script")
    ap.add_argument("--out", default=os.environ.get("OUT") or os.path.join(ROOT, "runs", "gpu_check"),
                    help="folder for summary.md, summary.json and log.txt (default: $OUT)")
    ap.add_argument("--budget", type=float, default=TOTAL_BUDGET,
                    help="seconds for everything (default %(default)s); time a part leaves unused "
                         "goes to the parts after it")
    ap.add_argument("--budget-scale", type=float, default=1.0,
                    help="multiply every part's own time limit (default %(default)s)")
    ap.add_argument("--only", default=None, help="comma-separated part names (or prefixes) to run")
    ap.add_argument("--serial", action="store_true",
                    help="run the test groups one after another (default: at the same time)")
    ap.add_argument("--workers", type=int, default=1,
                    help="pytest-xdist workers for the test groups on the GPU (when xdist is there; "
                         "off by default: the suite has not been run under xdist)")
    args = ap.parse_args(argv)
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)

    data = data_dir()
    parts, note = plan(args, data)
    if args.only:
        wanted = args.only.split(",")
        parts = [p for p in parts if any(p[0] == w or p[0].startswith(w + "-") for w in wanted)]
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    t_start = time.perf_counter()
    deadline = t_start + args.budget
    results = []
    log = open(os.path.join(args.out, "log.txt"), "w", encoding="utf-8")
    if note:
        print("note:", note)
    steps = phases(parts, serial=args.serial)
    budgets = [max(p[3] for p in phase) for phase in steps]
    for i, phase in enumerate(steps):
        limit = part_limit(budgets[i], deadline - time.perf_counter(), budgets[i + 1:])
        print(f"== {', '.join(p[0] for p in phase)}: limit {limit:.0f} s", flush=True)
        if limit < 3:
            outcome = [{"status": "skipped", "returncode": None, "seconds": 0.0,
                        "output": "skipped: the total budget is spent"} for _ in phase]
        else:
            outcome = run_phase(phase, limit, lambda backend: part_env(backend, data))
        for (name, what, cmd, _, backend), result in zip(phase, outcome):
            result.update(name=name, what=what, limit=limit,
                          command=" ".join(map(shlex.quote, cmd)))
            judge(name, result)
            results.append(result)
            print(f"   {name}: {result['status'].upper()} in {result['seconds']:.1f} s", flush=True)
            log.write(f"\n===== {name}: {result['status']} in {result['seconds']:.1f} s (limit "
                      f"{limit:.0f} s)\n$ MINIGRAD_BACKEND={backend} {result['command']}\n")
            log.write(result["output"][-LOG_LIMIT:])
            log.flush()
    log.close()
    if getattr(args, "train_dir", None):
        shutil.rmtree(args.train_dir, ignore_errors=True)
    meta = {"mode": "dry run on the CPU" if args.dry_run else "GPU", "started": started,
            "seconds": time.perf_counter() - t_start, "budget": args.budget, "data": data,
            "backend": "numpy" if args.dry_run else "cupy"}
    summary = render(results, meta)
    with open(os.path.join(args.out, "summary.md"), "w", encoding="utf-8") as f:
        f.write(summary)
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "parts": [{k: v for k, v in r.items() if k != "output"}
                                           for r in results]}, f, indent=1)
    print()
    print(summary)
    return 0 if results and all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
