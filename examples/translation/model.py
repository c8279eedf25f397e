"""Encoder-decoder models for translation: a plain Seq2Seq and a Luong-attention variant, plus
batched greedy and beam-search decoding.

Tensors are time-major like PyTorch's recurrent layers: src (S, B), tgt (T, B), logits (T, B, V).
"""
import math

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


def map_hidden(fn, hidden):
    """Apply fn to a GRU state h or to both parts of an LSTM state (h, c)."""
    return tuple(fn(h) for h in hidden) if isinstance(hidden, tuple) else fn(hidden)


def apply2d(layer, x):
    """layer(x) computed on x flattened to 2-D (NumPy's matmul is much faster on 2-D arrays)."""
    return layer(x.reshape(-1, x.shape[-1])).reshape(*x.shape[:-1], -1)


def make_rnn(cell, input_size, hidden_size, num_layers, dropout, bidirectional=False):
    """nn.LSTM or nn.GRU (inter-layer dropout only when there are several layers)."""
    return CELLS[cell](input_size, hidden_size, num_layers, dropout=dropout if num_layers > 1 else 0.0,
                       bidirectional=bidirectional)


class Encoder(nn.Module):
    """Embedding -> (bidirectional) LSTM/GRU over the packed source; returns outputs and final state."""

    def __init__(self, vocab_size, embed_dim, hidden_dim, num_layers=1, cell="lstm", dropout=0.0,
                 bidirectional=False, dec_hidden_dim=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = make_rnn(cell, embed_dim, hidden_dim, num_layers, dropout, bidirectional)
        if bidirectional:  # both directions' final states -> the decoder's initial state
            self.fc = nn.Linear(2 * hidden_dim, dec_hidden_dim or hidden_dim)
        self.dropout = nn.Dropout(dropout)
        self.num_layers, self.bidirectional = num_layers, bidirectional
        self.output_dim = hidden_dim * (2 if bidirectional else 1)

    def forward(self, src, src_lengths):
        """src (S, B), src_lengths (B,) -> outputs (S, B, output_dim), decoder initial state."""
        embedded = self.dropout(self.embedding(src))
        packed = pack_padded_sequence(embedded, src_lengths.cpu(), enforce_sorted=False)
        packed_out, hidden = self.rnn(packed)
        outputs, _ = pad_packed_sequence(packed_out, total_length=src.shape[0])
        if self.bidirectional:
            hidden = map_hidden(self._bridge, hidden)
        return outputs, hidden

    def _bridge(self, h):
        """(layers * 2, B, H) -> (layers, B, H_dec): tanh(fc([forward; backward]))."""
        h = h.reshape(self.num_layers, 2, h.shape[1], h.shape[2])
        return mg.tanh(apply2d(self.fc, mg.cat([h[:, 0], h[:, 1]], dim=2)))


class Decoder(nn.Module):
    """Embedding -> LSTM/GRU -> Linear over the target vocabulary (no attention)."""

    def __init__(self, vocab_size, embed_dim, hidden_dim, num_layers=1, cell="lstm", dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = make_rnn(cell, embed_dim, hidden_dim, num_layers, dropout)
        self.fc_out = nn.Linear(hidden_dim, vocab_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, tokens, hidden, enc_outputs=None, src_mask=None):
        """tokens (T, B) -> logits (T, B, V), new state, attention None."""
        output, hidden = self.rnn(self.dropout(self.embedding(tokens)), hidden)
        return apply2d(self.fc_out, output), hidden, None


class Attention(nn.Module):
    """Luong global attention over the encoder outputs, masked over source padding.

    score='general': q^T W k; 'dot': q^T k (needs equal sizes); 'additive' (Bahdanau's score):
    v^T tanh(W_q q + W_k k).
    """

    def __init__(self, query_dim, key_dim, score="general"):
        super().__init__()
        self.score = score
        if score == "general":
            self.W = nn.Linear(key_dim, query_dim, bias=False)
        elif score == "additive":
            self.W_q = nn.Linear(query_dim, query_dim, bias=False)
            self.W_k = nn.Linear(key_dim, query_dim)
            self.v = nn.Linear(query_dim, 1, bias=False)
        elif score != "dot" or query_dim != key_dim:
            raise ValueError(f"unknown attention score {score!r} (or 'dot' with different sizes)")

    def forward(self, query, keys, mask):
        """query (T, B, Hq), keys (S, B, Hk), mask (B, S) true on real tokens -> context (T, B, Hk),
        weights (B, T, S)."""
        q, k = query.transpose(0, 1), keys.transpose(0, 1)
        if self.score == "additive":
            e = mg.tanh(self.W_q(q).unsqueeze(2) + self.W_k(k).unsqueeze(1))  # (B, T, S, Hq)
            scores = self.v(e).squeeze(-1)
        else:
            proj = apply2d(self.W, k) if self.score == "general" else k
            scores = q.bmm(proj.transpose(1, 2))  # (B, T, S)
        scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))
        weights = F.softmax(scores, dim=-1)
        return weights.bmm(k).transpose(0, 1), weights


