"""torch.nn.modules.dropout."""
from ..dropout import *  # noqa: F401,F403
