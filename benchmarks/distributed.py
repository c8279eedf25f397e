"""Data-parallel benchmark on one machine: does splitting the batch over 2 processes pay?

1. The medium LSTM training step of benchmarks/rnn.py (B64 T50 I256 H256, 2 layers, bidirectional,
   float32; loss = mean(output^2), backward, SGD) on the global batch of 64, as
       1 process  x 1 BLAS thread       (the baseline for scaling efficiency)
       1 process  x 2 BLAS threads      (what one process gets from the second core)
       2 processes x 1 BLAS thread each (DistributedDataParallel over MPI, 32 rows per rank)
   scaling efficiency = t(1 x 1) / (2 * t(2 x 1)); PyTorch (DDP over gloo) side by side.
2. All-reduce bandwidth between 2 processes (float32 sum, 1 MB to 256 MB): minigrad's
   all_reduce, raw mpi4py (the engine it wraps) and torch.distributed over gloo.
   algbw = bytes / time; busbw = algbw * 2 (n - 1) / n (the nccl-tests convention).

Every configuration runs in fresh processes; the parent alternates them round by round, so that all
see the same machine load. Needs `pip install -e ".[distributed]"`.

    python benchmarks/distributed.py --rounds 3 --steps 5
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
B, T, I, H, LAYERS = 64, 50, 256, 256, 2
LR = 0.01
SIZES_MB = (1, 4, 16, 64, 256)
REPEATS_BY_MB = {1: 40, 4: 20, 16: 10, 64: 5, 256: 3}


# ------------------------------------------------------------------------------------- workers
def _mpi_rank():
    return int(os.environ.get("PMI_RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0"))), \
        int(os.environ.get("PMI_SIZE", os.environ.get("OMPI_COMM_WORLD_SIZE", "1")))


def _minigrad_step(steps, distributed):
    sys.path.insert(0, ROOT)
    import numpy as np
    import minigrad as mg
    import minigrad.nn as nn
    world = 1
    if distributed:
        import minigrad.distributed as dist
        dist.init_process_group("mpi")
        world = dist.get_world_size()
    mg.manual_seed(0)
    model = nn.LSTM(I, H, LAYERS, bidirectional=True)
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    x = mg.tensor(np.random.default_rng(1).standard_normal((T, B // world, I)).astype(np.float32))
    opt = mg.optim.SGD(model.parameters(), lr=LR)

    def step():
        out, _ = net(x)
        opt.zero_grad()
        (out * out).mean().backward()
        opt.step()
    return step


def _torch_step(steps, distributed):
    import torch
    import torch.nn as tnn
    world = 1
    if distributed:
        import torch.distributed as tdist
        rank, size = _mpi_rank()
        tdist.init_process_group("gloo", rank=rank, world_size=size)
        world = size
    torch.manual_seed(0)
    model = tnn.LSTM(I, H, LAYERS, bidirectional=True)
    net = tnn.parallel.DistributedDataParallel(model) if distributed else model
    x = torch.randn(T, B // world, I)
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        out, _ = net(x)
        opt.zero_grad()
        (out * out).mean().backward()
        opt.step()
    return step


def worker_step(framework, steps, distributed):
    if framework == "torch":
        import torch
        torch.set_num_threads(int(os.environ["OPENBLAS_NUM_THREADS"]))
    step = (_torch_step if framework == "torch" else _minigrad_step)(steps, distributed)
    step()
    step()   # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    if _mpi_rank()[0] == 0:
        print(json.dumps({"median": statistics.median(times), "best": min(times)}), flush=True)
    _shutdown(framework, distributed)


def _shutdown(framework, distributed):
    """End a torch gloo worker without its exit-time teardown, which can abort or hang."""
    if distributed and framework == "torch":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def worker_allreduce(framework):
    import numpy as np
    results = {}
    if framework == "torch":
        import torch
        import torch.distributed as tdist
        rank, size = _mpi_rank()
        tdist.init_process_group("gloo", rank=rank, world_size=size)
        make = lambda n: torch.ones(n)   # noqa: E731
        reduce = lambda t: tdist.all_reduce(t)   # noqa: E731
        sync = tdist.barrier
    elif framework == "mpi4py":
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        make = lambda n: np.ones(n, np.float32)   # noqa: E731
        reduce = lambda a: comm.Allreduce(MPI.IN_PLACE, a, MPI.SUM)   # noqa: E731
        sync = comm.Barrier
    else:
        sys.path.insert(0, ROOT)
        import minigrad as mg
        import minigrad.distributed as dist
        dist.init_process_group("mpi")
        make = lambda n: mg.ones(n)   # noqa: E731
        reduce = dist.all_reduce
        sync = dist.barrier
    for mb in SIZES_MB:
        buf = make(mb * 2 ** 20 // 4)
        reduce(buf)
        times = []
        for _ in range(REPEATS_BY_MB[mb]):   # the same count on every rank (collectives must match)
            sync()
            t0 = time.perf_counter()
            reduce(buf)
            times.append(time.perf_counter() - t0)
        results[mb] = statistics.median(times)
        del buf
    if _mpi_rank()[0] == 0:
        print(json.dumps(results), flush=True)
    _shutdown(framework, True)


# -------------------------------------------------------------------------------------- parent
def mpiexec():
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return beside if os.path.exists(beside) else shutil.which("mpiexec")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(procs, threads, *worker_args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", *map(str, worker_args)]
    if procs > 1:
        cmd = [mpiexec(), "-n", str(procs)] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per configuration")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per run (after 2 warm-up)")
    ap.add_argument("--no-torch", action="store_true", help="time minigrad only")
    ap.add_argument("--skip-step", action="store_true", help="only the all-reduce bandwidth")
    ap.add_argument("--skip-allreduce", action="store_true", help="only the training step")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, framework, rest = args.worker[0], args.worker[1], args.worker[2:]
        if kind == "step":
            return worker_step(framework, int(rest[0]), rest[1] == "ddp")
        return worker_allreduce(framework)
    if mpiexec() is None:
        sys.exit('mpiexec not found: pip install -e ".[distributed]"')
    import importlib.util
    frameworks = ["minigrad"]
    if not args.no_torch and importlib.util.find_spec("torch") is not None:
        frameworks.append("torch")
    print(f"{os.cpu_count()} CPU cores; medium LSTM training step, global batch {B} (T{T} I{I} "
          f"H{H}, {LAYERS} layers, bidirectional, float32); median of {args.steps} steps per run, "
          f"median over {args.rounds} alternating rounds")
    if not args.skip_step:
        configs = [(f, procs, threads) for f in frameworks
                   for procs, threads in ((1, 1), (1, 2), (2, 1))]
        times = {c: [] for c in configs}
        for _ in range(args.rounds):
            for f, procs, threads in configs:
                mode = "ddp" if procs > 1 else "single"
                times[(f, procs, threads)].append(launch(procs, threads, "step", f, args.steps, mode)["median"])
        med = {c: statistics.median(v) for c, v in times.items()}
        print(f"{'framework':9} {'processes x threads':>20} {'ms/step':>9} {'speedup vs 1x1':>15}")
        for f, procs, threads in configs:
            t = med[(f, procs, threads)]
            print(f"{f:9} {f'{procs} x {threads}':>20} {t * 1e3:9.1f} {med[(f, 1, 1)] / t:15.2f}")
        for f in frameworks:
            eff = med[(f, 1, 1)] / (2 * med[(f, 2, 1)])
            print(f"{f}: DDP scaling efficiency on 2 processes = t(1x1) / (2 t(2x1)) = {eff:.2f}; "
                  f"2 x 1 vs 1 x 2: {med[(f, 1, 2)] / med[(f, 2, 1)]:.2f}x")
        if "torch" in frameworks:
            print(f"ratio minigrad / torch, 2 x 1 DDP: {med[('minigrad', 2, 1)] / med[('torch', 2, 1)]:.2f}")
    if not args.skip_allreduce:
        engines = ["minigrad", "mpi4py"] + (["torch"] if "torch" in frameworks else [])
        runs = {e: [] for e in engines}
        for _ in range(args.rounds):
            for e in engines:
                runs[e].append(launch(2, 1, "allreduce", e))
        print(f"\nall-reduce, 2 processes, float32 sum: algbw (busbw = algbw) in GB/s, median of rounds")
        print(f"{'MB':>5} " + " ".join(f"{e + ' ms':>12} {e + ' GB/s':>13}" for e in engines))
        for mb in SIZES_MB:
            cells = []
            for e in engines:
                t = statistics.median(r[str(mb)] for r in runs[e])
                cells.append(f"{t * 1e3:12.2f} {mb * 2 ** 20 / t / 1e9:13.2f}")
            print(f"{mb:5d} " + " ".join(cells))


if __name__ == "__main__":
    main()
