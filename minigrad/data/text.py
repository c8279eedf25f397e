"""Text helpers: a tokenizer, a vocabulary (Vocab) and padding of index sequences into batches."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union
import collections
import json
import os
import numbers
import re

from .. import backend as B
from ..tensor import Tensor, tensor
from ..utils.io import atomic_write
from .dataloader import default_collate

__all__ = ["Tokenizer", "tokenize", "Vocab", "build_vocab", "DEFAULT_SPECIALS", "pad_batch",
           "collate_text", "TextCollate"]

DEFAULT_SPECIALS = ("<pad>", "<unk>", "<sos>", "<eos>")

# numbers with separators (3.5, 1,000) | words with inner apostrophes (don't, o'neil)
# | split-off clitics ('s, 're; n't is caught by the word rule) | ellipses | any other symbol
_WORD_RE = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:'\w+)*|'(?:s|re|ve|ll|d|m|t)\b|\.{2,}|[^\w\s]")
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")


class Tokenizer:
    """Split text into tokens: mode='word' (words and punctuation) or 'char' (characters).

    Word mode lower-cases (lower=True), turns '<br />' tags into spaces (strip_html=True), keeps
    apostrophes inside words ("don't", "o'neil") and keeps clitics split off by tokenised corpora
    ("it 's" -> ["it", "'s"]); other punctuation marks become separate tokens. Char mode (for
    Korean, Japanese, Chinese ...) yields each non-space character, and `space_token` (if given)
    for each run of whitespace.

    Args:
        mode: 'word' (default) or 'char'.
        lower: lower-case the text first. Default: True.
        strip_html: turn '<br />' tags into spaces. Default: True.
        space_token: in char mode, a token standing for each run of whitespace (None: drop it).

    Example:
        >>> tok = minigrad.data.Tokenizer()
        >>> tok("Don't stop<br />the music!")
        ["don't", 'stop', 'the', 'music', '!']
    """

    def __init__(self, mode: str = "word", lower: bool = True, strip_html: bool = True,
                 space_token: Optional[str] = None) -> None:
        if mode not in ("word", "char"):
            raise ValueError(f"Tokenizer mode must be 'word' or 'char', got {mode!r}")
        self.mode, self.lower, self.strip_html, self.space_token = mode, lower, strip_html, space_token

    def __call__(self, text: str) -> List[str]:
        if self.strip_html:
            text = _BR_RE.sub(" ", text)
        if self.lower:
            text = text.lower()
        text = text.replace("\u2019", "'")
        if self.mode == "word":
            return _WORD_RE.findall(text)
        out: List[str] = []
        for piece in _SPACE_RE.split(text.strip()):
            if out and self.space_token is not None:
                out.append(self.space_token)
            out.extend(piece)
        return out

    def __repr__(self) -> str:
        return (f"Tokenizer(mode={self.mode!r}, lower={self.lower}, strip_html={self.strip_html}, "
                f"space_token={self.space_token!r})")


def tokenize(text: str, mode: str = "word", lower: bool = True, strip_html: bool = True,
             space_token: Optional[str] = None) -> List[str]:
    """Tokenizes one string: ``Tokenizer(mode, lower, strip_html, space_token)(text)``.

    Args:
        text: the string.
        mode: 'word' (default) or 'char'.
        lower: lower-case the text first. Default: True.
        strip_html: turn '<br />' tags into spaces. Default: True.
        space_token: in char mode, a token for each run of whitespace.

    Example:
        >>> minigrad.data.tokenize("가 나", mode="char", space_token="_")
        ['가', '_', '나']
    """
    return Tokenizer(mode, lower, strip_html, space_token)(text)


class Vocab:
    """A token <-> index mapping; unknown tokens map to the `unk_token` index when it is present.

    Args:
        itos: the tokens, index order (no duplicates).
        unk_token: the token that unknown tokens map to (if it is in itos). Default: '<unk>'.
        pad_token: the padding token, whose index is ``pad_index``. Default: '<pad>'.

    Attributes:
        itos: list of tokens, index -> token.
        stoi: dict, token -> index.

    Example:
        >>> vocab = minigrad.data.Vocab(["<pad>", "<unk>", "hello", "world"])
        >>> vocab["world"], vocab["unseen"], len(vocab), vocab.pad_index
        (3, 1, 4, 0)
    """

    def __init__(self, itos: Iterable[str], unk_token: Optional[str] = "<unk>",
                 pad_token: Optional[str] = "<pad>") -> None:
        self.itos = list(itos)
        self.stoi = {tok: i for i, tok in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            dup = [t for t, c in collections.Counter(self.itos).items() if c > 1][:5]
            raise ValueError(f"Vocab: duplicate tokens {dup}")
        self.unk_token, self.pad_token = unk_token, pad_token
        self.unk_index = self.stoi.get(unk_token) if unk_token is not None else None
        self.pad_index = self.stoi.get(pad_token) if pad_token is not None else None
        self.freqs: Optional[collections.Counter[str]] = None  # token counts, set by build()

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], min_freq: int = 1,
              max_size: Optional[int] = None, specials: Sequence[str] = DEFAULT_SPECIALS,
              unk_token: str = "<unk>", pad_token: str = "<pad>") -> Vocab:
        """Count tokens; keep those seen >= min_freq times, most frequent first (ties by token).

        `specials` come first in the given order; max_size bounds len(vocab), specials included.
        """
        specials = list(specials or ())
        counts: collections.Counter[str] = collections.Counter()
        for i, tokens in enumerate(token_lists):
            if isinstance(tokens, (str, bytes)):  # would silently count characters
                raise TypeError(f"Vocab.build: expected an iterable of token lists, but item {i} is a "
                                f"string ({tokens[:40]!r}); tokenize first, e.g. "
                                f"Vocab.build(tokenize(t) for t in texts)")
            counts.update(tokens)
        for s in specials:
            counts.pop(s, None)
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            if max_size < len(specials):
                raise ValueError(f"max_size={max_size} is smaller than the {len(specials)} specials")
            kept = kept[:max_size - len(specials)]
        vocab = cls(specials + kept, unk_token=unk_token, pad_token=pad_token)
        vocab.freqs = counts
        return vocab

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        idx = self.stoi.get(token, self.unk_index)
        if idx is None:
            raise KeyError(f"token {token!r} is not in the vocabulary and it has no unk token")
        return idx

    def __iter__(self) -> Iterator[Any]:
        return iter(self.itos)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Vocab) and self.itos == other.itos
                and self.unk_token == other.unk_token and self.pad_token == other.pad_token)

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, unk_token={self.unk_token!r}, pad_token={self.pad_token!r})"

    def lookup_indices(self, tokens: Iterable[str]) -> List[int]:
        """The indices of `tokens` (unknown tokens -> the unk index)."""
        return [self[t] for t in tokens]

    def lookup_tokens(self, indices: Iterable[int]) -> List[str]:
        """The tokens at `indices` (ints, a NumPy array or a tensor)."""
        if isinstance(indices, Tensor):
            indices = indices.tolist()
        size = len(self.itos)
        out: List[str] = []
        for i in indices:
            if isinstance(i, bool) or not isinstance(i, numbers.Integral):
                raise TypeError(f"Vocab.lookup_tokens: indices must be integers, got {i!r} "
                                f"({type(i).__name__})")
            if not 0 <= i < size:  # a negative index would silently count from the end
                raise IndexError(f"Vocab.lookup_tokens: index {int(i)} is out of range for a "
                                 f"vocabulary of size {size}")
            out.append(self.itos[i])
        return out

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready description (what save() writes)."""
        return {"format": "minigrad.vocab", "version": 1, "unk_token": self.unk_token,
                "pad_token": self.pad_token, "itos": self.itos}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Vocab:
        """Rebuild a Vocab from to_dict() output."""
        if not isinstance(d, dict) or d.get("format") != "minigrad.vocab":
            raise ValueError("not a minigrad vocab description (missing format='minigrad.vocab')")
        itos = d.get("itos")
        if not isinstance(itos, list) or not all(isinstance(t, str) for t in itos):
            raise ValueError(f"Vocab.from_dict: 'itos' must be a list of strings, got {itos!r:.80}")
        for field in ("unk_token", "pad_token"):
            if not isinstance(d.get(field), (str, type(None))):
                raise ValueError(f"Vocab.from_dict: {field!r} must be a string or None, got "
                                 f"{d.get(field)!r}")
        return cls(d["itos"], unk_token=d.get("unk_token"), pad_token=d.get("pad_token"))

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Write the vocabulary as UTF-8 JSON, atomically (minigrad.utils.atomic_write)."""
        atomic_write(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=0))

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> Vocab:
        """Read a vocabulary written by save()."""
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))


def build_vocab(token_lists: Iterable[Sequence[str]], min_freq: int = 1, max_size: Optional[int] = None,
                specials: Sequence[str] = DEFAULT_SPECIALS, unk_token: str = "<unk>",
                pad_token: str = "<pad>") -> Vocab:
    """Builds a `Vocab` from tokenised texts: specials first, then tokens by falling frequency.

    Args:
        token_lists: an iterable of token lists (e.g. one per document).
        min_freq: keep tokens seen at least this often. Default: 1.
        max_size: bound on len(vocab), specials included (None: no bound).
        specials: tokens placed first, in order. Default: ('<pad>', '<unk>', '<sos>', '<eos>').
        unk_token: the unknown token. Default: '<unk>'.
        pad_token: the padding token. Default: '<pad>'.

    Example:
        >>> vocab = minigrad.data.build_vocab([["a", "b", "a"], ["c", "a"]])
        >>> vocab.itos
        ['<pad>', '<unk>', '<sos>', '<eos>', 'a', 'b', 'c']
    """
    return Vocab.build(token_lists, min_freq, max_size, specials, unk_token, pad_token)


def _as_list(seq):
    if isinstance(seq, Tensor):
        return B.to_numpy(seq.array).reshape(-1)
    return seq


def pad_batch(sequences: Sequence[Sequence[int]], pad_value: int = 0, max_len: Optional[int] = None,
              batch_first: bool = True, dtype: Any = None, device: Any = None) -> Tuple[Tensor, Tensor]:
    """Pad index sequences into an int64 tensor (B, T) (or (T, B)) plus their int64 lengths (B,).

    Sequences longer than `max_len` are cut to their first `max_len` items. Tensors are made on
    `device` (default: minigrad's default device).

    Args:
        sequences: B lists (or 1-D Tensors) of token indices.
        pad_value: the fill value. Default: 0.
        max_len: cut longer sequences to this length (None: no cut).
        batch_first: return (B, T) (default) instead of (T, B).
        dtype: the dtype of the padded tensor. Default: int64.
        device: where the tensors are made.

    Shape:
        - Output: padded `(B, T)` or `(T, B)`, T the longest (cut) length; lengths `(B)`.

    Example:
        >>> minigrad.data.pad_batch([[1, 2, 3], [4]])
        (tensor([[1, 2, 3],
                [4, 0, 0]]), tensor([3, 1]))
    """
    seqs = [_as_list(s) for s in sequences]
    if not seqs:
        raise ValueError("pad_batch: got no sequences")
    if max_len is not None:
        seqs = [s[:max_len] for s in seqs]
    lengths = B.np.array([len(s) for s in seqs], dtype=B.np.int64)
    dt = B.to_dtype(dtype) if dtype is not None else B.int64
    out = B.np.full((len(seqs), int(lengths.max())), pad_value, dtype=dt.np)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    if not batch_first:
        out = B.np.ascontiguousarray(out.T)
    dev = device if device is not None else B.default_device()
    return tensor(out, device=dev), tensor(lengths, device=dev)


def _is_sequence(x):
    if isinstance(x, Tensor) or isinstance(x, B.np.ndarray):
        return x.ndim == 1
    return isinstance(x, (list, tuple))


def collate_text(batch: Sequence[Any], pad_value: int = 0, max_len: Optional[int] = None,
                 device: Any = None) -> Tuple[Tensor, ...]:
    """Collate text samples: each sequence field becomes (padded, lengths), others default_collate.

    A sample that is a tuple, e.g. (indices, label), is collated field by field and the result is
    flattened: [(ids, 1), (ids, 0)] -> (padded (B, T), lengths (B,), labels (B,)); for translation
    pairs (src_ids, tgt_ids) -> (src, src_lengths, tgt, tgt_lengths). Any other sample is one
    sequence and gives (padded, lengths).

    Args:
        batch: a list of samples.
        pad_value: the fill value of the padded sequences. Default: 0.
        max_len: cut longer sequences to this length.
        device: where the tensors are made.

    Example:
        >>> minigrad.data.collate_text([([1, 2, 3], 1), ([4], 0)])
        (tensor([[1, 2, 3],
                [4, 0, 0]]), tensor([3, 1]), tensor([1, 0]))
    """
    if not isinstance(batch[0], tuple):
        return pad_batch(batch, pad_value, max_len, device=device)
    out: List[Any] = []
    for field in zip(*batch):
        if _is_sequence(field[0]):
            out.extend(pad_batch(field, pad_value, max_len, device=device))
        else:
            col = default_collate(list(field))
            out.append(col.to(device) if device is not None and isinstance(col, Tensor) else col)
    return tuple(out)


class TextCollate:
    """A picklable ``collate_fn`` for `DataLoader` that calls `collate_text` with fixed options.

    Args:
        pad_value: the fill value. Default: 0.
        max_len: cut longer sequences to this length.
        device: where the tensors are made.

    Example:
        >>> collate = minigrad.data.TextCollate(pad_value=9)
        >>> collate([[1, 2], [3]])
        (tensor([[1, 2],
                [3, 9]]), tensor([2, 1]))
    """

    def __init__(self, pad_value: int = 0, max_len: Optional[int] = None, device: Any = None) -> None:
        self.pad_value, self.max_len, self.device = pad_value, max_len, device

    def __call__(self, batch: Sequence[Any]) -> Tuple[Tensor, ...]:
        return collate_text(batch, self.pad_value, self.max_len, self.device)
