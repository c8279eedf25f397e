"""minigrad.utils: small tools around the framework (graph export for teaching and debugging)."""
from . import graph
from .graph import to_dot, render

__all__ = ["graph", "to_dot", "render"]
