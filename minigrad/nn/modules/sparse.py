"""torch.nn.modules.sparse (Embedding)."""
from ..embedding import *  # noqa: F401,F403
