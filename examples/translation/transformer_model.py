"""The Transformer translation model (`--arch transformer`), built from minigrad.nn's Transformer
layers and plugged into the same Seq2Seq interface as the recurrent models, so training, greedy and
beam decoding, evaluation and the attention plots are shared with them.

The "decoder state" of the recurrent models becomes the target prefix decoded so far: a step feeds
the whole prefix through the decoder again (with the causal mask) and keeps the last position's
output.  Simple, and cheap at Multi30k's sentence lengths; a key/value cache would avoid the
recomputation.
"""
import math

import numpy as np

import minigrad as mg
import minigrad.nn as nn

MAX_LEN = 256


def sinusoidal_table(max_len, d_model):
    """(max_len, d_model): PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(p / 10000^(2i/d))."""
    pos = np.arange(max_len)[:, None]
    rates = np.exp(-math.log(10000.0) * np.arange(0, d_model, 2) / d_model)
    table = np.zeros((max_len, d_model))
    table[:, 0::2] = np.sin(pos * rates)
    table[:, 1::2] = np.cos(pos * rates)[:, :d_model // 2]
    return table


class TokenEmbedding(nn.Module):
    """Token embedding * sqrt(d_model) plus a position code (sinusoidal or learned), then dropout."""

    def __init__(self, vocab_size, d_model, dropout, positions="sinusoidal", max_len=MAX_LEN):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.positions, self.scale, self.max_len = positions, math.sqrt(d_model), max_len
        if positions == "learned":
            self.position = nn.Embedding(max_len, d_model)
        elif positions == "sinusoidal":
            table = sinusoidal_table(max_len, d_model).astype(mg.get_default_dtype().name)
            self.register_buffer("pe", mg.tensor(table[:, None, :]), persistent=False)
        else:
            raise ValueError(f"unknown positions {positions!r}; expected 'sinusoidal' or 'learned'")
        self.dropout = nn.Dropout(dropout)

    def forward(self, tokens):
        """tokens (T, B) -> (T, B, d_model)."""
        length = tokens.shape[0]
        if length > self.max_len:
            raise ValueError(f"sequence of {length} tokens is longer than the {self.max_len} positions")
        x = self.embedding(tokens) * self.scale
        if self.positions == "learned":
            x = x + self.position(mg.arange(length, device=tokens.device)).unsqueeze(1)
        else:
            x = x + self.pe[:length]
        return self.dropout(x)


class TransformerEncoderSide(nn.Module):
    """Embedding + positions -> nn.TransformerEncoder; returns the memory and an empty target prefix."""

    def __init__(self, vocab_size, d_model, nhead, layers, dim_feedforward, dropout, positions):
        super().__init__()
        self.embed = TokenEmbedding(vocab_size, d_model, dropout, positions)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d_model),
                                             enable_nested_tensor=False)
        self.output_dim = d_model

    def forward(self, src, src_lengths):
        """src (S, B) -> memory (S, B, d_model), the empty prefix (0, B)."""
        positions = mg.arange(src.shape[0], device=src.device).unsqueeze(0)
        padding = positions >= src_lengths.to(src.device).unsqueeze(1)  # (B, S), True on padding
        memory = self.encoder(self.embed(src), src_key_padding_mask=padding)
        return memory, mg.zeros(0, src.shape[1], dtype=mg.int64, device=src.device)


class TransformerDecoderSide(nn.Module):
    """Embedding + positions -> nn.TransformerDecoder (causal self-attention, attention over the
    memory) -> Linear over the target vocabulary.

    In eval mode the cross-attention weights of every layer and head are kept in `attention_maps`
    (a list of (B, heads, T, S) arrays, one per layer), through forward hooks on the layers'
    `multihead_attn`: nn.TransformerDecoderLayer itself asks for no weights.
    """

    def __init__(self, vocab_size, d_model, nhead, layers, dim_feedforward, dropout, positions):
        super().__init__()
        self.embed = TokenEmbedding(vocab_size, d_model, dropout, positions)
        layer = nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout)
        self.decoder = nn.TransformerDecoder(layer, layers, norm=nn.LayerNorm(d_model))
        self.fc_out = nn.Linear(d_model, vocab_size)
        self.attention_maps = []
        for mod in self.decoder.layers:
            mod.multihead_attn.register_forward_pre_hook(self._ask_for_weights, with_kwargs=True)
            mod.multihead_attn.register_forward_hook(self._keep_weights)

    def _ask_for_weights(self, module, args, kwargs):
        if not self.training:
            return args, {**kwargs, "need_weights": True, "average_attn_weights": False}
        return None

    def _keep_weights(self, module, args, output):
        if not self.training and output[1] is not None:
            self.attention_maps.append(output[1].detach())

    def forward(self, tokens, prefix, memory, src_mask):
        """tokens (T, B) continue `prefix` (P, B) -> logits (T, B, V) for the T new positions, the
        extended prefix (P + T, B), and (eval mode) the last layer's attention over the source,
        averaged over heads (B, T, S)."""
        full = mg.cat([prefix, tokens]) if prefix.shape[0] else tokens
        causal = nn.Transformer.generate_square_subsequent_mask(full.shape[0], device=tokens.device,
                                                                dtype=memory.dtype)
        self.attention_maps = []
        out = self.decoder(self.embed(full), memory, tgt_mask=causal,
                           memory_key_padding_mask=~src_mask)
        new = tokens.shape[0]
        out = out[full.shape[0] - new:]
        weights = None
        if self.attention_maps:
            weights = self.attention_maps[-1].mean(dim=1)[:, full.shape[0] - new:]
        logits = self.fc_out(out.reshape(-1, out.shape[-1])).reshape(new, out.shape[1], -1)
        return logits, full, weights


def build_transformer(seq2seq, src_vocab_size, tgt_vocab_size, layers=3, d_model=256,
                      dim_feedforward=512, dropout=0.1, heads=8, positions="sinusoidal"):
    """model.Seq2Seq (passed in as `seq2seq`) around Transformer encoder and decoder stacks (layers
    each); every weight matrix (embeddings included, as in PyTorch's translation tutorial)
    Xavier-uniform."""
    encoder = TransformerEncoderSide(src_vocab_size, d_model, heads, layers, dim_feedforward, dropout,
                                     positions)
    decoder = TransformerDecoderSide(tgt_vocab_size, d_model, heads, layers, dim_feedforward, dropout,
                                     positions)
    model = seq2seq(encoder, decoder)
    for p in model.parameters():
        if p.ndim > 1:
            nn.init.xavier_uniform_(p)
    return model


@mg.no_grad()
def attention_maps(model, src, src_lengths, tgt):
    """Cross-attention of every decoder layer and head when the model reads tgt (T, B) (teacher
    forced): an array (layers, B, heads, T, S)."""
    was_training = model.training
    model.eval()
    memory, prefix, mask = model.encode(src, src_lengths)
    model.decoder(tgt, prefix, memory, mask)
    maps = np.stack([np.asarray(m.numpy()) for m in model.decoder.attention_maps])
    model.train(was_training)
    return maps
