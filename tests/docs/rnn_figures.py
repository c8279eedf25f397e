"""The figures of the RNN tutorial (docs/rnn-tutorial.md and docs/ko/rnn-tutorial.md), drawn with
matplotlib from facts read off minigrad itself: every shape, gate order and packing layout printed in
a figure comes from running nn.RNN / nn.GRU / nn.LSTM / pack_padded_sequence, and the drawing
asserts the relations it shows (for instance which step's state h_n holds).

Written by tests/docs/make_assets.py, checked by tests/docs/test_generated.py. The SVGs keep their
text as text (small files; the browser's sans-serif font draws it) and carry no date, so the same
minigrad and the same matplotlib version give the same bytes.
"""
import io
import re

import numpy as np

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils.rnn import pack_padded_sequence

# colours: inputs, forward states, backward states, gates, outputs, padding
C_IN, C_FWD, C_BWD, C_GATE, C_OUT, C_PAD = "#dbe9f6", "#fde2c4", "#d9f0d3", "#fff2a8", "#e8dcf0", "#eeeeee"
EDGE = "#444444"
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "minigrad-rnn-figures", "font.family": "DejaVu Sans",
         "mathtext.fontset": "dejavusans", "font.size": 11, "figure.dpi": 100}
MATPLOTLIB_TAG = "drawn with matplotlib "


def _metadata():
    """No date; the matplotlib version (major.minor) is recorded, as the bytes depend on it."""
    import matplotlib
    version = ".".join(matplotlib.__version__.split(".")[:2])
    return {"Date": None, "Creator": "minigrad tests/docs/rnn_figures.py",
            "Description": MATPLOTLIB_TAG + version}


def recorded_matplotlib(svg):
    """The matplotlib version (major.minor) an SVG written here was drawn with, or None."""
    found = re.search(re.escape(MATPLOTLIB_TAG) + r"([\d.]+)", svg)
    return found.group(1) if found else None


def installed_matplotlib():
    import matplotlib
    return ".".join(matplotlib.__version__.split(".")[:2])


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


# ------------------------------------------------------------------------------ drawing helpers
def _canvas(plt, width, height, xlim, ylim):
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _box(ax, x, y, w, h, text, color, size=11, weight="normal", style="round,pad=0.02,rounding_size=0.12"):
    """A rounded box centred at (x, y) with a label."""
    from matplotlib.patches import FancyBboxPatch
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=style, facecolor=color,
                                edgecolor=EDGE, linewidth=1.2))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=size, fontweight=weight)


def _arrow(ax, start, end, color=EDGE, style="-|>", lw=1.3, rad=0.0, shrink=0.0):
    from matplotlib.patches import FancyArrowPatch
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=color,
                                 linewidth=lw, connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=shrink, shrinkB=shrink))


def _line(ax, xs, ys, color=EDGE, lw=1.3):
    ax.plot(xs, ys, color=color, linewidth=lw, solid_capstyle="round")


def _op(ax, x, y, symbol, r=0.2):
    """A small circle with an operation sign (×, +, 1−, tanh)."""
    from matplotlib.patches import Circle
    ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor=EDGE, linewidth=1.2))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=11 if len(symbol) < 3 else 8)


def _svg(plt, fig):
    buf = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata=_metadata(), facecolor="white")
    plt.close(fig)
    # where DejaVu Sans is not installed, a browser would fall back to its default (often serif)
    # font: name the closest common one (Verdana, of the same design family) and sans-serif
    return buf.getvalue().replace("font-family: 'DejaVu Sans'",
                                  "font-family: 'DejaVu Sans', Verdana, sans-serif")


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


