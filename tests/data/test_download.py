"""The download path, for real, against an HTTP server on 127.0.0.1 serving ../shared/data."""
import dataclasses
import functools
import gzip
import hashlib
import http.server
import io
import json
import logging
import os
import socket
import tarfile
import threading
import urllib.parse

import pytest

from conftest import DATA_DIR
from minigrad.data import ChecksumError, DatasetNotFoundError, datasets as D
from minigrad.data.download import fetch, sha256_file
from minigrad.data.registry import RESOURCES

ROOT = os.path.abspath(DATA_DIR)
pytestmark = pytest.mark.skipif(not os.path.isdir(os.path.join(ROOT, "sst")),
                                reason=f"no sst/ folder under {ROOT} to serve")


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the data folder; `server.overrides` maps a URL path to replacement bytes, and
    '/original/<layout path without .gz>' serves the decompressed file (like the public sources)."""

    def do_GET(self):
        path = urllib.parse.unquote(urllib.parse.urlparse(self.path).path)
        self.server.requests.append(path)
        body = self.server.overrides.get(path)
        if body is None and path.startswith("/original/"):
            gz = os.path.join(ROOT, *path[len("/original/"):].split("/")) + ".gz"
            if os.path.exists(gz):
                with gzip.open(gz, "rb") as f:
                    body = f.read()
        if body is None:
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=ROOT))
    httpd.overrides, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def http_root(server, monkeypatch):
    """The server's base URL, with a clean slate of overrides and request log."""
    monkeypatch.delenv("MINIGRAD_DATA_MIRROR", raising=False)
    server.overrides.clear()
    server.requests.clear()
    return f"http://127.0.0.1:{server.server_address[1]}"


def files_under(path):
    return sorted(os.path.relpath(os.path.join(d, f), path) for d, _, fs in os.walk(path) for f in fs)


def test_mirror_download_places_verified_file(http_root, server, tmp_path):
    rows = D.sst2("train", root=tmp_path, mirror=http_root)
    assert len(rows) == 6920
    assert files_under(tmp_path) == [os.path.join("sst", "stsa.binary.train.gz")]
    assert sha256_file(tmp_path / "sst" / "stsa.binary.train.gz") == RESOURCES["sst/stsa.binary.train.gz"].sha256
    assert server.requests == ["/sst/stsa.binary.train.gz"]
    assert D.sst2("train", root=tmp_path, mirror=http_root) == rows
    assert len(server.requests) == 1  # present files are not fetched again


def test_downloads_are_reported_through_the_minigrad_logger(http_root, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="minigrad"):
        D.sst2("train", root=tmp_path, mirror=http_root)
    messages = [(r.name, r.getMessage()) for r in caplog.records]
    assert ("minigrad.data.download", f"downloading sst/stsa.binary.train.gz from "
            f"{http_root}/sst/stsa.binary.train.gz") in messages
    assert any(m.startswith("saved ") and m.endswith("(sha256 verified)") for _, m in messages)


