"""minigrad.utils: small tools around the framework (graph export for teaching and debugging,
atomic file writes, and the stop/resume plumbing of training scripts)."""
from . import graph, runs
from .graph import to_dot, render
from .io import atomic_write
import sys as _sys
from .. import data  # torch.utils.data's home in PyTorch: minigrad.utils.data is minigrad.data

_sys.modules.setdefault(__name__ + ".data", data)

__all__ = ["graph", "to_dot", "render", "data", "atomic_write", "runs"]
