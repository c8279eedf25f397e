"""Loaders for public text datasets (SST, IMDB, Rotten Tomatoes, NSMC, Multi30k, Tatoeba).

Every loader returns one split as a list of ``(text, label)`` or ``(source, target)`` pairs, read
from the layout described in docs/datasets.md under the root (``root=``, else ``$MINIGRAD_DATA``,
else ``~/.cache/minigrad/datasets``). Missing files are downloaded (see ``download.fetch``).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Union
import gzip
import hashlib
import json
import os

from .download import DatasetNotFoundError, data_root, fetch, local_path, ENV_ROOT, ENV_MIRROR
from .registry import RESOURCES

StrPath = Union[str, "os.PathLike[str]"]  # a folder name as str or pathlib.Path

__all__ = ["sst2", "sst5", "imdb", "rotten_tomatoes", "nsmc", "multi30k", "tatoeba", "load",
           "download", "DATASETS", "data_root"]

_ALIASES = {"valid": "dev", "validation": "dev", "val": "dev", "dev": "dev", "train": "train",
            "test": "test", "all": "all"}


def _split(split, allowed, name):
    s = _ALIASES.get(str(split).lower())
    if s not in allowed:
        raise ValueError(f"{name}: unknown split {split!r}; expected one of {', '.join(allowed)}")
    return s


def _path(relpath, root, download, mirror, progress):
    """Local path of a layout file, downloading it (and its archive siblings) when missing."""
    res = RESOURCES[relpath]
    root = data_root(root)
    dest = local_path(res, root)
    if os.path.exists(dest):
        return dest
    if not download:
        raise DatasetNotFoundError(
            f"dataset file {dest} is missing and download=False (source: {res.url}). Put the files "
            f"there, or set {ENV_ROOT} to a folder that holds them (layout in docs/datasets.md).")
    group = [res]
    if not (mirror or os.environ.get(ENV_MIRROR)):
        group += [r for r in RESOURCES.values() if r.url == res.url and r is not res]
    fetch(group, root, mirror=mirror, progress=progress)
    return dest


def _lines(path, encoding="utf-8"):
    """The lines of a (gzip) text file without their line ends (split on '\\n' only)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _sst(kind, split, root, download, mirror, progress):
    split = _split(split, ("train", "dev", "test"), "sst")
    path = _path(f"sst/stsa.{kind}.{split}.gz", root, download, mirror, progress)
    out = []
    for line in _lines(path):
        label, text = line.split(" ", 1)
        out.append((text, int(label)))
    return out


def sst2(split: str = "train", root: Optional[StrPath] = None, download: bool = True,
         mirror: Optional[str] = None, progress: bool = True) -> List[Tuple[str, int]]:
    """SST-2 sentences as (text, label), label 0 = negative, 1 = positive (train/dev/test).

    Args:
        split: 'train' (6,920), 'dev' (872) or 'test' (1,821).
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        download: fetch missing files from the public source; if False a missing file raises
            `DatasetNotFoundError`. Default: True.
        mirror: a base URL to fetch from instead of the original source (or $MINIGRAD_DATA_MIRROR).
        progress: show a download progress bar. Default: True.

    Returns:
        A list of (text, label) pairs; the text is tokenised and lower-cased as published.

    Example:
        >>> dev = minigrad.data.datasets.sst2("dev", download=False)
        >>> len(dev), dev[0]
        (872, ('one long string of cliches .', 0))
    """
    return _sst("binary", split, root, download, mirror, progress)


def sst5(split: str = "train", root: Optional[StrPath] = None, download: bool = True,
         mirror: Optional[str] = None, progress: bool = True) -> List[Tuple[str, int]]:
    """SST-5 sentences as (text, label), label 0 = very negative ... 4 = very positive.

    Args:
        split: 'train' (8,544), 'dev' (1,101) or 'test' (2,210).
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        download: fetch missing files from the public source; if False a missing file raises
            `DatasetNotFoundError`. Default: True.
        mirror: a base URL to fetch from instead of the original source (or $MINIGRAD_DATA_MIRROR).
        progress: show a download progress bar. Default: True.

    Returns:
        A list of (text, label) pairs.

    Example:
        >>> dev = minigrad.data.datasets.sst5("dev", download=False)
        >>> len(dev), sorted({label for _, label in dev})
        (1101, [0, 1, 2, 3, 4])
    """
    return _sst("fine", split, root, download, mirror, progress)


