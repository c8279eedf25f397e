"""Generate the parts of the docs that come from running minigrad, and check they are current.

    python tests/docs/make_assets.py            # rewrite them (the SVG only when Graphviz is installed)
    python tests/docs/make_assets.py --check    # exit 1 if a generated part is out of date

Generated parts:
* docs/assets/autograd-graph.dot (and .svg): the graph of the small expression used in
  docs/autograd.md, exported with minigrad.utils.graph.to_dot;
* the RNN shape table between the ``<!-- rnn-shapes:begin -->`` / ``<!-- rnn-shapes:end -->``
  markers of docs/rnn-tutorial.md and docs/ko/rnn-tutorial.md, made by running nn.RNN / nn.LSTM /
  nn.GRU for every combination of batch_first, num_layers and bidirectional;
* the RNN tutorial's figures, docs/assets/rnn-*.svg (tests/docs/rnn_figures.py, needs matplotlib).
"""
import itertools
import os
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import minigrad as mg  # noqa: E402
import minigrad.nn as nn  # noqa: E402
from minigrad.utils.graph import to_dot  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rnn_figures  # noqa: E402

DOCS = os.path.join(ROOT, "docs")
GRAPH_DOT = os.path.join(DOCS, "assets", "autograd-graph.dot")
GRAPH_SVG = os.path.join(DOCS, "assets", "autograd-graph.svg")
ASSETS = os.path.join(DOCS, "assets")
TABLE_PAGES = [os.path.join(DOCS, "rnn-tutorial.md"), os.path.join(DOCS, "ko", "rnn-tutorial.md")]
BEGIN, END = "<!-- rnn-shapes:begin -->", "<!-- rnn-shapes:end -->"

# sizes for the shape table: all different, so every number maps back to one symbol
L, N, H_IN, H = 7, 3, 4, 5


def example_graph_dot():
    """The DOT text of the expression drawn in docs/autograd.md (same code as the page)."""
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = mg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    c = a * b
    d = c + a
    e = d.tanh().sum()
    return to_dot(e, params={"a": a, "b": b})


def _symbol(n, num_layers, d):
    """Write one dimension of a result shape in the tutorial's symbols (L, N, H, ...)."""
    if n == L:
        return "L"
    if n == N:
        return "N"
    if n == H:
        return "H"
    if n == 2 * H:
        return "2·H"
    if n == num_layers * d:
        return str(n)
    raise AssertionError(f"unexpected size {n}")


def _fmt(shape, num_layers, d):
    sym = "(" + ", ".join(_symbol(s, num_layers, d) for s in shape) + ")"
    return f"`{sym}`<br>{tuple(shape)}"


def shape_rows():
    """Run every configuration; return one row per (batch_first, num_layers, bidirectional)."""
    rows = []
    for batch_first, num_layers, bidirectional in itertools.product((False, True), (1, 2),
                                                                    (False, True)):
        d = 2 if bidirectional else 1
        x = mg.randn(*((N, L, H_IN) if batch_first else (L, N, H_IN)))
        shapes = {}
        for cls in (nn.RNN, nn.GRU, nn.LSTM):
            layer = cls(H_IN, H, num_layers=num_layers, batch_first=batch_first,
                        bidirectional=bidirectional)
            with mg.no_grad():
                output, state = layer(x)
            if cls is nn.LSTM:
                h_n, c_n = state
                assert c_n.shape == h_n.shape
            else:
                h_n = state
            shapes[cls.__name__] = (output.shape, h_n.shape)
        # the three layers must agree on every shape
        assert len(set(shapes.values())) == 1, shapes
        out_shape, h_shape = shapes["RNN"]
        rows.append((batch_first, num_layers, bidirectional, out_shape, h_shape, d))
    return rows


def shape_table():
    """The Markdown table written into the RNN tutorials."""
    lines = [f"`L = {L}`, `N = {N}`, `H_in = {H_IN}`, `H = {H}`",
             "",
             "| batch_first | num_layers | bidirectional | input | `output` | `h_n` |",
             "| --- | --- | --- | --- | --- | --- |"]
    for batch_first, num_layers, bidirectional, out_shape, h_shape, d in shape_rows():
        inp = "`(N, L, H_in)`" if batch_first else "`(L, N, H_in)`"
        lines.append(f"| {batch_first} | {num_layers} | {bidirectional} | {inp} | "
                     f"{_fmt(out_shape, num_layers, d)} | {_fmt(h_shape, num_layers, d)} |")
    return "\n".join(lines)


def replace_table(text, table):
    """Put `table` between the markers of a page's text; raises if the markers are missing."""
    start = text.index(BEGIN) + len(BEGIN)
    stop = text.index(END)
    return text[:start] + "\n" + table + "\n" + text[stop:]


def stale_figures(rendered):
    """The figure files whose committed SVG differs from `rendered` ({name: svg}): byte for byte when
    the installed matplotlib drew the committed file, else in the text the figure shows."""
    stale = []
    for name, svg in rendered.items():
        path = os.path.join(ASSETS, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old is None:
            stale.append(path)
        elif rnn_figures.recorded_matplotlib(old) == rnn_figures.installed_matplotlib():
            if old != svg:
                stale.append(path)
        elif rnn_figures.texts(old) != rnn_figures.texts(svg):
            stale.append(path)
    return stale


def write_figures(check):
    """Redraw the RNN tutorial's figures; write the stale ones unless `check`. Returns the stale."""
    try:
        rendered = rnn_figures.render_all()
    except ImportError:
        print("matplotlib is not installed: the RNN figures were not checked")
        return []
    stale = stale_figures(rendered)
    if not check:
        for path in stale:
            with open(path, "w", encoding="utf-8") as f:
                f.write(rendered[os.path.basename(path)])
    return stale


def main(argv):
    check = "--check" in argv
    stale = []
    dot = example_graph_dot()
    old = open(GRAPH_DOT, encoding="utf-8").read() if os.path.exists(GRAPH_DOT) else None
    if old != dot:
        stale.append(GRAPH_DOT)
        if not check:
            os.makedirs(os.path.dirname(GRAPH_DOT), exist_ok=True)
            with open(GRAPH_DOT, "w", encoding="utf-8") as f:
                f.write(dot)
    if not check and shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg", "-o", GRAPH_SVG, GRAPH_DOT], check=True)
    table = shape_table()
    for page in TABLE_PAGES:
        text = open(page, encoding="utf-8").read()
        new = replace_table(text, table)
        if new != text:
            stale.append(page)
            if not check:
                with open(page, "w", encoding="utf-8") as f:
                    f.write(new)
    stale += write_figures(check)
    if stale:
        print(("out of date: " if check else "updated: ") + ", ".join(
            os.path.relpath(p, ROOT) for p in stale))
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
