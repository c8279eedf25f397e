"""Find the ```python code blocks of the documentation pages (shared by the docs tests).

A block is skipped only when its fence says so (```python title="no-run" or any info string
containing ``no-run``) or when the last non-blank line before the fence is ``<!-- no-run -->``.
Use that only for GPU-only or long-running snippets.
"""
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = os.path.join(ROOT, "docs")

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
NO_RUN = "<!-- no-run -->"


class Block:
    """One code block: its language, first code line number (1-based), code, and skip flag."""

    def __init__(self, lang, info, line, code, skip):
        self.lang, self.info, self.line, self.code, self.skip = lang, info, line, code, skip

    def __repr__(self):
        return f"Block({self.lang!r}, line={self.line}, skip={self.skip})"


def pages():
    """Every Markdown page under docs/, as paths relative to docs/ (sorted)."""
    out = []
    for folder, _dirs, files in os.walk(DOCS):
        for f in files:
            if f.endswith(".md"):
                out.append(os.path.relpath(os.path.join(folder, f), DOCS).replace(os.sep, "/"))
    return sorted(out)


def _lang(info):
    """The language of a fence's info string: 'python' for ```python, ``` py {...}, ```{.python}."""
    info = info.strip()
    m = re.match(r"^\{?\s*\.?([A-Za-z0-9_+-]+)", info)
    return m.group(1).lower() if m else ""


def blocks(text):
    """Parse Markdown text into code Blocks (fences may be indented, e.g. inside admonitions)."""
    lines = text.split("\n")
    found = []
    i = 0
    last_text = ""
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                last_text = lines[i].strip()
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info")
        start = i + 1
        j = start
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[start:j]]
        skip = "no-run" in info or last_text == NO_RUN
        found.append(Block(_lang(info), info, start + 1, "\n".join(body) + "\n", skip))
        last_text = ""
        i = j + 1
    return found


def python_blocks(page):
    """The Python blocks of one page (relative to docs/)."""
    with open(os.path.join(DOCS, page), encoding="utf-8") as f:
        text = f.read()
    return [b for b in blocks(text) if b.lang in ("python", "py", "python3")]