def imdb(split: str = "train", root: Optional[StrPath] = None, download: bool = True,
         mirror: Optional[str] = None, progress: bool = True) -> List[Tuple[str, int]]:
    """IMDB reviews as (text, label), label 1 = positive; text keeps its '<br />' tags.

    Args:
        split: 'train' or 'test' (25,000 reviews each).
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        download: fetch missing files from the public source; if False a missing file raises
            `DatasetNotFoundError`. Default: True.
        mirror: a base URL to fetch from instead of the original source (or $MINIGRAD_DATA_MIRROR).
        progress: show a download progress bar. Default: True.

    Returns:
        A list of (text, label) pairs.

    Example:
        >>> test = minigrad.data.datasets.imdb("test", download=False)
        >>> len(test), test[0][1] in (0, 1)
        (25000, True)
    """
    split = _split(split, ("train", "test"), "imdb")
    path = _path(f"imdb/{split}.jsonl.gz", root, download, mirror, progress)
    out = []
    for line in _lines(path):
        rec = json.loads(line)
        out.append((rec["text"], rec["label"]))
    return out


def _hash_order(n, seed):
    """A permutation of range(n) fixed by `seed` that does not depend on NumPy's RNG version."""
    return sorted(range(n), key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).digest())


def rotten_tomatoes(split: str = "all", root: Optional[StrPath] = None, download: bool = True,
                    mirror: Optional[str] = None, progress: bool = True,
                    seed: int = 0) -> List[Tuple[str, int]]:
    """Rotten Tomatoes sentence polarity as (text, label), label 1 = positive.

    The corpus has no official split: 'all' gives the 5,331 negative then 5,331 positive lines;
    'train'/'dev'/'test' give a fixed 80/10/10 split of a `seed`-keyed shuffle.

    Args:
        split: 'all' (default), 'train', 'dev' or 'test'.
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        download: fetch missing files from the public source; if False a missing file raises
            `DatasetNotFoundError`. Default: True.
        mirror: a base URL to fetch from instead of the original source (or $MINIGRAD_DATA_MIRROR).
        progress: show a download progress bar. Default: True.
        seed: the key of the fixed shuffle. Default: 0.

    Returns:
        A list of (text, label) pairs.

    Example:
        >>> len(minigrad.data.datasets.rotten_tomatoes("dev", download=False))
        1066
    """
    split = _split(split, ("all", "train", "dev", "test"), "rotten_tomatoes")
    data = []
    for label, pol in ((0, "neg"), (1, "pos")):
        path = _path(f"rt_polarity/rt-polarity.{pol}.gz", root, download, mirror, progress)
        data += [(line.strip(), label) for line in _lines(path)]
    if split == "all":
        return data
    order = _hash_order(len(data), seed)
    n_eval = len(data) // 10
    parts = {"test": order[:n_eval], "dev": order[n_eval:2 * n_eval], "train": order[2 * n_eval:]}
    return [data[i] for i in parts[split]]


def nsmc(split: str = "train", root: Optional[StrPath] = None, download: bool = True,
         mirror: Optional[str] = None, progress: bool = True) -> List[Tuple[str, int]]:
    """Naver Sentiment Movie Corpus (Korean) as (text, label), label 1 = positive (train/test).

    Args:
        split: 'train' (150,000) or 'test' (50,000).
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        download: fetch missing files from the public source; if False a missing file raises
            `DatasetNotFoundError`. Default: True.
        mirror: a base URL to fetch from instead of the original source (or $MINIGRAD_DATA_MIRROR).
        progress: show a download progress bar. Default: True.

    Returns:
        A list of (text, label) pairs.

    Example:
        >>> len(minigrad.data.datasets.nsmc("test", download=False))
        50000
    """
    split = _split(split, ("train", "test"), "nsmc")
    path = _path(f"nsmc/ratings_{split}.txt.gz", root, download, mirror, progress)
    lines = _lines(path)
    if not lines or lines[0] != "id\tdocument\tlabel":
        raise ValueError(f"{path}: expected the header 'id\\tdocument\\tlabel'")
    out = []
    for line in lines[1:]:
        _, text, label = line.split("\t")
        out.append((text, int(label)))
    return out


_M30K_SPLIT = {"train": "train", "dev": "val", "test": "test_2016_flickr"}


