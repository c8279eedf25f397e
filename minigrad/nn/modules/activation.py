"""torch.nn.modules.activation: the activations and MultiheadAttention."""
from ..activation import *  # noqa: F401,F403
from ..activation import MultiheadAttention  # noqa: F401
