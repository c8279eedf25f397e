"""torch.nn.modules.normalization."""
from ..normalization import *  # noqa: F401,F403
