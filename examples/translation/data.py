"""Data for the translation example: sentence pairs, tokenisation, vocabularies and batches."""
import hashlib
import html
import re

from minigrad.data import BucketBatchSampler, DataLoader, Dataset, Tokenizer, Vocab, datasets, pad_batch

DEFAULT_LANGS = {"multi30k": ("de", "en"), "kor-eng": ("ko", "en"), "fra-eng": ("fr", "en")}
PAD, UNK, SOS, EOS = "<pad>", "<unk>", "<sos>", "<eos>"
SPACE = "\u2581"  # marks word boundaries in character-level (Korean) token sequences

# Moses-like lower-case tokens, as in Multi30k's lc.norm.tok files: clitics split off ("'s", "'t"),
# hyphenated words kept whole, every other symbol a token of its own
_MOSES_LIKE = re.compile(r"\d+(?:[.,]\d+)+|'\w+|\w+(?:-\w+)*|[^\w\s]")


def tokenize(text, dataset, lang):
    """Tokens of one raw sentence: Moses-like words for Multi30k, minigrad's word tokenizer for
    Tatoeba's European languages, characters (with SPACE between words) for Korean."""
    if lang == "ko":
        return Tokenizer("char", space_token=SPACE)(text)
    if dataset == "multi30k":
        return _MOSES_LIKE.findall(text.lower())
    return Tokenizer("word")(text)


def detokenize(tokens, lang):
    """A display string for a token list."""
    if lang == "ko":
        return "".join(tokens).replace(SPACE, " ")
    return " ".join(tokens)


def _bucket(text):
    """0..99 from a hash of the text (a split that keeps equal sources together)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % 100


def load_pairs(dataset, split, src, tgt, data_dir=None, limit=None):
    """Token-list pairs [(src_tokens, tgt_tokens)] of one split ('train', 'dev' or 'test').

    Multi30k uses its official splits and its lower-cased, tokenised files; Tatoeba has no splits,
    so pairs go to train / dev / test (80 / 10 / 10) by a hash of the source sentence.
    """
    if dataset == "multi30k":
        raw = datasets.multi30k(split, src, tgt, tokenized=True, root=data_dir, download=True)
        pairs = [(html.unescape(s).split(), html.unescape(t).split()) for s, t in raw]
    elif dataset in ("kor-eng", "fra-eng"):
        other = DEFAULT_LANGS[dataset][0]
        if {src, tgt} != {other, "en"}:
            raise ValueError(f"{dataset} translates between {other} and en, not {src} -> {tgt}")
        raw = datasets.tatoeba(dataset, reverse=src != "en", root=data_dir, download=True)
        lo, hi = {"train": (0, 80), "dev": (80, 90), "test": (90, 100)}[split]
        pairs = [(tokenize(s, dataset, src), tokenize(t, dataset, tgt)) for s, t in raw
                 if lo <= _bucket(s) < hi]
    else:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {', '.join(DEFAULT_LANGS)}")
    pairs = [(s, t) for s, t in pairs if s and t]
    return pairs[:limit] if limit else pairs


def build_vocab(token_lists, min_freq=2):
    """A Vocab with <pad> <unk> <sos> <eos> first (indices 0-3)."""
    return Vocab.build(token_lists, min_freq=min_freq, specials=(PAD, UNK, SOS, EOS))


def encode(tokens, vocab, reverse=False):
    """[<sos>] + ids (reversed if asked) + [<eos>]."""
    ids = vocab.lookup_indices(tokens)
    return [vocab[SOS]] + (ids[::-1] if reverse else ids) + [vocab[EOS]]


class PairDataset(Dataset):
    """Sentence pairs as index lists, ready for batching."""

    def __init__(self, pairs, src_vocab, tgt_vocab, reverse_source=False):
        self.items = [(encode(s, src_vocab, reverse_source), encode(t, tgt_vocab)) for s, t in pairs]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class Collate:
    """Pad a list of (src_ids, tgt_ids) into time-major src (S, B), src_lengths (B,), tgt (T, B)."""

    def __init__(self, pad_idx):
        self.pad_idx = pad_idx

    def __call__(self, batch):
        src, src_lengths = pad_batch([s for s, _ in batch], self.pad_idx, batch_first=False)
        tgt, _ = pad_batch([t for _, t in batch], self.pad_idx, batch_first=False)
        return src, src_lengths, tgt


def make_loader(dataset, batch_size, pad_idx, shuffle, seed=0):
    """Batches of similar source lengths (shuffled per epoch, or sorted by length for evaluation)."""
    sampler = BucketBatchSampler([len(s) for s, _ in dataset.items], batch_size, shuffle=shuffle,
                                 seed=seed)
    return DataLoader(dataset, batch_sampler=sampler, collate_fn=Collate(pad_idx))


def batches_in_order(id_lists, batch_size, pad_idx):
    """Yield (positions, src, src_lengths) over source id lists, sorted by length for little padding."""
    order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
    for start in range(0, len(order), batch_size):
        pos = order[start:start + batch_size]
        src, lengths = pad_batch([id_lists[i] for i in pos], pad_idx, batch_first=False)
        yield pos, src, lengths

