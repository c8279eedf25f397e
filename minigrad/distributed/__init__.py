"""minigrad.distributed: data-parallel communication with torch.distributed's names.

Processes are started by an MPI launcher (``mpiexec -n 2 python train.py``); each calls
``init_process_group("mpi")`` (NumPy tensors, through mpi4py) or ``init_process_group("nccl")``
(CuPy tensors, one GPU per process, NCCL bootstrapped over MPI). Collectives then work in place on
tensors, exactly like torch's::

    import minigrad as mg
    import minigrad.distributed as dist
    dist.init_process_group("mpi")
    t = mg.tensor([float(dist.get_rank())])
    dist.all_reduce(t, op=dist.ReduceOp.SUM)   # every rank now holds 0 + 1 + ... + (world - 1)

Install the engines with ``pip install -e ".[distributed]"`` (mpi4py and MPICH, whose ``mpiexec``
lands next to the Python executable).
"""
from .process_group import (init_process_group, destroy_process_group, is_available, is_initialized,
                            is_mpi_available, is_nccl_available, get_rank, get_world_size,
                            get_local_rank, get_backend, DistBackendError)
from .collectives import (ReduceOp, Work, all_reduce, broadcast, all_gather, reduce, barrier)

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "get_rank", "get_world_size", "get_local_rank",
           "get_backend", "DistBackendError", "ReduceOp", "Work", "all_reduce", "broadcast",
           "all_gather", "reduce", "barrier"]
