"""The default process group: which engine, which rank, how many ranks; and failure handling.

There is one group per process (torch's default ``WORLD``): ranks and world size come from the MPI
launcher. An uncaught exception on any rank prints that rank's traceback and calls ``MPI_Abort``,
which makes the launcher stop every other rank, so a failure never leaves a job hanging.
"""
import datetime
import sys
import time
import traceback

from .base import DistBackendError, INSTALL_HINT, is_mpi_available, is_nccl_available

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "get_rank", "get_world_size", "get_local_rank",
           "get_backend", "DistBackendError"]

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)
# before MPI_Abort: a moment for the launcher to forward the message just written to stderr (the
# abort kills the processes that relay it)
_FORWARD_S = 0.2


class _State:
    group = None            # the backend object (MPIGroup / NCCLGroup) once initialised
    previous_excepthook = None


def _import_mpi():
    """mpi4py's MPI module, or an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(f"minigrad.distributed needs mpi4py and an MPI library: {INSTALL_HINT} "
                          f"({e})") from None
    return MPI


def is_available():
    """True when the distributed package can be used here (mpi4py is installed)."""
    return is_mpi_available()


def is_initialized():
    """True between init_process_group() and destroy_process_group()."""
    return _State.group is not None


def _group():
    if _State.group is None:
        raise RuntimeError("Default process group has not been initialized, please make sure to "
                           "call init_process_group.")
    return _State.group


def get_rank():
    """This process's rank, 0 ... world_size - 1."""
    return _group().rank


def get_world_size():
    """How many processes take part."""
    return _group().world_size


def get_local_rank():
    """This process's rank among the processes on the same machine (picks its GPU under NCCL)."""
    return _group().local_rank


def get_backend():
    """The engine's name: "mpi" or "nccl"."""
    return _group().name


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1,
                       abort_on_exception=True):
    """Join the job started by the MPI launcher; collectives may be used afterwards.

    Args:
        backend: "mpi" (NumPy tensors over mpi4py) or "nccl" (CuPy tensors, one GPU per process,
            chosen by local rank; the NCCL unique id is created by rank 0 and broadcast over MPI).
        init_method: only None or "env://" (the launcher supplies ranks; no rendezvous address).
        timeout: a datetime.timedelta after which a collective that has not finished raises
            DistBackendError (and so aborts the job); default 30 minutes, as in torch.
        world_size, rank: if given, checked against what the launcher reports.
        abort_on_exception: install a sys.excepthook that prints the rank's traceback and calls
            MPI_Abort, so one failing rank ends the whole job instead of leaving the others
            waiting. (``sys.exit(...)`` raises no such exception: on one rank only, prefer raising.)

    Example::

        >>> dist.init_process_group("mpi")   # under mpiexec -n 2: rank 0 and rank 1
    """
    if _State.group is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    if not isinstance(backend, str) or backend.lower() not in ("mpi", "nccl"):
        raise ValueError(f"init_process_group: backend must be 'mpi' or 'nccl', got {backend!r} "
                         f"(gloo has no minigrad engine: use 'mpi' on CPUs)")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported; ranks "
                         f"come from the MPI launcher (mpiexec -n N python script.py)")
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"timeout must be a datetime.timedelta, got {type(timeout).__name__}")
    backend = backend.lower()
    if backend == "nccl" and not is_nccl_available():   # before MPI starts up
        raise RuntimeError(f"the 'nccl' backend needs CuPy built with NCCL and a CUDA GPU per "
                           f"process (pip install -e \".[cuda]\" and {INSTALL_HINT}); on CPUs use "
                           f"init_process_group('mpi')")
    MPI = _import_mpi()
    if backend == "nccl":
        from .nccl_backend import NCCLGroup
        group = NCCLGroup(MPI, timeout.total_seconds())
    else:
        from .mpi_backend import MPIGroup
        group = MPIGroup(MPI, timeout.total_seconds())
    for name, given, actual in (("world_size", world_size, group.world_size),
                                ("rank", rank, group.rank)):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {name}={given} but the MPI launcher started this "
                             f"process with {name}={actual}")
    _State.group = group
    if abort_on_exception:
        _install_excepthook(MPI)


def destroy_process_group(group=None):
    """Leave the process group (MPI itself is finalised at interpreter exit by mpi4py)."""
    g = _group()
    g.close()
    _State.group = None
    if _State.previous_excepthook is not None:
        sys.excepthook = _State.previous_excepthook
        _State.previous_excepthook = None


def _install_excepthook(MPI):
    if _State.previous_excepthook is None:
        _State.previous_excepthook = sys.excepthook
    world = MPI.COMM_WORLD

    def abort_job(exc_type, exc, tb):
        # the traceback first (flushed), then MPI_Abort: mpiexec stops the other ranks
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(f"[rank {world.Get_rank()}] uncaught exception, aborting the job:\n{text}")
        sys.stderr.flush()
        sys.stdout.flush()
        if world.Get_size() > 1:
            time.sleep(_FORWARD_S)
            world.Abort(1)
        else:
            _State.previous_excepthook(exc_type, exc, tb)

    sys.excepthook = abort_job  # the interpreter's documented hook for uncaught exceptions