# ------------------------------------------------------------------------------ the figures
def unrolled(plt):
    """An RNN folded (one cell with a loop) and unrolled over L steps."""
    L, N, H_IN, H = 4, 3, 4, 5
    rnn = nn.RNN(H_IN, H)
    with mg.no_grad():
        output, h_n = rnn(mg.randn(L, N, H_IN))
    assert np.allclose(output[-1].numpy(), h_n[0].numpy())          # h_n is the last step's state
    fig, ax = _canvas(plt, 10.4, 3.9, (0, 14), (-0.95, 4.3))
    # folded
    _box(ax, 1.2, 2.0, 1.4, 0.8, "RNN cell", C_FWD)
    _arrow(ax, (1.2, 0.75), (1.2, 1.6))
    ax.text(1.2, 0.5, r"$x_t$", ha="center", va="center", fontsize=13)
    _arrow(ax, (1.2, 2.4), (1.2, 3.25))
    ax.text(1.2, 3.5, r"$h_t$", ha="center", va="center", fontsize=13)
    _arrow(ax, (1.92, 2.3), (1.92, 1.7), rad=-1.5)
    ax.text(2.45, 2.0, r"$h_{t-1}$", ha="left", va="center", fontsize=10)
    ax.text(3.45, 2.0, "=", ha="center", va="center", fontsize=22)
    # unrolled
    xs = [5.1 + 2.1 * t for t in range(L)]
    ax.text(3.95, 2.0, r"$h_0$", ha="center", va="center", fontsize=13)
    _arrow(ax, (4.2, 2.0), (xs[0] - 0.6, 2.0))
    for t, x in enumerate(xs):
        _box(ax, x, 2.0, 1.2, 0.8, "cell", C_FWD)
        _box(ax, x, 0.5, 1.0, 0.5, rf"$x_{t + 1}$", C_IN, size=12)
        _arrow(ax, (x, 0.75), (x, 1.6))
        _box(ax, x, 3.5, 1.0, 0.5, rf"$h_{t + 1}$", C_OUT, size=12)
        _arrow(ax, (x, 2.4), (x, 3.25))
        if t + 1 < L:
            _arrow(ax, (x + 0.6, 2.0), (xs[t + 1] - 0.6, 2.0))
            ax.text((x + xs[t + 1]) / 2, 2.15, rf"$h_{t + 1}$", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (xs[-1] + 0.6, 2.0), (xs[-1] + 1.2, 2.0))
    ax.text(xs[-1] + 1.3, 2.0, r"$h_n$", ha="left", va="center", fontsize=13)
    ax.text(xs[-1] + 1.25, 1.45, f"{_shape(h_n)}\n= $h_{L}$", ha="left", va="center",
            fontsize=9.5, color="#7a4a00")
    ax.text(xs[0] - 0.6, 4.1, f"output {_shape(output)}: the states of every step, stacked",
            ha="left", va="center", fontsize=10, color="#5b2c83")
    ax.text(xs[0] - 0.6, -0.15, f"input x {_shape(output)[:-2]}{H_IN}): (L, N, H_in), one row "
            f"$x_t$ per step", ha="left", va="center", fontsize=10, color="#1f4e79")
    ax.text(xs[0] - 0.6, -0.7,
            r"every cell is the same: $h_t = \tanh(W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh})$",
            ha="left", va="center", fontsize=10)
    ax.text(0.2, -0.7, f"nn.RNN({H_IN}, {H})", ha="left", va="center", fontsize=10, fontweight="bold")
    return fig


def _poly_arrow(ax, points, color):
    """A polyline through `points` with an arrow head on its last segment."""
    if len(points) > 2:
        _line(ax, [p[0] for p in points[:-1]], [p[1] for p in points[:-1]], color=color)
    _arrow(ax, points[-2], points[-1], color=color)


def _feed(ax, x, src_top, y_fwd, y_bwd, color, half=0.28):
    """A vector at (x, src_top) enters the forward cell (straight up) and the backward cell (routed
    left of the forward cell)."""
    _arrow(ax, (x, src_top), (x, y_fwd - half), color=color)
    mid = (y_fwd + y_bwd) / 2
    _poly_arrow(ax, [(x - 0.3, src_top), (x - 0.3, src_top + 0.2), (x - 0.78, src_top + 0.2),
                     (x - 0.78, mid), (x - 0.3, mid), (x - 0.3, y_bwd - half)], color)


def _collect(ax, x, y_fwd, y_bwd, dst_bottom, half=0.28):
    """The two directions' states at one step go up into one concatenated vector at dst_bottom."""
    mid = (y_fwd + y_bwd) / 2
    _poly_arrow(ax, [(x + 0.3, y_fwd + half), (x + 0.3, mid), (x + 0.78, mid),
                     (x + 0.78, dst_bottom)], "#c8741c")
    _arrow(ax, (x, y_bwd + half), (x, dst_bottom), color="#3f8a35")


