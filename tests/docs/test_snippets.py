"""Run every ```python block of docs/**/*.md, page by page, so the documentation cannot rot.

The blocks of one page run in order in one fresh namespace (later blocks see earlier names), in a
temporary working directory (snippets may write checkpoints).  A failure names the page and the
Markdown line of the failing statement.
"""
import os

import pytest

from minigrad.data import DatasetNotFoundError

from . import snippets

# the project's copy of the public datasets (CI has shared/ beside the checkout)
SHARED_DATA = os.path.join(snippets.ROOT, "..", "shared", "data")

PAGES = [p for p in snippets.pages() if snippets.python_blocks(p)]


def test_pages_found():
    assert "getting-started.md" in PAGES and "rnn-tutorial.md" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_snippets(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if not os.environ.get("MINIGRAD_DATA") and os.path.isdir(SHARED_DATA):
        monkeypatch.setenv("MINIGRAD_DATA", os.path.abspath(SHARED_DATA))
    namespace = {"__name__": "__docs__"}
    ran = 0
    for block in snippets.python_blocks(page):
        if block.skip:
            continue
        # pad with blank lines so that tracebacks point at the line in the Markdown file
        source = "\n" * (block.line - 1) + block.code
        code = compile(source, os.path.join("docs", page), "exec")
        try:
            exec(code, namespace)  # noqa: S102 - running our own documentation is the point
        except DatasetNotFoundError as exc:  # data missing on this machine and no network
            pytest.skip(f"{page}:{block.line}: dataset files are not available here ({exc})")
        ran += 1
    assert ran > 0, f"every python block of {page} is marked no-run"


def test_parser_handles_markers():
    text = "\n".join([
        "```python", "a = 1", "```",
        "<!-- no-run -->", "", "```python", "gpu_only()", "```",
        '```python title="no-run"', "long()", "```",
        "!!! note", "    ```python", "    b = a + 1", "    ```",
        "```bash", "echo hi", "```",
    ])
    found = snippets.blocks(text)
    assert [(b.lang, b.skip) for b in found] == [("python", False), ("python", True),
                                                  ("python", True), ("python", False),
                                                  ("bash", False)]
    assert found[0].line == 2 and found[3].code == "b = a + 1\n"
