"""torch.nn.modules.transformer."""
from ..transformer import *  # noqa: F401,F403
from ..transformer import _generate_square_subsequent_mask, _get_activation_fn, _get_clones  # noqa: F401
from ..attention import MultiheadAttention  # noqa: F401
from ..linear import Linear  # noqa: F401
from ..dropout import Dropout  # noqa: F401
from ..normalization import LayerNorm  # noqa: F401
from ..containers import ModuleList  # noqa: F401
from ..module import Module  # noqa: F401