def stacked(plt):
    """num_layers=2, bidirectional=True: the grid of cells, what output holds, where h_n comes from."""
    L, N, H_IN, H, LAYERS = 4, 3, 4, 5, 2
    gru = nn.GRU(H_IN, H, num_layers=LAYERS, bidirectional=True)
    with mg.no_grad():
        output, h_n = gru(mg.randn(L, N, H_IN))
    out, hn = output.numpy(), h_n.numpy()
    assert np.allclose(hn[2], out[-1, :, :H]) and np.allclose(hn[3], out[0, :, H:])
    assert gru.weight_ih_l1.shape[1] == 2 * H                       # layer 1 reads [fwd; bwd]
    fig, ax = _canvas(plt, 10.4, 6.95, (0, 15.0), (-0.75, 9.0))
    xs = [5.2 + 2.4 * t for t in range(L)]
    rows = {(0, 0): 2.0, (0, 1): 3.0, (1, 0): 5.4, (1, 1): 6.4}      # (layer, direction) -> y
    y_cat, y_out = 4.2, 7.75
    for t, x in enumerate(xs):
        _box(ax, x, 0.5, 0.9, 0.5, f"x[{t}]", C_IN, size=10)
        _feed(ax, x, 0.75, rows[(0, 0)], rows[(0, 1)], "#4a7fb5")
        _collect(ax, x, rows[(0, 0)], rows[(0, 1)], y_cat - 0.22)
        _box(ax, x + 0.4, y_cat, 1.6, 0.44, "[ → ; ← ]", "white", size=9)
        _feed(ax, x, y_cat + 0.22, rows[(1, 0)], rows[(1, 1)], "#777777")
        _collect(ax, x, rows[(1, 0)], rows[(1, 1)], y_out - 0.3)
        _box(ax, x + 0.4, y_out, 1.7, 0.6, f"output[{t}]", C_OUT, size=10)
        for (layer, d), y in rows.items():
            _box(ax, x, y, 1.0, 0.56, "→" if d == 0 else "←", C_FWD if d == 0 else C_BWD, size=13)
    for (layer, d), y in rows.items():
        for t in range(L - 1):
            a, b = (xs[t] + 0.5, xs[t + 1] - 0.5) if d == 0 else (xs[t + 1] - 0.5, xs[t] + 0.5)
            _arrow(ax, (a, y), (b, y))
        ax.text(0.15, y, f"layer {layer}, " + ("forward" if d == 0 else "backward"), ha="left",
                va="center", fontsize=10)
        k = 2 * layer + d
        if d == 0:   # the forward direction ends at the last step
            _arrow(ax, (xs[-1] + 0.5, y), (xs[-1] + 1.05, y))
            _box(ax, xs[-1] + 1.7, y, 1.2, 0.44, f"h_n[{k}]", "white", size=10)
        else:        # the backward direction ends at the first step
            _arrow(ax, (xs[0] - 0.5, y), (xs[0] - 1.05, y))
            _box(ax, xs[0] - 1.7, y, 1.2, 0.44, f"h_n[{k}]", "white", size=10)
    ax.text(0.15, 0.5, f"x {_shape(output)[:-3]}{H_IN})", ha="left", va="center", fontsize=10,
            color="#1f4e79")
    ax.text(0.15, y_cat, f"layer 1 reads {2 * H}\nfeatures per step", ha="left", va="center",
            fontsize=9, color="#555555")
    ax.text(0.15, y_out, f"output {_shape(output)}", ha="left", va="center", fontsize=10,
            color="#5b2c83")
    ax.text(0.15, 8.65, f"nn.GRU({H_IN}, {H}, num_layers={LAYERS}, bidirectional=True)",
            ha="left", va="center", fontsize=11, fontweight="bold")
    ax.text(0.15, -0.4,
            f"output[t] = [forward ; backward] state of the top layer at step t ({out.shape[-1]} = 2·H "
            f"features).  h_n {_shape(h_n)}: the final state of\neach layer and direction, layer by "
            f"layer, forward first. Forward rows end at the last step, backward rows at the first: "
            f"h_n[3] = output[0, :, {H}:].", ha="left", va="center", fontsize=9)
    return fig


