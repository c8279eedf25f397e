"""The sentiment classifier: Embedding -> (bi)RNN/LSTM/GRU over packed sequences -> Linear."""
import minigrad as mg
import minigrad.nn as nn
from minigrad.data import Tokenizer
from minigrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

RNNS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
POOLS = ("last", "max", "both")


class SentimentRNN(nn.Module):
    """Classify padded token ids (B, T) with their lengths (B,) into `num_classes` logits.

    The features are the final hidden states of the last layer (both directions concatenated,
    pool='last'), the max over time of the outputs (pool='max'), or both side by side (pool='both').
    """

    def __init__(self, vocab_size, embed_dim=128, hidden=128, num_classes=2, model="lstm", layers=1,
                 bidirectional=True, dropout=0.5, pad_idx=0, pool="both"):
        super().__init__()
        if pool not in POOLS:
            raise ValueError(f"pool must be one of {POOLS}, got {pool!r}")
        self.pool, self.dirs = pool, 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
        nn.init.normal_(self.embedding.weight, std=0.1)  # N(0, 1) learns far slower from scratch
        with mg.no_grad():
            self.embedding.weight[pad_idx] = 0  # the padding row starts (and, untrained, stays) zero
        self.rnn = RNNS[model](embed_dim, hidden, num_layers=layers, batch_first=True,
                               bidirectional=bidirectional, dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        features = hidden * self.dirs * (2 if pool == "both" else 1)
        self.fc = nn.Linear(features, num_classes)

    def forward(self, tokens, lengths):
        """Logits (B, num_classes) for token ids (B, T) and lengths (B,) (any order, any device)."""
        x = self.dropout(self.embedding(tokens))
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.rnn(packed)
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        feats = []
        if self.pool in ("last", "both"):
            feats += [h_n[i] for i in range(-self.dirs, 0)]
        if self.pool in ("max", "both"):  # outputs lie in (-1, 1), so the padding never wins
            padded, _ = pad_packed_sequence(out, batch_first=True, padding_value=-1e4)
            feats.append(padded.max(dim=1).values)
        return self.fc(self.dropout(mg.cat(feats, 1)))


def build_model(config, vocab_size, pad_idx):
    """A SentimentRNN from a train.py config dict."""
    return SentimentRNN(vocab_size, config["embed_dim"], config["hidden"], len(config["labels"]),
                        config["model"], config["layers"], config["bidirectional"],
                        config["dropout"], pad_idx, config["pool"])


def make_tokenizer(mode):
    """The tokenizer of a run: 'word', or 'char' (word boundaries become the token '▁')."""
    return Tokenizer(mode, space_token="▁" if mode == "char" else None)
