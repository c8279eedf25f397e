"""torch.nn.modules.container."""
from ..containers import *  # noqa: F401,F403
