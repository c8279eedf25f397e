"""2-rank worker: rank 1 fails (raises, or exits hard) while rank 0 waits in a collective forever."""
import os
import sys

import minigrad as mg
import minigrad.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi")
t = mg.ones(4)
dist.all_reduce(t)
if dist.get_rank() == 1:
    if mode == "raise":
        raise ValueError("boom from rank 1: a deliberate failure")
    sys.stderr.write("rank 1 exiting with status 3\n")
    sys.stderr.flush()
    os._exit(3)
dist.all_reduce(t)   # rank 1 never joins: without the abort this would wait for 30 minutes
print("rank 0 should never get here")