def multi30k(split: str = "train", src: str = "de", tgt: str = "en", tokenized: bool = False,
             root: Optional[StrPath] = None, download: bool = True, mirror: Optional[str] = None,
             progress: bool = True) -> List[Tuple[str, str]]:
    """Multi30k task 1 (image captions) as (source, target) sentence pairs.

    Args:
        split: 'train' (29,000), 'dev' (1,014) or 'test' (test2016, 1,000).
        src: source language, 'de', 'en' or 'fr'. Default: 'de'.
        tgt: target language. Default: 'en'.
        tokenized: use the lower-cased, tokenised lc.norm.tok files (de and en only). Default: False.
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        download: fetch missing files from the public source; if False a missing file raises
            `DatasetNotFoundError`. Default: True.
        mirror: a base URL to fetch from instead of the original source (or $MINIGRAD_DATA_MIRROR).
        progress: show a download progress bar. Default: True.

    Returns:
        A list of (source sentence, target sentence) pairs.

    Example:
        >>> pairs = minigrad.data.datasets.multi30k("dev", download=False)
        >>> len(pairs), pairs[0][1]
        (1014, 'A group of men are loading cotton onto a truck')
    """
    split = _M30K_SPLIT[_split(split, ("train", "dev", "test"), "multi30k")]
    langs = ("en", "de") if tokenized else ("en", "de", "fr")
    for lang in (src, tgt):
        if lang not in langs:
            raise ValueError(f"multi30k: language {lang!r} not available"
                             f"{' tokenized' if tokenized else ''}; expected one of {langs}")
    mid = ".lc.norm.tok" if tokenized else ""
    sides = [_lines(_path(f"multi30k/{split}{mid}.{lang}.gz", root, download, mirror, progress))
             for lang in (src, tgt)]
    if len(sides[0]) != len(sides[1]):
        raise ValueError(f"multi30k {split}: {src} and {tgt} have different line counts")
    return list(zip(*sides))


_TATOEBA = {"kor-eng": "tatoeba_manythings/kor-eng.kor.txt.gz",
            "fra-eng": "tatoeba_manythings/fra-eng.subset76k.txt.gz"}


def tatoeba(pair: str = "kor-eng", reverse: bool = False, root: Optional[StrPath] = None,
            download: bool = True, mirror: Optional[str] = None,
            progress: bool = True) -> List[Tuple[str, str]]:
    """Tatoeba (manythings.org) sentence pairs as (english, other); reverse=True gives (other, english).

    Args:
        pair: 'kor-eng' (5,749 pairs, default) or 'fra-eng'.
        reverse: put the other language first. Default: False.
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        download: fetch missing files from the public source; if False a missing file raises
            `DatasetNotFoundError`. Default: True.
        mirror: a base URL to fetch from instead of the original source (or $MINIGRAD_DATA_MIRROR).
        progress: show a download progress bar. Default: True.

    Returns:
        A list of sentence pairs.

    Example:
        >>> pairs = minigrad.data.datasets.tatoeba("kor-eng", download=False)
        >>> len(pairs), pairs[0]
        (5749, ('Go.', '가.'))
    """
    if pair not in _TATOEBA:
        raise ValueError(f"tatoeba: unknown pair {pair!r}; expected one of {', '.join(_TATOEBA)}")
    out = []
    for line in _lines(_path(_TATOEBA[pair], root, download, mirror, progress)):
        eng, other = line.split("\t")[:2]
        out.append((other, eng) if reverse else (eng, other))
    return out


DATASETS: Dict[str, Callable[..., Any]] = {"sst2": sst2, "sst5": sst5, "imdb": imdb, "rt": rotten_tomatoes,
            "rotten_tomatoes": rotten_tomatoes, "nsmc": nsmc, "multi30k": multi30k,
            "tatoeba": tatoeba}
_FOLDERS = {"sst2": "sst/stsa.binary", "sst5": "sst/stsa.fine", "imdb": "imdb/", "rt": "rt_polarity/",
            "rotten_tomatoes": "rt_polarity/", "nsmc": "nsmc/", "multi30k": "multi30k/",
            "tatoeba": "tatoeba_manythings/"}


def load(name: str, split: str = "train", **kwargs: Any) -> List[Tuple[Any, Any]]:
    """Loads a dataset split by name ('sst2', 'sst5', 'imdb', 'rt', 'nsmc', 'multi30k', 'tatoeba').

    Args:
        name: the dataset's short name.
        split: the split (for tatoeba: the language pair). Default: 'train'.
        **kwargs: passed on to the loader (root, download, mirror, ...).

    Returns:
        The loader's list of pairs.

    Example:
        >>> len(minigrad.data.datasets.load("sst2", "dev", download=False))
        872
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    if name == "tatoeba":
        return tatoeba(**kwargs)
    return DATASETS[name](split, **kwargs)


def download(name: str, root: Optional[StrPath] = None, mirror: Optional[str] = None,
             progress: bool = True) -> List[str]:
    """Fetches every file of a dataset into the root (for later offline use); returns the paths.

    Args:
        name: the dataset's short name, as for `load`.
        root: the dataset root (default: $MINIGRAD_DATA, else ~/.cache/minigrad/datasets).
        mirror: a base URL to fetch from instead of the original source.
        progress: show a download progress bar. Default: True.

    Returns:
        The local paths of the dataset's files (already present files are not fetched again).
    """
    if name not in _FOLDERS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(_FOLDERS)}")
    group = [r for p, r in RESOURCES.items() if p.startswith(_FOLDERS[name])]
    return fetch(group, data_root(root), mirror=mirror, progress=progress)
