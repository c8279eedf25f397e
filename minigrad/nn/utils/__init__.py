"""minigrad.nn.utils: gradient clipping and the model summary table."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .summary import summary
from . import rnn
