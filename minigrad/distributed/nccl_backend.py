"""The "nccl" engine: CuPy arrays through NCCL on a dedicated CUDA stream, bootstrapped over MPI.

Rank 0 creates the NCCL unique id and broadcasts it over MPI (the ChainerMN pattern); every process
uses the GPU given by its local rank. A collective first makes the communication stream wait for the
current stream (so the data is ready), then runs there; waiting on the Work makes the current stream
wait for the communication stream (the host does not block, as with torch's NCCL backend, so the
group timeout does not apply to NCCL work). Barriers, consistency checks and error messages use MPI.

Untested on a real GPU in this repository's CI (no GPU there): written to NCCL's and CuPy's APIs.
"""
from .. import backend as B
from .mpi_backend import MPIGroup
from .base import INSTALL_HINT, is_nccl_available

_DTYPE_NAMES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
                "int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32",
                "int64": "NCCL_INT64", "bool": "NCCL_UINT8"}
# logical or / and on 0/1 bytes are max / min
_OP_NAMES = {"sum": "NCCL_SUM", "prod": "NCCL_PROD", "max": "NCCL_MAX", "min": "NCCL_MIN",
             "lor": "NCCL_MAX", "land": "NCCL_MIN"}


class NCCLGroup:
    name = "nccl"
    device_kind = "cuda"

    def __init__(self, MPI, timeout_s):
        if not is_nccl_available():
            raise RuntimeError(f"the 'nccl' backend needs CuPy built with NCCL and a CUDA GPU per "
                               f"process (pip install -e \".[cuda]\" and {INSTALL_HINT}); "
                               f"on CPUs use init_process_group('mpi')")
        cp = self.cp = B._cupy
        nccl = self.nccl = B.nccl_module()
        self.mpi = MPIGroup(MPI, timeout_s)
        self.rank, self.world_size = self.mpi.rank, self.mpi.world_size
        self.local_rank = self.mpi.local_rank
        n_gpus = cp.cuda.runtime.getDeviceCount()
        if self.local_rank >= n_gpus:
            raise RuntimeError(f"nccl: local rank {self.local_rank} has no GPU of its own (this "
                               f"machine has {n_gpus}); start at most {n_gpus} processes per machine")
        self.device = cp.cuda.Device(self.local_rank)
        self.device.use()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = self.mpi.comm.bcast(uid, root=0)
        self.comm = nccl.NcclCommunicator(self.world_size, uid, self.rank)
        self.stream = cp.cuda.Stream(non_blocking=True)

    def _dtype(self, arr):
        name = _DTYPE_NAMES.get(str(arr.dtype))
        if name is None:
            raise TypeError(f"nccl: dtype {arr.dtype} is not supported by NCCL "
                            f"(use float16/32/64, int8/32/64, uint8 or bool)")
        return getattr(self.nccl, name)

    def _launch(self, run):
        """Run `run(stream_ptr)` on the communication stream after the current stream's work."""
        cp = self.cp
        ready = cp.cuda.Event(disable_timing=True)
        ready.record(cp.cuda.get_current_stream())
        self.stream.wait_event(ready)
        run(self.stream.ptr)
        done = cp.cuda.Event(disable_timing=True)
        done.record(self.stream)
        return done

    # -- the same non-blocking primitives as MPIGroup, on contiguous CuPy arrays
    def all_reduce(self, buf, op):
        ptr, dt, code = buf.data.ptr, self._dtype(buf), getattr(self.nccl, _OP_NAMES[op])
        return self._launch(lambda s: self.comm.allReduce(ptr, ptr, buf.size, dt, code, s))

    def broadcast(self, buf, src):
        ptr, dt = buf.data.ptr, self._dtype(buf)
        return self._launch(lambda s: self.comm.bcast(ptr, buf.size, dt, src, s))

    def reduce(self, buf, dst, op):
        ptr, dt, code = buf.data.ptr, self._dtype(buf), getattr(self.nccl, _OP_NAMES[op])
        return self._launch(lambda s: self.comm.reduce(ptr, ptr, buf.size, dt, code, dst, s))

    def all_gather(self, out, buf):
        dt = self._dtype(buf)
        return self._launch(lambda s: self.comm.allGather(buf.data.ptr, out.data.ptr, buf.size, dt, s))

    def barrier(self):
        self.cp.cuda.get_current_stream().synchronize()
        return self.mpi.barrier()

    # -- completion: MPI requests (barrier) or CUDA events (NCCL work)
    def is_done(self, request):
        if isinstance(request, self.cp.cuda.Event):
            return request.done
        return self.mpi.is_done(request)

    def wait(self, request, timeout_s=None):
        if isinstance(request, self.cp.cuda.Event):
            self.cp.cuda.get_current_stream().wait_event(request)
        else:
            self.mpi.wait(request, timeout_s)

    def check_same(self, values):
        return self.mpi.check_same(values)

    def gather_objects(self, obj):
        return self.mpi.gather_objects(obj)

    def close(self):
        self.stream.synchronize()
        self.comm.destroy()
        self.mpi.close()
