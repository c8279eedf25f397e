"""MkDocs hook: keep `mkdocs build --strict` strict for the pages, lenient for docstrings.

The API reference renders docstrings that many people edit. A docstring written as plain prose can
still trip the Markdown renderer (``out[i][j]`` reads as a reference link) or the Google-style
parser, and in strict mode any such warning would fail the whole docs build. This hook turns the
warnings that come *from docstrings* into INFO messages, so they are still printed but do not abort
the build; warnings about the pages themselves (broken links, missing files, unknown objects in a
``:::`` directive) stay fatal.
"""
import logging
import re

# autorefs names the source of an unresolved reference: "... from /path/to/module.py:123: ..."
_FROM_SOURCE = re.compile(r"\bfrom \S+\.py:\d+:")


def _from_docstring(record):
    if record.levelno != logging.WARNING:
        return False
    if "griffe" in record.name:  # docstring parsing (Google-style sections)
        return True
    return "autorefs" in record.name and bool(_FROM_SOURCE.search(record.getMessage()))


class _Downgrade(logging.Filter):
    def __init__(self, counting):
        super().__init__()
        self.counting = counting

    def filter(self, record):
        if _from_docstring(record) or getattr(record, "_from_docstring", False):
            record._from_docstring = True
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = f"[docstring] {record.msg}"
            return not self.counting  # shown on the console, not counted by strict mode
        return True


def on_config(config, **kwargs):
    # mkdocs adds its strict-mode counter (a CountHandler) to the "mkdocs" logger before on_config
    for handler in logging.getLogger("mkdocs").handlers:
        if not any(isinstance(f, _Downgrade) for f in handler.filters):
            handler.addFilter(_Downgrade(counting=type(handler).__name__ == "CountHandler"))
    return config