def lstm_cell(plt):
    """The LSTM cell: gates i, f, g, o from [h_{t-1}, x_t], the cell state line on top."""
    H_IN, H = 4, 5
    cell = nn.LSTMCell(H_IN, H)
    assert cell.weight_ih.shape == (4 * H, H_IN) and cell.weight_hh.shape == (4 * H, H)
    fig, ax = _canvas(plt, 10.4, 5.2, (0, 13), (-0.7, 5.8))
    _box(ax, 5.8, 2.9, 8.6, 4.5, "", "#fafafa", style="round,pad=0.02,rounding_size=0.3")
    top, bus, gy, my = 4.7, 0.9, 1.9, 3.3
    # the cell state line: c_{t-1} -> x f_t -> + i_t g_t -> c_t
    ax.text(0.95, top, r"$c_{t-1}$", ha="center", va="center", fontsize=13)
    _line(ax, [1.4, 2.8], [top, top])
    _op(ax, 3.0, top, "×")
    _line(ax, [3.2, 5.05], [top, top])
    _op(ax, 5.25, top, "+")
    _arrow(ax, (5.45, top), (11.9, top))
    ax.text(12.3, top, r"$c_t$", ha="center", va="center", fontsize=13)
    # h_{t-1} and x_t on one bus: every gate sees both
    ax.text(0.95, bus, r"$h_{t-1}$", ha="center", va="center", fontsize=13)
    _line(ax, [1.5, 7.6], [bus, bus])
    ax.text(2.2, -0.45, r"$x_t$", ha="center", va="center", fontsize=13)
    _line(ax, [2.2, 2.2], [-0.2, bus])
    gates = [(3.0, r"$\sigma$", r"$f_t$ forget"), (4.6, r"$\sigma$", r"$i_t$ input"),
             (5.9, "tanh", r"$g_t$ candidate"), (7.6, r"$\sigma$", r"$o_t$ output")]
    for x, fn, label in gates:
        _arrow(ax, (x, bus), (x, gy - 0.28))
        _box(ax, x, gy, 0.85, 0.55, fn, C_GATE, size=12)
        ax.text(x + 0.1, 1.28, label, ha="left", va="center", fontsize=8.5, color="#6b5b00")
    _arrow(ax, (3.0, gy + 0.28), (3.0, top - 0.2))                  # f_t scales the old memory
    _op(ax, 5.25, my, "×")                                          # i_t * g_t is added to it
    _poly_arrow(ax, [(4.6, gy + 0.28), (4.6, my), (5.05, my)], EDGE)
    _poly_arrow(ax, [(5.9, gy + 0.28), (5.9, my), (5.45, my)], EDGE)
    _arrow(ax, (5.25, my + 0.2), (5.25, top - 0.2))
    # h_t = o_t * tanh(c_t)
    _line(ax, [8.6, 8.6], [top, 4.35])
    _box(ax, 8.6, 4.05, 0.85, 0.5, "tanh", C_GATE, size=11)
    _arrow(ax, (8.6, 3.8), (8.6, my + 0.2))
    _op(ax, 8.6, my, "×")
    _poly_arrow(ax, [(7.6, gy + 0.28), (7.6, my), (8.4, my)], EDGE)
    _line(ax, [8.8, 9.4, 9.4], [my, my, bus])
    _arrow(ax, (9.4, bus), (11.9, bus))
    ax.text(12.3, bus, r"$h_t$", ha="center", va="center", fontsize=13)
    _arrow(ax, (10.9, bus), (10.9, 5.45))
    ax.text(11.05, 5.35, r"$h_t$ (output)", ha="left", va="center", fontsize=10)
    ax.text(3.6, -0.25, r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$", ha="left", va="center",
            fontsize=11)
    ax.text(7.6, -0.25, r"$h_t = o_t \odot \tanh(c_t)$", ha="left", va="center", fontsize=11)
    ax.text(1.5, 5.5, "nn.LSTMCell: weight_ih (4·H, H_in) = " + f"{tuple(cell.weight_ih.shape)}"
            + ", rows [i; f; g; o]", ha="left", va="center", fontsize=9.5)
    return fig


