"""What the process group and the engines share: the error class, availability checks, local rank."""
import importlib.util
import os

__all__ = ["DistBackendError", "INSTALL_HINT", "is_mpi_available", "is_nccl_available", "local_rank"]

INSTALL_HINT = 'pip install -e ".[distributed]"  (or: pip install mpi4py mpich)'


class DistBackendError(RuntimeError):
    """A communication engine failed or timed out (torch.distributed.DistBackendError)."""


def is_mpi_available():
    """True when mpi4py is importable (the "mpi" backend, and the NCCL bootstrap)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_nccl_available():
    """True when CuPy with NCCL support and a CUDA device are present (the "nccl" backend)."""
    from .. import backend as B
    return is_mpi_available() and B.nccl_module() is not None


def local_rank(MPI, comm):
    """Rank among processes sharing this machine's memory (launcher variables as a fallback)."""
    try:
        node = comm.Split_type(MPI.COMM_TYPE_SHARED)
        try:
            return node.Get_rank()
        finally:
            node.Free()
    except Exception:  # an MPI without MPI-3 shared-memory split: ask the launcher
        for var in ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "LOCAL_RANK"):
            if var in os.environ:
                return int(os.environ[var])
        return 0
