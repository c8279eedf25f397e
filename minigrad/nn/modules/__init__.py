"""minigrad.nn.modules: PyTorch's module paths (``torch.nn.modules.linear.Linear`` & co).

PyTorch code and checkpoints name layers by these paths (for example in
``serialization.add_safe_globals``); each submodule here is the minigrad module that defines
those layers, so ``minigrad.nn.modules.linear.Linear is minigrad.nn.Linear``.
"""
import sys

from .. import module, linear, embedding, rnn, dropout, containers, activation, loss, normalization
from .. import transformer
from ..module import Module
from ..containers import Sequential, ModuleList, ModuleDict
from ..linear import Linear, Identity, Flatten, Unflatten
from ..embedding import Embedding
from ..dropout import Dropout
from ..normalization import LayerNorm
from ..activation import (ReLU, LeakyReLU, ELU, SiLU, Softplus, Tanh, Sigmoid, GELU, Softmax,
                          LogSoftmax)
from ..loss import (CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss,
                    SmoothL1Loss, HuberLoss)
from ..rnn import RNNCell, LSTMCell, GRUCell, RNNBase, RNN, LSTM, GRU
from ..activation import MultiheadAttention
from ..transformer import (Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer,
                           TransformerDecoderLayer)

# PyTorch's submodule name -> the minigrad module holding those classes
_PATHS = {"module": module, "linear": linear, "sparse": embedding, "rnn": rnn, "dropout": dropout,
          "container": containers, "activation": activation, "loss": loss,
          "normalization": normalization, "flatten": linear, "transformer": transformer}
for _name, _mod in _PATHS.items():
    globals()[_name] = _mod
    sys.modules.setdefault(f"{__name__}.{_name}", _mod)