def _hop(ax, xs, ys, color=EDGE):
    """A line drawn over the lines below it with a white gap, where two wires cross."""
    import matplotlib.patheffects as pe
    ax.plot(xs, ys, color=color, linewidth=1.3, solid_capstyle="butt",
            path_effects=[pe.Stroke(linewidth=6, foreground="#fafafa"), pe.Normal()])


def gru_cell(plt):
    """The GRU cell: reset gate r inside the candidate, update gate z blending old and new."""
    H_IN, H = 4, 5
    cell = nn.GRUCell(H_IN, H)
    assert cell.weight_ih.shape == (3 * H, H_IN) and cell.weight_hh.shape == (3 * H, H)
    fig, ax = _canvas(plt, 10.4, 5.2, (0, 13), (-0.7, 5.8))
    _box(ax, 5.8, 2.9, 8.6, 4.5, "", "#fafafa", style="round,pad=0.02,rounding_size=0.3")
    top, bus, gy = 4.7, 0.9, 1.9
    # the state line: h_{t-1} -> x z_t -> + (1 - z_t) n_t -> h_t
    ax.text(0.95, top, r"$h_{t-1}$", ha="center", va="center", fontsize=13)
    _line(ax, [1.5, 8.4], [top, top])
    _op(ax, 8.6, top, "×")
    _line(ax, [8.8, 9.6], [top, top])
    _op(ax, 9.8, top, "+")
    _arrow(ax, (10.0, top), (11.9, top))
    ax.text(12.3, top, r"$h_t$", ha="center", va="center", fontsize=13)
    _arrow(ax, (10.9, top), (10.9, 5.45))
    ax.text(11.05, 5.35, r"$h_t$ (output)", ha="left", va="center", fontsize=10)
    # h_{t-1} also goes down to the bus, where x_t joins it
    _line(ax, [1.8, 1.8, 6.2], [top, bus, bus])
    ax.text(2.3, -0.45, r"$x_t$", ha="center", va="center", fontsize=13)
    _line(ax, [2.3, 2.3], [-0.2, bus])
    for x, label in [(3.0, r"$r_t$ reset"), (4.4, r"$z_t$ update")]:
        _arrow(ax, (x, bus), (x, gy - 0.28))
        _box(ax, x, gy, 0.85, 0.55, r"$\sigma$", C_GATE, size=12)
        ax.text(x + 0.1, 1.28, label, ha="left", va="center", fontsize=8.5, color="#6b5b00")
    # the candidate n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
    _arrow(ax, (6.2, bus), (6.2, gy - 0.28))
    _box(ax, 6.2, gy, 1.6, 0.55, r"$W_{hn}h_{t-1} + b_{hn}$", "white", size=8.5)
    _arrow(ax, (6.2, gy + 0.28), (6.2, 2.8))
    _op(ax, 6.2, 3.0, "×")
    _poly_arrow(ax, [(3.0, gy + 0.28), (3.0, 3.0), (6.0, 3.0)], EDGE)
    _arrow(ax, (6.2, 3.2), (6.2, 3.65))
    ax.text(6.05, 3.42, r"$+\,W_{in}x_t + b_{in}$", ha="right", va="center", fontsize=8.5)
    _box(ax, 6.2, 3.9, 0.85, 0.5, "tanh", C_GATE, size=11)
    ax.text(6.35, 4.3, r"$n_t$ candidate", ha="left", va="center", fontsize=8.5, color="#6b5b00")
    # z_t keeps the old state, 1 - z_t takes the candidate
    _line(ax, [4.4, 4.4], [gy + 0.28, 2.5])
    _hop(ax, [4.4, 8.6], [2.5, 2.5])
    _arrow(ax, (8.6, 2.5), (8.6, top - 0.2))
    _arrow(ax, (8.6, 2.5), (9.58, 2.5))
    _op(ax, 9.8, 2.5, "1−", r=0.22)
    _arrow(ax, (9.8, 2.72), (9.8, 3.7))
    _op(ax, 9.8, 3.9, "×")
    _hop(ax, [6.625, 9.0], [3.9, 3.9])
    _arrow(ax, (9.0, 3.9), (9.6, 3.9))
    _arrow(ax, (9.8, 4.1), (9.8, top - 0.2))
    ax.text(1.5, 5.5, "nn.GRUCell: weight_ih (3·H, H_in) = " + f"{tuple(cell.weight_ih.shape)}"
            + ", rows [r; z; n]", ha="left", va="center", fontsize=9.5)
    ax.text(3.0, -0.25, r"$n_t = \tanh(W_{in}x_t + b_{in} + r_t \odot (W_{hn}h_{t-1} + b_{hn}))$",
            ha="left", va="center", fontsize=10.5)
    ax.text(8.9, -0.25, r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$", ha="left",
            va="center", fontsize=10.5)
    return fig


