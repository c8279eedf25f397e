"""torch.nn.modules.linear (with the NonDynamicallyQuantizableLinear of MultiheadAttention)."""
from ..linear import *  # noqa: F401,F403
