"""minigrad.nn.parallel: data parallelism across processes (torch.nn.parallel's names)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