def many_to_one_many(plt):
    """Many-to-one (one answer from h_n[-1]) beside many-to-many (an answer per step from output)."""
    L, N, H_IN, H, C, V = 4, 3, 4, 5, 2, 7
    lstm = nn.LSTM(H_IN, H)
    with mg.no_grad():
        output, (h_n, _) = lstm(mg.randn(L, N, H_IN))
        one = nn.Linear(H, C)(h_n[-1])
        many = nn.Linear(H, V)(output)
    assert tuple(one.shape) == (N, C) and tuple(many.shape) == (L, N, V)
    fig, ax = _canvas(plt, 10.4, 4.2, (0, 13.2), (-0.4, 4.9))
    words = ["the", "film", "was", "great"]
    for panel, x0 in enumerate((0.8, 7.4)):
        xs = [x0 + 1.45 * t for t in range(L)]
        for t, x in enumerate(xs):
            _box(ax, x, 0.5, 1.1, 0.5, words[t], C_IN, size=10)
            _arrow(ax, (x, 0.75), (x, 1.6))
            _box(ax, x, 1.9, 1.0, 0.55, "LSTM", C_FWD, size=9)
            if t + 1 < L:
                _arrow(ax, (x + 0.5, 1.9), (xs[t + 1] - 0.5, 1.9))
            if panel == 1:
                _arrow(ax, (x, 2.18), (x, 2.85))
                _box(ax, x, 3.1, 1.0, 0.45, "Linear", C_OUT, size=9)
                _arrow(ax, (x, 3.33), (x, 3.75))
                ax.text(x, 3.95, ["DET", "NOUN", "VERB", "ADJ"][t], ha="center", va="center", fontsize=9)
        if panel == 0:
            _arrow(ax, (xs[-1], 2.18), (xs[-1], 2.85))
            _box(ax, xs[-1], 3.1, 1.0, 0.45, "Linear", C_OUT, size=9)
            _arrow(ax, (xs[-1], 3.33), (xs[-1], 3.75))
            ax.text(xs[-1], 3.95, "positive", ha="center", va="center", fontsize=9)
            ax.text(x0 - 0.5, 4.6, "many-to-one: classify a sentence", ha="left", va="center",
                    fontsize=11, fontweight="bold")
            ax.text(x0 - 0.5, -0.2, f"h_n[-1] {_shape(h_n[-1])} → Linear → {_shape(one)}",
                    ha="left", va="center", fontsize=9.5)
            ax.text(xs[-1] - 0.55, 2.55, "h_n[-1]", ha="right", va="center", fontsize=9)
        else:
            ax.text(x0 - 0.5, 4.6, "many-to-many: tag every step", ha="left", va="center",
                    fontsize=11, fontweight="bold")
            ax.text(x0 - 0.5, -0.2, f"output {_shape(output)} → one Linear, every step → {_shape(many)}",
                    ha="left", va="center", fontsize=9.5)
    _line(ax, [6.55, 6.55], [-0.3, 4.8], color="#bbbbbb", lw=1)
    return fig


