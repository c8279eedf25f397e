"""Per-op overhead of minigrad vs PyTorch (CPU): forward + backward of a ~20-op expression on small
(16 x 16) tensors, where the time is dominated by framework bookkeeping rather than arithmetic.

    python benchmarks/ops_overhead.py [--threads 1] [--iters 500] [--repeats 20] [--profile]

Prints microseconds per op for both frameworks and their ratio (minigrad / torch).
"""
import argparse
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="BLAS / torch intra-op threads for both")
    p.add_argument("--iters", type=int, default=500, help="forward+backward passes per repeat")
    p.add_argument("--repeats", type=int, default=20, help="repeats; the best one is reported")
    p.add_argument("--size", type=int, default=16, help="side of the square tensors")
    p.add_argument("--profile", action="store_true", help="cProfile minigrad and print the top entries")
    return p.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy loads
    os.environ[var] = str(ARGS.threads)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402

try:
    import torch  # noqa: E402
    torch.set_num_threads(ARGS.threads)
except ImportError:  # pragma: no cover
    torch = None


def expression(m, x, w1, b1, w2, b2):
    """An MLP-ish block: two affine layers, activations, normalisation, softmax and a loss."""
    h = m.tanh(x @ w1 + b1)                               # matmul, add, tanh
    h = h * m.sigmoid(h)                                  # sigmoid, mul
    h = m.relu(h @ w2 + b2)                               # matmul, add, relu
    h = h - h.mean(dim=1, keepdim=True)                   # mean, sub
    h = h / m.sqrt(h.var(dim=1, keepdim=True) + 1e-5)     # var, add, sqrt, div
    p = m.softmax(h, dim=1)                               # softmax
    return -(m.log(p + 1e-8) * x).sum() / x.shape[0]      # add, log, mul, sum, neg, div


def count_minigrad_nodes(out):
    seen, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(e[0] for e in node._edges if e is not None and e[1] is not None)
    return len(seen)


def bench(steps, iters, repeats):
    """Best seconds per call of each step; repeats alternate between the steps to share the noise."""
    for step in steps:
        step()  # warm up
    best = [float("inf")] * len(steps)
    for _ in range(repeats):
        for k, step in enumerate(steps):
            t0 = time.perf_counter()
            for _ in range(iters):
                step()
            best[k] = min(best[k], (time.perf_counter() - t0) / iters)
    return best


def main():
    n = ARGS.size
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(n, n), (n, n), (n,), (n, n), (n,)]]

    mx = [mg.tensor(a, requires_grad=i > 0) for i, a in enumerate(arrays)]

    def mg_step():
        for p in mx[1:]:
            p.grad = None
        expression(mg, *mx).backward()

    n_ops = count_minigrad_nodes(expression(mg, *mx))
    steps = [mg_step]
    if torch is not None:
        tx = [torch.tensor(a, requires_grad=i > 0) for i, a in enumerate(arrays)]

        def torch_step():
            for p in tx[1:]:
                p.grad = None
            expression(torch, *tx).backward()

        loss_mg = float(expression(mg, *mx).item())
        loss_t = float(expression(torch, *tx).item())
        assert abs(loss_mg - loss_t) <= 1e-4 * max(1.0, abs(loss_t)), (loss_mg, loss_t)
        steps.append(torch_step)
    times = bench(steps, ARGS.iters, ARGS.repeats)

    print(f"expression: {n_ops} ops on {n}x{n} float32 tensors, forward + backward, "
          f"threads={ARGS.threads}, best of {ARGS.repeats} x {ARGS.iters} passes")
    print(f"minigrad {mg.__version__} ({mg.get_backend()}): {times[0] * 1e6:9.1f} us/pass "
          f"{times[0] * 1e6 / n_ops:7.2f} us/op")
    if torch is not None:
        print(f"torch    {torch.__version__} (cpu):  {times[1] * 1e6:9.1f} us/pass "
              f"{times[1] * 1e6 / n_ops:7.2f} us/op")
        print(f"ratio minigrad / torch: {times[0] / times[1]:.2f}x")
    else:
        print("torch is not installed: no comparison")

    if ARGS.profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(ARGS.iters):
            mg_step()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
