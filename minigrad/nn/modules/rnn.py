"""torch.nn.modules.rnn."""
from ..rnn import *  # noqa: F401,F403
