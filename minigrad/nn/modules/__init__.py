"""torch.nn.modules' module paths (`nn.modules.transformer`, `nn.modules.activation`, ...) for code that
names them; each submodule re-exports the minigrad.nn classes PyTorch keeps in the file of that name."""
from . import activation, container, dropout, linear, loss, module, normalization, rnn, sparse, transformer
from ..module import Module  # noqa: F401
from ..attention import MultiheadAttention  # noqa: F401
from ..transformer import (Transformer, TransformerEncoder, TransformerDecoder,  # noqa: F401
                           TransformerEncoderLayer, TransformerDecoderLayer)
