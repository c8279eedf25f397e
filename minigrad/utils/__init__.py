"""minigrad.utils: small tools around the framework (graph export for teaching and debugging,
atomic file writes, and the stop/resume plumbing of training scripts)."""
from . import graph, runs
from .graph import to_dot, render
from .io import atomic_write

__all__ = ["graph", "to_dot", "render", "atomic_write", "runs"]
