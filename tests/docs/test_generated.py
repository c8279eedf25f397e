"""The generated parts of the docs (graph export, RNN shape table) match what minigrad does now.

Regenerate them with `python tests/docs/make_assets.py` when these tests fail after a change.
"""
import os

import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.utils.graph import to_dot

from . import make_assets


def test_autograd_graph_asset_is_current():
    with open(make_assets.GRAPH_DOT, encoding="utf-8") as f:
        assert f.read() == make_assets.example_graph_dot()
    assert os.path.exists(make_assets.GRAPH_SVG) or "autograd-graph.dot" in open(
        os.path.join(make_assets.DOCS, "autograd.md"), encoding="utf-8").read()


@pytest.mark.skipif(not hasattr(nn, "RNN"), reason="minigrad.nn.RNN is not there yet")
@pytest.mark.parametrize("page", make_assets.TABLE_PAGES, ids=os.path.basename)
def test_rnn_shape_table_is_current(page):
    table = make_assets.shape_table()
    with open(page, encoding="utf-8") as f:
        text = f.read()
    assert make_assets.replace_table(text, table) == text, (
        f"the shape table in {page} is stale: run python tests/docs/make_assets.py")
    assert table.count("\n| ") == 10  # header, separator, 8 configurations


def test_rnn_shape_rows_follow_the_rule():
    if not hasattr(nn, "RNN"):
        pytest.skip("minigrad.nn.RNN is not there yet")
    L, N, H = make_assets.L, make_assets.N, make_assets.H
    for batch_first, num_layers, bidirectional, out_shape, h_shape, d in make_assets.shape_rows():
        assert out_shape == ((N, L, d * H) if batch_first else (L, N, d * H))
        assert h_shape == (num_layers * d, N, H)  # h_n is never batch-first


# ------------------------------------------------------------------ minigrad.utils.graph.to_dot
def test_to_dot_walks_the_graph():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    y = (a * b + a).sum()
    dot = to_dot(y, params={"a": a, "b": b})
    assert dot.startswith('digraph "minigrad" {') and dot.rstrip().endswith("}")
    for name in ("SumBackward", "AddBackward", "MulBackward", '"a\\n(2,)"', '"b\\n(2,)"'):
        assert name in dot
    assert dot.count("->") == 6          # a->mul, b->mul, a->add, mul->add, add->sum, sum->out
    plain = to_dot(y, show_shapes=False)
    assert '"tensor"' in plain and "(2,)" not in plain


def test_to_dot_leaf_multi_output_and_freed():
    x = mg.randn(4, requires_grad=True)
    assert "tensor\\n(4,)" in to_dot(x)  # a leaf on its own is one node, no edges
    assert "->" not in to_dot(x)
    y = (x * 2).sum()
    y.backward()
    assert "(freed)" in to_dot(y)        # backward released the nodes
    with pytest.raises(TypeError):
        to_dot([x, 3])


def test_to_dot_escapes_names():
    x = mg.randn(2, requires_grad=True)
    dot = to_dot(x.sum(), params={'we"ird\\name': x})
    assert 'we\\"ird\\\\name' in dot


# ------------------------------------------- the gate tables quote minigrad/nn/rnn_cells.py verbatim
def _quoted_code_lines(page):
    """Code cells of the tables whose header names `minigrad/nn/rnn_cells.py` (the gate tables)."""
    quoted, inside = [], False
    with open(page, encoding="utf-8") as f:
        for line in f:
            if line.startswith("|") and "`minigrad/nn/rnn_cells.py`" in line:
                inside = True
            elif inside and not line.startswith("|"):
                inside = False
            elif inside and not line.startswith("| ---"):
                cell = line.rstrip().rstrip("|").rsplit("|", 1)[-1].strip()
                if len(cell) > 2 and cell[0] == cell[-1] == "`" and cell.count("`") == 2:
                    quoted.append(cell[1:-1])  # a whole-cell quote of a source line
    return quoted


@pytest.mark.parametrize("page", make_assets.TABLE_PAGES, ids=os.path.basename)
def test_gate_tables_quote_the_source(page):
    path = os.path.join(make_assets.ROOT, "minigrad", "nn", "rnn_cells.py")
    if not os.path.exists(path):
        pytest.skip("minigrad/nn/rnn_cells.py is not there yet")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    quoted = _quoted_code_lines(page)
    assert len(quoted) == 11, quoted  # 5 LSTM lines, 6 GRU lines
    for code in quoted:
        assert code in source, f"{page} quotes a line that is not in minigrad/nn/rnn_cells.py: {code}"


# ------------------------------------------------------- the RNN tutorial's figures (rnn_figures.py)
rnn_figures = make_assets.rnn_figures


@pytest.fixture(scope="module")
def rendered_figures():
    pytest.importorskip("matplotlib")
    return rnn_figures.render_all()


def test_rnn_figures_are_current(rendered_figures):
    assert set(rendered_figures) == set(rnn_figures.FIGURES)
    stale = make_assets.stale_figures(rendered_figures)
    assert not stale, f"stale figures {stale}: run python tests/docs/make_assets.py"


def test_rnn_figures_are_deterministic(rendered_figures):
    again = rnn_figures.render_all()
    assert again == rendered_figures
    for svg in again.values():
        assert "<dc:date>" not in svg and rnn_figures.recorded_matplotlib(svg)
        assert "font-family: 'DejaVu Sans', Verdana, sans-serif" in svg


def test_stale_figure_check_can_fail(rendered_figures, tmp_path, monkeypatch):
    monkeypatch.setattr(make_assets, "ASSETS", str(tmp_path))
    svg = rendered_figures["rnn-packing.svg"]
    assert "(11, 1)" in svg                       # packed.data's shape, read off minigrad
    fresh = {"rnn-packing.svg": svg}
    assert make_assets.stale_figures(fresh) == [str(tmp_path / "rnn-packing.svg")]  # missing
    (tmp_path / "rnn-packing.svg").write_text(svg.replace("(11, 1)", "(12, 1)"), encoding="utf-8")
    assert make_assets.stale_figures(fresh)       # a changed number is stale, whatever the version
    other = svg.replace(rnn_figures.MATPLOTLIB_TAG + rnn_figures.installed_matplotlib(),
                        rnn_figures.MATPLOTLIB_TAG + "0.1")
    (tmp_path / "rnn-packing.svg").write_text(other.replace('x="', 'x="1'), encoding="utf-8")
    assert not make_assets.stale_figures(fresh)   # another matplotlib: only the text is compared
    (tmp_path / "rnn-packing.svg").write_text(svg.replace('x="', 'x="1'), encoding="utf-8")
    assert make_assets.stale_figures(fresh)       # this matplotlib: every byte counts


@pytest.mark.parametrize("page", make_assets.TABLE_PAGES, ids=os.path.basename)
def test_rnn_figures_are_in_both_tutorials(page):
    import re
    with open(page, encoding="utf-8") as f:
        text = f.read()
    for name in rnn_figures.FIGURES:
        found = re.findall(r"!\[([^\]]*)\]\(([^)]*assets/" + re.escape(name) + r")\)", text)
        assert len(found) == 1, f"{page} should show {name} once"
        alt, link = found[0]
        assert len(alt) > 80, f"{name}: the alt text should describe the figure"
        assert os.path.isfile(os.path.join(os.path.dirname(page), link)), link
