"""minigrad.nn: modules, layers, losses and functional ops, named and behaving as in torch.nn."""
from .module import Module, Parameter
from .containers import Sequential, ModuleList, ModuleDict
from .linear import Linear, Identity, Flatten, Unflatten
from .embedding import Embedding
from .dropout import Dropout
from .normalization import LayerNorm
from .activation import ReLU, LeakyReLU, ELU, SiLU, Softplus, Tanh, Sigmoid, GELU, Softmax, LogSoftmax
from .loss import (CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, SmoothL1Loss,
                   HuberLoss)
from . import functional, init, utils
from .rnn import RNNCell, LSTMCell, GRUCell, RNNBase, RNN, LSTM, GRU
from .attention import MultiheadAttention
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer,
                          TransformerDecoderLayer)
from . import parallel  # noqa: E402  (DistributedDataParallel)
from . import modules  # noqa: E402  (PyTorch's module paths: nn.modules.linear.Linear, ...)