def packing(plt):
    """pack_padded_sequence on three sequences of lengths 5, 2, 4 (the tutorial's example)."""
    lengths = [5, 2, 4]
    names = "abc"
    T, B = max(lengths), len(lengths)
    padded = np.zeros((T, B, 1))
    for k, n in enumerate(lengths):
        padded[:n, k, 0] = [10 * (k + 1) + t for t in range(n)]          # value = sequence, step
    packed = pack_padded_sequence(mg.tensor(padded), mg.tensor(lengths), enforce_sorted=False)
    data = [int(v) for v in packed.data.numpy()[:, 0]]
    batch_sizes = [int(b) for b in packed.batch_sizes.tolist()]
    order = [int(i) for i in packed.sorted_indices.tolist()]
    label = lambda v: f"{names[v // 10 - 1]}{v % 10}"                   # noqa: E731  (a0 = a's step 0)
    fig, ax = _canvas(plt, 10.4, 4.9, (0, 13.4), (-1.2, 5.1))
    cw, ch = 0.62, 0.5
    # the padded batch, time down, batch across (time-first layout)
    ax.text(0.2, 4.75, f"padded (L={T}, N={B}), lengths {lengths}", ha="left", va="center", fontsize=10.5,
            fontweight="bold")
    for k in range(B):
        ax.text(0.9 + k * cw, 4.3, f"{k}", ha="center", va="center", fontsize=9, color="#555555")
        for t in range(T):
            v = int(padded[t, k, 0])
            _box(ax, 0.9 + k * cw, 3.8 - t * ch, cw * 0.92, ch * 0.85, label(v) if v else "0",
                 C_PAD if not v else C_IN, size=9, style="square,pad=0")
    for t in range(T):
        ax.text(0.35, 3.8 - t * ch, f"t={t}", ha="right", va="center", fontsize=8, color="#555555")
    _arrow(ax, (2.9, 2.8), (3.9, 2.8))
    ax.text(3.4, 3.1, "sort by\nlength", ha="center", va="bottom", fontsize=8.5)
    # sorted by length: the rows each step still uses
    ax.text(4.3, 4.75, f"sorted_indices {order}", ha="left", va="center", fontsize=10.5, fontweight="bold")
    for j, k in enumerate(order):
        ax.text(4.6 + j * cw, 4.3, f"{k}", ha="center", va="center", fontsize=9, color="#555555")
        for t in range(T):
            v = int(padded[t, k, 0])
            _box(ax, 4.6 + j * cw, 3.8 - t * ch, cw * 0.92, ch * 0.85, label(v) if v else "",
                 C_FWD if v else "white", size=9, style="square,pad=0")
    for t in range(T):
        ax.text(4.6 + B * cw, 3.8 - t * ch, f"batch_sizes[{t}] = {batch_sizes[t]}", ha="left",
                va="center", fontsize=8.5, color="#7a4a00")
    # packed.data: one row per real step, step after step
    ax.text(0.2, 0.75, f"packed.data ({len(data)}, 1): no padding; step t uses its first "
            f"batch_sizes[t] rows", ha="left", va="center", fontsize=10.5, fontweight="bold")
    x, w = 0.6, 0.66
    for t, b in enumerate(batch_sizes):
        start = sum(batch_sizes[:t])
        for j in range(b):
            _box(ax, x + w / 2, 0.0, w * 0.92, 0.55, label(data[start + j]), C_FWD, size=9,
                 style="square,pad=0")
            x += w
        ax.plot([x - b * w + 0.05, x - 0.05], [-0.45, -0.45], color="#7a4a00", linewidth=1.2)
        ax.text(x - b * w / 2, -0.75, f"t={t}: {b}", ha="center", va="center", fontsize=8.5,
                color="#7a4a00")
        x += 0.18
    ax.text(x + 0.2, 0.0, f"batch_sizes {batch_sizes}", ha="left", va="center", fontsize=10,
            color="#7a4a00")
    return fig


FIGURES = {  # file name under docs/assets -> drawing function
    "rnn-unrolled.svg": unrolled,
    "rnn-deep-bidirectional.svg": stacked,
    "rnn-lstm-cell.svg": lstm_cell,
    "rnn-gru-cell.svg": gru_cell,
    "rnn-many-to-one-many.svg": many_to_one_many,
    "rnn-packing.svg": packing,
}


def render_all():
    """{file name: SVG text} of every figure (same minigrad + matplotlib version: same bytes)."""
    plt = _plt()
    out = {}
    with plt.rc_context(STYLE):
        for name, draw in FIGURES.items():
            mg.manual_seed(0)
            out[name] = _svg(plt, draw(plt))
    return out


def texts(svg):
    """The text an SVG shows, in order (what must not go stale, whatever the matplotlib version)."""
    found = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return [re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", t)) for t in found]
