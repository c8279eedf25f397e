"""The "mpi" engine: NumPy arrays through mpi4py's buffer interface (no pickling, no copies).

Every operation is started non-blocking (MPI_Iallreduce & co) and returns an MPI request; waiting
polls it so that a timeout can be honoured (MPI itself has none). Arrays handed here are
C-contiguous NumPy arrays of a dtype MPI knows; the collectives layer takes care of the rest.
"""
import time

from .. import backend as B
from .base import DistBackendError, local_rank

# the first few thousand polls spin (lowest latency); after that, back off to leave the core free
_SPIN_POLLS = 2000
_SLEEP_S = 0.0002


class MPIGroup:
    name = "mpi"
    device_kind = "cpu"

    def __init__(self, MPI, timeout_s):
        self.MPI = MPI
        # a private duplicate of COMM_WORLD, so a user's own mpi4py traffic cannot interleave
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank = self.comm.Get_rank()
        self.world_size = self.comm.Get_size()
        self.local_rank = local_rank(MPI, self.comm)
        self.timeout_s = timeout_s
        self._ops = {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN, "prod": MPI.PROD,
                     "lor": MPI.LOR, "land": MPI.LAND}

    # -- non-blocking primitives on C-contiguous arrays; each returns a request
    def all_reduce(self, buf, op):
        return self.comm.Iallreduce(self.MPI.IN_PLACE, buf, self._ops[op])

    def broadcast(self, buf, src):
        return self.comm.Ibcast(buf, root=src)

    def reduce(self, buf, dst, op):
        send = self.MPI.IN_PLACE if self.rank == dst else buf
        return self.comm.Ireduce(send, buf if self.rank == dst else None, self._ops[op], root=dst)

    def all_gather(self, out, buf):
        """out: a contiguous array of shape (world_size, *buf.shape)."""
        return self.comm.Iallgather(buf, out)

    def barrier(self):
        return self.comm.Ibarrier()

    # -- completion
    def is_done(self, request):
        return request.Test()

    def wait(self, request, timeout_s=None):
        limit = self.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + limit
        polls = 0
        while not request.Test():
            polls += 1
            if polls > _SPIN_POLLS:
                if time.monotonic() > deadline:
                    raise DistBackendError(
                        f"[rank {self.rank}] a collective did not finish within {limit:.0f} s "
                        f"(another rank may have stopped, or the ranks called collectives in "
                        f"different orders)")
                time.sleep(_SLEEP_S)

    def check_same(self, values):
        """True on every rank iff every rank passed the same list of integers (one small allreduce)."""
        v = B.np.asarray(list(values) + [-x for x in values], dtype=B.np.int64)
        self.wait(self.comm.Iallreduce(self.MPI.IN_PLACE, v, self.MPI.MAX))
        n = len(values)
        return bool((v[:n] == -v[n:]).all())

    def gather_objects(self, obj):
        """Every rank's `obj` (pickled; for error messages only)."""
        return self.comm.allgather(obj)

    def close(self):
        self.comm.Free()
