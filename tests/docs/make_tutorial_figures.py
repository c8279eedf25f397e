"""Regenerate the figures of a tutorial page by running the page's own code blocks in docs/assets.

    python tests/docs/make_tutorial_figures.py transformer-tutorial.md

The page's blocks save their figures (e.g. transformer-heads.png) into the working directory; the
tests run the same blocks in a temporary directory, so the figures are always drawn by the code the
page shows.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [ROOT, HERE]

import snippets  # noqa: E402


def run_page(page, workdir):
    """Execute the runnable python blocks of docs/<page> in order, in one namespace, in workdir."""
    old = os.getcwd()
    os.chdir(workdir)
    try:
        namespace = {"__name__": "__docs__"}
        for block in snippets.python_blocks(page):
            if not block.skip:
                exec(compile("\n" * (block.line - 1) + block.code, page, "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(old)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["transformer-tutorial.md"]:
        run_page(name, os.path.join(snippets.DOCS, "assets"))
        print(f"ran {name} in docs/assets")
