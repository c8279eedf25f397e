"""Tokenizer, Vocab, padding and the text collate."""
import json
import os

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import Tokenizer, Vocab, build_vocab, collate_text, pad_batch, tokenize


# ------------------------------------------------------------------------------------ tokenizer
@pytest.mark.parametrize("text, tokens", [
    ("Hello, World!", ["hello", ",", "world", "!"]),
    ("Don't stop: it's GREAT.", ["don't", "stop", ":", "it's", "great", "."]),
    ("it 's a film that does n't work", ["it", "'s", "a", "film", "that", "does", "n't", "work"]),
    ("'quoted' words", ["'", "quoted", "'", "words"]),
    ("Rated 3.5 of 10... by 1,000 fans", ["rated", "3.5", "of", "10", "...", "by", "1,000", "fans"]),
    ("Great movie.<br /><br />Loved it", ["great", "movie", ".", "loved", "it"]),
    ("O\u2019Neil\u2019s", ["o'neil's"]),
    ("아 더빙.. 진짜 짜증나네요", ["아", "더빙", "..", "진짜", "짜증나네요"]),
    ("", []),
])
def test_word_tokenizer(text, tokens):
    assert tokenize(text) == tokens


def test_tokenizer_options():
    assert tokenize("Hello World", lower=False) == ["Hello", "World"]
    assert "br" in tokenize("a<br />b", strip_html=False)
    with pytest.raises(ValueError):
        Tokenizer("bpe")


def test_char_mode_for_korean():
    tok = Tokenizer("char")
    assert tok("안녕 하세요!") == ["안", "녕", "하", "세", "요", "!"]
    assert Tokenizer("char", space_token="▁")("안녕  하세요") == ["안", "녕", "▁", "하", "세", "요"]
    assert tok("AB c") == ["a", "b", "c"]
    assert tok("   ") == []


# ---------------------------------------------------------------------------------------- vocab
CORPUS = [["the", "cat", "sat"], ["the", "dog", "sat"], ["the", "cat", "ran"], ["a", "<unk>"]]


def test_vocab_specials_first_then_frequency_then_token():
    v = build_vocab(CORPUS)
    assert v.itos[:4] == ["<pad>", "<unk>", "<sos>", "<eos>"]
    assert v.itos[4:] == ["the", "cat", "sat", "a", "dog", "ran"]  # 3, 2, 2, 1, 1, 1 (ties by token)
    assert v.pad_index == 0 and v.unk_index == 1 and v["<eos>"] == 3
    assert len(v) == 10 and v.stoi["cat"] == 5 and v.itos[v.stoi["dog"]] == "dog"


def test_vocab_min_freq_max_size_and_unknowns():
    v = build_vocab(CORPUS, min_freq=2)
    assert v.itos[4:] == ["the", "cat", "sat"]
    assert v["dog"] == v.unk_index == 1 and "dog" not in v and "cat" in v
    assert v.lookup_indices(["the", "zebra", "cat"]) == [4, 1, 5]
    assert v.lookup_tokens([4, 5, 1]) == ["the", "cat", "<unk>"]
    assert v.lookup_tokens(mg.tensor([6, 0])) == ["sat", "<pad>"]
    assert v.lookup_tokens(np.array([4])) == ["the"]
    small = Vocab.build(CORPUS, max_size=6)
    assert len(small) == 6 and small.itos[4:] == ["the", "cat"]
    with pytest.raises(ValueError):
        Vocab.build(CORPUS, max_size=2)


def test_vocab_custom_specials_and_no_unk():
    v = Vocab.build(CORPUS, specials=["[PAD]"], unk_token=None, pad_token="[PAD]")
    assert v.itos[0] == "[PAD]" and v.pad_index == 0 and v.unk_index is None
    assert v["<unk>"] == v.stoi["<unk>"]  # '<unk>' is an ordinary token here
    with pytest.raises(KeyError, match="zebra"):
        v["zebra"]
    with pytest.raises(ValueError, match="duplicate"):
        Vocab(["a", "b", "a"])


def test_vocab_is_deterministic_regardless_of_input_order():
    assert build_vocab(CORPUS) == build_vocab(list(reversed(CORPUS)))
    assert build_vocab(iter(CORPUS)) == build_vocab(CORPUS)  # any iterable works


def test_vocab_json_round_trip(tmp_path):
    texts = ["정말 재미있는 영화", "재미없는 영화...", "Don't watch it"]
    v = build_vocab([Tokenizer("char")(t) for t in texts], min_freq=1)
    path = tmp_path / "vocab.json"
    v.save(path)
    assert os.listdir(tmp_path) == ["vocab.json"]  # no temp file left behind
    raw = path.read_text(encoding="utf-8")
    assert "영" in raw and json.loads(raw)["format"] == "minigrad.vocab"
    w = Vocab.load(path)
    assert w == v and w.itos == v.itos and w.unk_index == v.unk_index and len(w) == len(v)
    v.save(str(path))  # overwrite in place
    assert Vocab.load(str(path)) == v
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ValueError):
        Vocab.load(bad)


# -------------------------------------------------------------------------------------- padding
def test_pad_batch():
    x, lengths = pad_batch([[1, 2, 3], [4], [5, 6]], pad_value=0)
    assert x.dtype == mg.int64 and lengths.dtype == mg.int64 and x.shape == (3, 3)
    assert x.tolist() == [[1, 2, 3], [4, 0, 0], [5, 6, 0]] and lengths.tolist() == [3, 1, 2]
    assert x.device == mg.backend.default_device()
    t, _ = pad_batch([[1, 2, 3], [4]], pad_value=9, batch_first=False)
    assert t.tolist() == [[1, 4], [2, 9], [3, 9]]
    c, cl = pad_batch([np.arange(5), mg.tensor([7, 8])], max_len=3)
    assert c.tolist() == [[0, 1, 2], [7, 8, 0]] and cl.tolist() == [3, 2]
    e, el = pad_batch([[], [1]])
    assert e.tolist() == [[0], [1]] and el.tolist() == [0, 1]
    with pytest.raises(ValueError):
        pad_batch([])


def test_collate_text_for_labels_and_pairs():
    x, lengths, y = collate_text([([5, 6, 7], 1), ([8], 0)], pad_value=0)
    assert x.tolist() == [[5, 6, 7], [8, 0, 0]] and lengths.tolist() == [3, 1] and y.tolist() == [1, 0]
    src, src_len, tgt, tgt_len = collate_text([([1, 2], [3]), ([4], [5, 6, 7])], pad_value=0)
    assert src.shape == (2, 2) and tgt.shape == (2, 3) and tgt_len.tolist() == [1, 3]
    only, only_len = collate_text([[1, 2], [3]])
    assert only.tolist() == [[1, 2], [3, 0]] and only_len.tolist() == [2, 1]