def test_env_variables_choose_root_and_mirror(http_root, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("MINIGRAD_DATA_MIRROR", http_root + "/")
    assert len(D.tatoeba("kor-eng", progress=False)) == 5749
    assert files_under(tmp_path) == [os.path.join("cache", "tatoeba_manythings", "kor-eng.kor.txt.gz")]


def test_download_whole_dataset(http_root, tmp_path):
    paths = D.download("sst2", root=tmp_path, mirror=http_root, progress=False)
    assert len(paths) == 3 and all(os.path.exists(p) for p in paths)
    assert len(files_under(tmp_path)) == 3


def test_corrupted_download_is_rejected_and_leaves_nothing(http_root, server, tmp_path):
    real = open(os.path.join(ROOT, "sst", "stsa.binary.test.gz"), "rb").read()
    bad = real[:1000] + bytes([real[1000] ^ 0xFF]) + real[1001:]
    server.overrides["/sst/stsa.binary.test.gz"] = bad
    root = tmp_path / "root"
    with pytest.raises(ChecksumError) as err:
        D.sst2("test", root=root, mirror=http_root)
    msg = str(err.value)
    assert "stsa.binary.test.gz" in msg
    assert RESOURCES["sst/stsa.binary.test.gz"].sha256 in msg and hashlib.sha256(bad).hexdigest() in msg
    assert not root.exists() or files_under(root) == []
    assert not (root / "sst").exists()  # the folders made for the download are gone too


def test_offline_error_names_path_variable_and_url(tmp_path):
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(DatasetNotFoundError) as err:
        D.nsmc("test", root=tmp_path, mirror=url)
    msg = str(err.value)
    assert os.path.join(str(tmp_path), "nsmc", "ratings_test.txt.gz") in msg
    assert "MINIGRAD_DATA" in msg and f"{url}/nsmc/ratings_test.txt.gz" in msg
    assert files_under(tmp_path) == [] and list(tmp_path.iterdir()) == []


def test_http_404_is_reported(http_root, tmp_path):
    with pytest.raises(DatasetNotFoundError, match="HTTP 404"):
        D.sst2("dev", root=tmp_path, mirror=http_root + "/no-such-folder")
    assert list(tmp_path.iterdir()) == []


def original(res, http_root):
    """`res` with its public URL replaced by the local server's copy of the original file."""
    return dataclasses.replace(res, url=f"{http_root}/original/{res.path[:-3]}")


def test_download_from_original_source_is_compressed_and_checked(http_root, tmp_path):
    res = original(RESOURCES["multi30k/val.lc.norm.tok.de.gz"], http_root)
    (path,) = fetch([res], tmp_path, progress=False)
    with gzip.open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == res.raw_sha256
    assert files_under(tmp_path) == [os.path.join("multi30k", "val.lc.norm.tok.de.gz")]


def test_corrupted_original_is_rejected(http_root, server, tmp_path):
    res = original(RESOURCES["sst/stsa.binary.dev.gz"], http_root)
    server.overrides["/original/sst/stsa.binary.dev"] = b"1 not the real file\n"
    with pytest.raises(ChecksumError, match=res.raw_sha256):
        fetch([res], tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_truncated_original_keeps_complete_lines(http_root, server, tmp_path):
    res = RESOURCES["tatoeba_manythings/fra-eng.subset76k.txt.gz"]
    need = os.path.join(ROOT, *res.path.split("/"))
    if not os.path.exists(need):
        pytest.skip(f"{res.path} missing")
    with gzip.open(need, "rb") as f:
        server.overrides["/fra.txt"] = f.read() + b"Run away!\tFuy"  # cut mid-line, like the source
    (path,) = fetch([dataclasses.replace(res, url=http_root + "/fra.txt")], tmp_path, progress=False)
    with gzip.open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == res.raw_sha256


def test_imdb_tarball_is_packed_into_jsonl(http_root, server, tmp_path):
    """A small aclImdb-style tarball made from real records converts back to exactly those lines."""
    src = os.path.join(ROOT, "imdb", "train.jsonl.gz")
    readme = os.path.join(ROOT, "imdb", "aclImdb_README.txt")
    if not (os.path.exists(src) and os.path.exists(readme)):
        pytest.skip("imdb files missing")
    with gzip.open(src, "rt", encoding="utf-8") as f:
        lines = [line for _, line in zip(range(40), f)]
    expected = {"train": lines[:20], "test": lines[20:]}  # all negative; ids sorted within each part
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add("aclImdb/README", open(readme, "rb").read())
        for split, part in expected.items():
            for line in reversed(part):  # archive order must not matter
                rec = json.loads(line)
                add(f"aclImdb/{split}/neg/{rec['id']}_{rec['rating']}.txt", rec["text"].encode())
        add("aclImdb/train/unsupBow.feat", b"ignored")
    server.overrides["/aclImdb_v1.tar.gz"] = buf.getvalue()
    group = []
    for rel in ("imdb/train.jsonl.gz", "imdb/test.jsonl.gz", "imdb/aclImdb_README.txt"):
        res = dataclasses.replace(RESOURCES[rel], url=http_root + "/aclImdb_v1.tar.gz")
        if rel.endswith(".gz"):
            want = "".join(expected[res.member]).encode()
            res = dataclasses.replace(res, raw_sha256=hashlib.sha256(want).hexdigest())
        group.append(res)
    paths = fetch(group, tmp_path, progress=False)
    assert server.requests == ["/aclImdb_v1.tar.gz"]  # one download for all three files
    for split, path in zip(("train", "test"), paths):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            assert f.read() == "".join(expected[split])
    assert sha256_file(paths[2]) == sha256_file(readme)
    assert len(files_under(tmp_path)) == 3