class AttnDecoder(nn.Module):
    """Embedding -> LSTM/GRU -> attention -> tanh(Linear[output; context]) -> Linear over the vocab."""

    def __init__(self, vocab_size, embed_dim, hidden_dim, enc_dim, num_layers=1, cell="lstm",
                 dropout=0.0, score="general"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = make_rnn(cell, embed_dim, hidden_dim, num_layers, dropout)
        self.attention = Attention(hidden_dim, enc_dim, score)
        self.combine = nn.Linear(hidden_dim + enc_dim, hidden_dim)
        self.fc_out = nn.Linear(hidden_dim, vocab_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, tokens, hidden, enc_outputs, src_mask):
        """tokens (T, B) -> logits (T, B, V), new state, attention weights (B, T, S)."""
        output, hidden = self.rnn(self.dropout(self.embedding(tokens)), hidden)
        context, weights = self.attention(output, enc_outputs, src_mask)
        combined = mg.tanh(apply2d(self.combine, mg.cat([output, context], dim=2)))
        return apply2d(self.fc_out, self.dropout(combined)), hidden, weights


class Seq2Seq(nn.Module):
    """Encoder + decoder trained with teacher forcing; `forward` returns logits for tgt[1:]."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, src, src_lengths):
        """Encoder outputs (S, B, H), the decoder's initial state and the source mask (B, S)."""
        outputs, hidden = self.encoder(src, src_lengths)
        positions = mg.arange(src.shape[0], device=src.device).unsqueeze(0)
        mask = positions < src_lengths.to(src.device).unsqueeze(1)
        return outputs, hidden, mask

    def forward(self, src, src_lengths, tgt, teacher_forcing_ratio=1.0):
        """Logits (T - 1, B, V) predicting tgt[1:]; each step feeds the gold token with probability
        `teacher_forcing_ratio` (drawn from minigrad's cpu generator), else the model's own guess."""
        enc_outputs, hidden, mask = self.encode(src, src_lengths)
        inputs = tgt[:-1]
        if teacher_forcing_ratio >= 1.0:  # all steps forced: one call over the whole sequence
            return self.decoder(inputs, hidden, enc_outputs, mask)[0]
        steps, token = [], inputs[0:1]
        for t in range(inputs.shape[0]):
            logits, hidden, _ = self.decoder(token, hidden, enc_outputs, mask)
            steps.append(logits[0])
            if t + 1 < inputs.shape[0]:
                forced = (teacher_forcing_ratio > 0
                          and mg.rand(1, device="cpu").item() < teacher_forcing_ratio)
                token = inputs[t + 1:t + 2] if forced else logits.argmax(-1).detach()
        return mg.stack(steps)


def build_model(src_vocab_size, tgt_vocab_size, arch="attention", cell="lstm", layers=1, embed_dim=256,
                hidden=512, dropout=0.5, bidirectional=False, attn_score="general", heads=8,
                positions="sinusoidal"):
    """A Seq2Seq model for one configuration (arch 'seq2seq', 'attention' or 'transformer'; for the
    Transformer, embed_dim is d_model and hidden the feed-forward size)."""
    if arch == "transformer":
        from transformer_model import build_transformer  # the module beside this file
        return build_transformer(Seq2Seq, src_vocab_size, tgt_vocab_size, layers, embed_dim, hidden,
                                 dropout, heads, positions)
    encoder = Encoder(src_vocab_size, embed_dim, hidden, layers, cell, dropout, bidirectional, hidden)
    if arch == "seq2seq":
        decoder = Decoder(tgt_vocab_size, embed_dim, hidden, layers, cell, dropout)
    elif arch == "attention":
        decoder = AttnDecoder(tgt_vocab_size, embed_dim, hidden, encoder.output_dim, layers, cell,
                              dropout, attn_score)
    else:
        raise ValueError(f"unknown arch {arch!r}; expected 'seq2seq', 'attention' or 'transformer'")
    return Seq2Seq(encoder, decoder)


# ------------------------------------------------------------------------------------ decoding
def _cut(seq, eos_idx):
    """The tokens before the first <eos>."""
    seq = [int(i) for i in seq]
    return seq[:seq.index(eos_idx)] if eos_idx in seq else seq


def _weights(attn):
    """Attention weights of one decoder step as a NumPy array (B, S), or None."""
    return None if attn is None else np.asarray(attn[:, 0].numpy())


@mg.no_grad()
def greedy_decode(model, src, src_lengths, sos_idx, eos_idx, max_len=50):
    """Batched greedy decoding: per sentence, the token ids before <eos> (at most max_len tokens)
    and the attention weights (len + 1 if it stopped at <eos>, S) or None."""
    enc_outputs, hidden, mask = model.encode(src, src_lengths)
    batch = src.shape[1]
    token = mg.full((1, batch), sos_idx, dtype=mg.int64, device=src.device)
    tokens, attns = [], []
    done = np.zeros(batch, dtype=bool)
    for _ in range(max_len):
        logits, hidden, attn = model.decoder(token, hidden, enc_outputs, mask)
        token = logits.argmax(-1)
        step = np.asarray(token.numpy()).reshape(-1)
        tokens.append(step)
        attns.append(_weights(attn))
        done |= step == eos_idx
        if done.all():
            break
    tokens = np.stack(tokens, axis=1) if tokens else np.zeros((batch, 0), dtype=np.int64)
    out = []
    for b in range(batch):
        seq = _cut(tokens[b], eos_idx)
        n = min(len(seq) + 1, tokens.shape[1])
        att = None if not attns or attns[0] is None else np.stack([a[b] for a in attns[:n]])
        out.append((seq, att))
    return out


def _select(tensors, index):
    """Pick rows `index` (along the batch dim 1) of a decoder state or encoder outputs."""
    return map_hidden(lambda h: h.index_select(1, index), tensors)


@mg.no_grad()
def beam_search(model, src, src_lengths, sos_idx, eos_idx, beam_size=5, max_len=50, alpha=0.6):
    """Batched beam search with GNMT length normalisation ((5 + len) / 6) ** alpha; returns the
    same (token ids, attention) pairs as greedy_decode. beam_size=1 is greedy decoding."""
    K, batch = beam_size, src.shape[1]
    enc_outputs, hidden, mask = model.encode(src, src_lengths)
    rows = mg.tensor(np.repeat(np.arange(batch), K), device=src.device)
    enc_outputs, hidden = _select(enc_outputs, rows), _select(hidden, rows)
    mask = mask.index_select(0, rows)
    scores = np.full((batch, K), -np.inf)
    scores[:, 0] = 0.0  # at the start, only one live hypothesis per sentence
    history = np.zeros((batch * K, 0), dtype=np.int64)
    attn_hist = None
    finished = [[] for _ in range(batch)]  # (normalised score, tokens, attention)
    done = np.zeros(batch, dtype=bool)
    token = mg.full((1, batch * K), sos_idx, dtype=mg.int64, device=src.device)
    for t in range(max_len):
        logits, hidden, attn = model.decoder(token, hidden, enc_outputs, mask)
        logp = np.asarray(F.log_softmax(logits[0].double(), dim=-1).numpy())
        vocab = logp.shape[1]
        step_attn = _weights(attn)
        if step_attn is not None:
            attn_hist = step_attn[:, None] if attn_hist is None else np.concatenate(
                [attn_hist, step_attn[:, None]], axis=1)
        cand = (scores[:, :, None] + logp.reshape(batch, K, vocab)).reshape(batch, K * vocab)
        top = np.argpartition(-cand, 2 * K - 1, axis=1)[:, :2 * K]
        penalty = ((5.0 + t + 1) / 6.0) ** alpha
        parents = np.zeros((batch, K), dtype=np.int64)
        words = np.zeros((batch, K), dtype=np.int64)
        new_scores = np.full((batch, K), -np.inf)
        for b in range(batch):
            order = top[b][np.lexsort((top[b], -cand[b, top[b]]))]  # best first, ties by index
            kept = 0
            for rank, c in enumerate(order):
                k, w, s = divmod(int(c), vocab) + (cand[b, c],)
                if w == eos_idx:
                    if rank < K and not done[b] and np.isfinite(s):
                        att = None if attn_hist is None else attn_hist[b * K + k].copy()
                        finished[b].append((s / penalty, history[b * K + k].tolist(), att))
                    continue
                if kept < K:
                    parents[b, kept], words[b, kept], new_scores[b, kept] = k, w, s
                    kept += 1
            if len(finished[b]) >= K:
                done[b] = True
        if done.all():
            break
        scores = np.where(done[:, None], -np.inf, new_scores)
        index = (np.arange(batch)[:, None] * K + parents).reshape(-1)
        history = np.concatenate([history[index], words.reshape(-1, 1)], axis=1)
        if attn_hist is not None:
            attn_hist = attn_hist[index]
        index_t = mg.tensor(index, device=src.device)
        hidden = _select(hidden, index_t)
        token = mg.tensor(words.reshape(1, -1), device=src.device)
    else:  # max_len reached: unfinished hypotheses compete too
        penalty = ((5.0 + max_len) / 6.0) ** alpha
        for b in range(batch):
            for k in range(K):
                if not done[b] and np.isfinite(scores[b, k]):
                    att = None if attn_hist is None else attn_hist[b * K + k]
                    finished[b].append((scores[b, k] / penalty, history[b * K + k].tolist(), att))
    out = []
    for b in range(batch):
        best = max(finished[b], key=lambda f: f[0])
        out.append((best[1], best[2]))
    return out


def decode(model, src, src_lengths, sos_idx, eos_idx, beam_size=1, max_len=50, alpha=0.6):
    """Greedy decoding for beam_size 1, else beam search."""
    if beam_size <= 1:
        return greedy_decode(model, src, src_lengths, sos_idx, eos_idx, max_len)
    return beam_search(model, src, src_lengths, sos_idx, eos_idx, beam_size, max_len, alpha)


def perplexity(loss):
    """exp(loss), capped to avoid overflow."""
    return math.exp(min(loss, 100.0))
