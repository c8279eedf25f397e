"""DataLoader worker processes: load batches in parallel, hand them back in the sampler's order.

The main process runs the sampler and sends each batch's indices to a worker (batch ``n`` goes to
worker ``n % num_workers``), keeping ``prefetch_factor * num_workers`` batches in flight. A worker
fetches the samples, runs ``collate_fn`` and sends the pickled batch back; the main process puts
results back in order, so the batches are exactly those of ``num_workers=0``. Each worker is seeded
with ``base_seed + worker_id`` (NumPy's global RNG, ``random`` and minigrad), may run
``worker_init_fn(worker_id)`` and can ask ``get_worker_info()`` who it is.

Workers always collate on the cpu (a forked child must not touch the GPU); the main process moves
tensors to the default device. They ignore Ctrl-C: the main process gets it and shuts them down.
"""
import collections
import itertools
import pickle
import queue
import random
import signal
import time
import traceback
import weakref

from .. import backend as B
from ..tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

WorkerInfo = collections.namedtuple("WorkerInfo", ["id", "num_workers", "seed", "dataset"])
WorkerInfo.__doc__ = """Who a worker process is: its id in [0, num_workers), the seed it was given and
its copy of the dataset (returned by get_worker_info() inside a worker)."""

_worker_info = None
_POLL_SECONDS = 0.2  # how often a waiting main process checks that its workers are still alive


def get_worker_info():
    """Inside a DataLoader worker: its WorkerInfo(id, num_workers, seed, dataset); None elsewhere.

    Example::

        def worker_init_fn(worker_id):
            info = get_worker_info()
            info.dataset.open_files(shard=info.id, of=info.num_workers)
    """
    return _worker_info


class _Failure:
    """An exception raised in a worker, carried to the main process with where it happened."""

    def __init__(self, worker_id, index, exc):
        self.worker_id, self.index = worker_id, index
        self.name = type(exc).__name__
        try:  # the class travels by reference: one defined inside a function cannot
            pickle.dumps(type(exc))
            self.exc_type = type(exc)
        except Exception:
            self.exc_type = RuntimeError
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self):
        where = "" if self.index is None else f" while loading index {self.index!r}"
        message = (f"Caught {self.name} in DataLoader worker process "
                   f"{self.worker_id}{where}.\nOriginal {self.text}")
        try:
            exc = self.exc_type(message)
        except Exception:  # an exception class with a different constructor
            exc = RuntimeError(message)
        raise exc


def _seed_worker(seed):
    B.np.random.seed(seed % 2 ** 32)
    random.seed(seed)
    B.manual_seed(seed)


def _worker_loop(dataset, collate_fn, batched, index_queue, result_queue, worker_id, num_workers,
                 seed, worker_init_fn):
    """The body of one worker process: fetch and collate tasks until it receives None."""
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    B.set_backend("numpy")
    _seed_worker(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_failure = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception as exc:
            init_failure = _Failure(worker_id, None, exc)
    while True:
        task = index_queue.get()
        if task is None:
            break
        epoch, number, indices = task
        current = None
        try:
            if init_failure is not None:
                out = init_failure
            elif batched:
                samples = []
                for current in indices:
                    samples.append(dataset[current])
                current = None
                out = collate_fn(samples)
            else:
                current = indices
                out = collate_fn(dataset[indices])
            payload = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = pickle.dumps(_Failure(worker_id, current, exc))
        result_queue.put((epoch, number, payload))


def _to_device(obj, device):
    """Move the tensors inside a collated batch to `device` (containers are rebuilt)."""
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return type(obj)((k, _to_device(v, device)) for k, v in obj.items())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to_device(v, device) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(v, device) for v in obj)
    return obj


def _shutdown(processes, index_queues, result_queue):
    """Ask every worker to stop, wait a little, then terminate stragglers and close the queues."""
    for q in index_queues:
        try:
            q.put(None)
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + 5.0
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.terminate()
            p.join(1.0)
    for q in list(index_queues) + [result_queue]:
        q.cancel_join_thread()
        q.close()


