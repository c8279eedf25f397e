"""Fetching dataset files: download with a progress bar, sha256 check, conversion, atomic placement."""
import gzip
import hashlib
import http.client
import json
import logging
import os
import re
import socket
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

ENV_ROOT = "MINIGRAD_DATA"
ENV_MIRROR = "MINIGRAD_DATA_MIRROR"
DEFAULT_ROOT = os.path.join("~", ".cache", "minigrad", "datasets")
_CHUNK = 1 << 20

__all__ = ["Resource", "DatasetNotFoundError", "ChecksumError", "data_root", "local_path", "fetch",
           "download_url", "sha256_file", "ENV_ROOT", "ENV_MIRROR", "DEFAULT_ROOT"]


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is missing and could not be downloaded (or download=False); a FileNotFoundError."""


class ChecksumError(RuntimeError):
    """A downloaded file does not have the expected sha256 (the file is not kept); a RuntimeError."""


@dataclass(frozen=True)
class Resource:
    """One file of the on-disk layout and how to obtain it from its public source.

    path: layout path under the root ('sst/stsa.binary.train.gz'); sha256: of that file; raw_sha256:
    of its decompressed content (for .gz); url: the original public file; convert: how the original
    becomes the layout file ('copy', 'gzip', 'gzip_lines' = drop a partial last line then gzip,
    'imdb' = the aclImdb tarball packed into JSON Lines); member: what to take from an archive.
    """
    path: str
    sha256: str
    raw_sha256: str = None
    url: str = None
    convert: str = "copy"
    member: str = None


_log = logging.getLogger(__name__)  # "minigrad.data.download"


def data_root(root=None):
    """The dataset root as an absolute path: `root`, else $MINIGRAD_DATA, else ~/.cache/minigrad/datasets.

    Args:
        root: an explicit folder (str or path-like), or None.

    Example:
        >>> import os
        >>> minigrad.data.data_root("some/folder") == os.path.abspath("some/folder")
        True
    """
    root = root or os.environ.get(ENV_ROOT) or DEFAULT_ROOT
    return os.path.abspath(os.path.expanduser(os.fspath(root)))


def local_path(resource, root):
    """Where `resource` lives under `root`."""
    return os.path.join(root, *resource.path.split("/"))


def sha256_file(path):
    """The hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def download_url(url, path, progress=True, desc=None, timeout=60):
    """Download `url` into the file `path` with a tqdm progress bar (network errors propagate)."""
    from tqdm import tqdm
    req = urllib.request.Request(url, headers={"User-Agent": "minigrad-data/1"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, open(path, "wb") as out:
        total = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
        bar = tqdm(total=int(total) if total else None, unit="B", unit_scale=True, unit_divisor=1024,
                   desc=desc or os.path.basename(urllib.parse.urlparse(url).path), disable=not progress,
                   leave=False)
        with bar:
            for chunk in iter(lambda: resp.read(_CHUNK), b""):
                out.write(chunk)
                bar.update(len(chunk))


def _check(what, url, expected, actual):
    if expected is not None and actual != expected:
        raise ChecksumError(f"checksum mismatch for {what} (downloaded from {url}): expected sha256 "
                            f"{expected}, got {actual}. The download was deleted; nothing was written.")


def _mirror_url(mirror, resource):
    return mirror.rstrip("/") + "/" + urllib.parse.quote(resource.path)


def _not_found(resource, root, url, reason):
    dest = local_path(resource, root)
    return DatasetNotFoundError(
        f"dataset file {dest} is missing and {reason} (source: {url}). Put the files there (layout in "
        f"docs/datasets.md), or set {ENV_ROOT} to a folder that holds them, or set {ENV_MIRROR} to a "
        f"URL serving that layout.")


class _Temps:
    """Temporary files and new folders of one fetch; removed unless committed."""

    def __init__(self):
        self.files, self.dirs = [], []

    def mkdir(self, path):
        """Create `path` and its missing parents, remembering which were new."""
        missing = []
        while path and not os.path.isdir(path):
            missing.append(path)
            path = os.path.dirname(path)
        for d in reversed(missing):
            os.makedirs(d, exist_ok=True)
            self.dirs.append(d)

    def new(self, dest):
        """A new empty temporary file next to `dest`."""
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix="." + os.path.basename(dest) + ".",
                                   suffix=".part")
        os.close(fd)
        self.files.append(tmp)
        return tmp

    def cleanup(self, keep_dirs=False):
        """Delete the temporary files (and the new folders unless keep_dirs)."""
        for f in self.files:
            if os.path.exists(f):
                os.remove(f)
        if not keep_dirs:
            for d in reversed(self.dirs):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


def _gzip_bytes_to(data, out_path):
    with open(out_path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                     compresslevel=9, mtime=0) as gz:
        gz.write(data)


def _read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def _convert_simple(resource, src, out, url):
    """Turn the downloaded original `src` into the layout file `out`, checking the hashes."""
    if resource.convert == "copy":
        _check(resource.path, url, resource.sha256, sha256_file(src))
        os.replace(src, out)
        return
    data = _read_bytes(src)
    if resource.convert == "gzip_lines":
        data = data[:data.rfind(b"\n") + 1]
    elif resource.convert != "gzip":
        raise ValueError(f"unknown conversion {resource.convert!r} for {resource.path}")
    _check(resource.path + " (content)", url, resource.raw_sha256, hashlib.sha256(data).hexdigest())
    _gzip_bytes_to(data, out)


_IMDB_NAME = re.compile(r"^aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def imdb_records(tar_path):
    """Read the aclImdb tarball into {split: JSON Lines bytes} (records sorted neg first, then by id)."""
    rows = {"train": [], "test": []}
    readme = None
    with tarfile.open(tar_path, "r:*") as tar:
        for m in tar:
            if not m.isfile():
                continue
            if m.name == "aclImdb/README":
                readme = tar.extractfile(m).read()
                continue
            hit = _IMDB_NAME.match(m.name)
            if hit:
                split, pol, rid, rating = hit.groups()
                text = tar.extractfile(m).read().decode("utf-8")
                label = int(pol == "pos")
                rows[split].append((label, int(rid), int(rating), text))
    out = {}
    for split, items in rows.items():
        items.sort(key=lambda r: (r[0], r[1]))
        lines = [json.dumps({"id": i, "rating": r, "label": lab, "text": t}, ensure_ascii=False)
                 for lab, i, r, t in items]
        out[split] = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    out["README"] = readme
    return out


def _convert_imdb(resources, src, outs, url):
    content = imdb_records(src)
    for res, out in zip(resources, outs):
        data = content.get(res.member)
        if data is None:
            raise ChecksumError(f"{url} has no {res.member!r} part for {res.path}")
        if res.path.endswith(".gz"):
            _check(res.path + " (content)", url, res.raw_sha256, hashlib.sha256(data).hexdigest())
            _gzip_bytes_to(data, out)
        else:
            _check(res.path, url, res.sha256, hashlib.sha256(data).hexdigest())
            with open(out, "wb") as f:
                f.write(data)


def _download(url, tmp, resource, root, progress):
    try:
        download_url(url, tmp, progress=progress, desc=resource.path)
    except urllib.error.HTTPError as exc:
        raise _not_found(resource, root, url, f"downloading it failed with HTTP {exc.code}") from exc
    except (urllib.error.URLError, socket.timeout, OSError, http.client.HTTPException,
            ValueError) as exc:
        raise _not_found(resource, root, url, f"downloading it failed ({exc}); are you offline?") from exc


def fetch(resources, root, mirror=None, progress=True):
    """Make sure every resource is under `root`, downloading what is missing; returns their paths.

    With `mirror` (or $MINIGRAD_DATA_MIRROR), files are fetched from `mirror + '/' + path` and must
    match the layout sha256; otherwise from each resource's public `url`, converted to the layout.
    Files appear atomically; a failed download or checksum leaves nothing behind.
    """
    root = data_root(root)
    mirror = mirror or os.environ.get(ENV_MIRROR) or None
    missing = [r for r in resources if not os.path.exists(local_path(r, root))]
    groups = {}
    for r in missing:
        key = _mirror_url(mirror, r) if mirror else r.url
        if key is None:
            raise _not_found(r, root, "none known", "no download source is known for it")
        groups.setdefault(key, []).append(r)
    for url, group in groups.items():
        _fetch_group(url, group, root, bool(mirror), progress)
    return [local_path(r, root) for r in resources]


def _fetch_group(url, group, root, from_mirror, progress):
    temps = _Temps()
    committed = False
    try:
        dests = [local_path(r, root) for r in group]
        for d in dests:
            temps.mkdir(os.path.dirname(d))
        src = temps.new(dests[0])
        _log.info("downloading %s from %s", ", ".join(r.path for r in group), url)
        _download(url, src, group[0], root, progress)
        outs = [temps.new(d) for d in dests]
        if from_mirror:
            _check(group[0].path, url, group[0].sha256, sha256_file(src))
            os.replace(src, outs[0])
        elif group[0].convert == "imdb":
            _convert_imdb(group, src, outs, url)
        else:
            _convert_simple(group[0], src, outs[0], url)
        for out, dest in zip(outs, dests):
            os.replace(out, dest)
            _log.info("saved %s (sha256 verified)", dest)
        committed = True
    finally:
        temps.cleanup(keep_dirs=committed)
