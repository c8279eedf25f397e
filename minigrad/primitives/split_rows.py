"""Run a row-wise NumPy job on two threads: the caller and one helper.

NumPy runs an elementwise loop on one core, but releases the GIL inside it, so a job on many rows
(the gate math of one recurrent step) can be split: the helper thread takes the upper half of the
rows while the caller does the lower half.  If the helper has not started its half by the time the
caller is done (its core is busy with another program), the caller takes the half back and does it
too, so a busy machine costs at most the time of doing all rows on one thread.
"""
import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["SPLIT_MIN", "run_split"]

SPLIT_MIN = 32768   # elements (rows * width) from which splitting pays for the hand-off (measured)
_pool = None


def _forget_pool():
    global _pool
    _pool = None    # a forked child has no helper thread: start a new one when needed


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def run_split(fn, rows, width, threads, min_elements=SPLIT_MIN):
    """Call fn(lo, hi) over the rows [0, rows): on two threads when ``threads >= 2`` and the job
    has at least ``min_elements`` elements (rows * width), else once on the caller's thread."""
    global _pool
    if threads < 2 or rows < 2 or rows * width < min_elements:
        fn(0, rows)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(1, thread_name_prefix="minigrad-rows")
    mid = rows // 2
    job = _pool.submit(fn, mid, rows)
    fn(0, mid)
    if job.cancel():        # the helper never got to it: do the upper half here
        fn(mid, rows)
    else:
        job.result()