class WorkerPool:
    """num_workers processes that load the batches of one DataLoader (kept alive across epochs when
    the loader has persistent_workers=True)."""

    def __init__(self, loader, base_seed):
        ctx = loader.multiprocessing_context
        self.num_workers = loader.num_workers
        self.in_flight_limit = loader.prefetch_factor * loader.num_workers
        self.timeout = loader.timeout
        self.result_queue = ctx.Queue()
        self.index_queues, self.processes = [], []
        batched = loader.batch_sampler is not None
        for worker_id in range(self.num_workers):
            index_queue = ctx.Queue()
            process = ctx.Process(
                target=_worker_loop, daemon=True, name=f"DataLoader worker {worker_id}",
                args=(loader.dataset, loader.collate_fn, batched, index_queue, self.result_queue,
                      worker_id, self.num_workers, base_seed + worker_id, loader.worker_init_fn))
            self.index_queues.append(index_queue)
            try:
                process.start()
            except Exception as exc:  # spawn / forkserver pickle the dataset: lambdas cannot go
                _shutdown(self.processes, self.index_queues, self.result_queue)
                raise RuntimeError(f"DataLoader: could not start worker {worker_id} with the "
                                   f"{ctx.get_start_method()!r} start method ({type(exc).__name__}: "
                                   f"{exc}); the dataset, collate_fn and worker_init_fn must be "
                                   f"picklable (no lambdas or local classes), or use "
                                   f"multiprocessing_context='fork' where available") from exc
            self.processes.append(process)
        self.epochs = itertools.count()
        self._finalizer = weakref.finalize(self, _shutdown, self.processes, self.index_queues,
                                           self.result_queue)

    def shutdown(self):
        """Stop the workers (idempotent)."""
        self._finalizer()

    @property
    def alive(self):
        return self._finalizer.alive

    def run(self, tasks):
        """Yield the collated batch of every task (an index list, or one index), in order.

        A new pass supersedes the previous one (persistent workers): results of older passes are
        dropped, and an older iterator that is resumed raises, as in PyTorch.
        """
        epoch = self.current = next(self.epochs)
        self.results = {}  # batch number -> pickled result of the current pass
        tasks = iter(tasks)
        sent = received = 0
        exhausted = False
        device = B.default_device()
        while True:
            if self.current != epoch:
                raise RuntimeError("DataLoader: this iterator was superseded by a newer pass over "
                                   "the same loader (persistent_workers=True keeps one pass at a "
                                   "time)")
            while not exhausted and sent - received < self.in_flight_limit:
                indices = next(tasks, None)
                if indices is None:
                    exhausted = True
                    break
                self.index_queues[sent % self.num_workers].put((epoch, sent, indices))
                sent += 1
            if received == sent:
                return
            while received not in self.results:
                got_epoch, number, payload = self._get()
                if got_epoch == epoch:
                    self.results[number] = payload
            out = pickle.loads(self.results.pop(received))
            received += 1
            if isinstance(out, _Failure):
                out.reraise()
            yield out if device.type == "cpu" else _to_device(out, device)

    def _get(self):
        """The next result from any worker, checking meanwhile that none has died."""
        waited = 0.0
        while True:
            try:
                return self.result_queue.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                waited += _POLL_SECONDS
            for worker_id, p in enumerate(self.processes):
                if not p.is_alive():
                    self.shutdown()
                    raise RuntimeError(f"DataLoader worker {worker_id} (pid {p.pid}) exited "
                                       f"unexpectedly with exit code {p.exitcode}")
            if self.timeout and waited >= self.timeout:
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds waiting for "
                                   f"a batch from its workers")


def default_context():
    """Fork where it is safe (the platform default); spawn once CuPy is loaded (CUDA and fork do
    not mix)."""
    import multiprocessing
    return multiprocessing.get_context("spawn" if B.cupy_loaded() else None)

