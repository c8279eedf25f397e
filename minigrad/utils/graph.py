"""Export the autograd graph behind a tensor as Graphviz DOT text.

The graph that ``backward`` walks is made of ``Function`` nodes (a tensor's ``grad_fn``).  Each
node keeps one entry per forward input in ``node._edges``: ``None`` for an input that needs no
gradient, otherwise ``(target, output_nr, shape, dtype)``, where ``target`` is either another
node (``output_nr`` says which of its outputs was used) or a leaf tensor (``output_nr`` is None).
``to_dot`` follows those edges from a tensor back to the leaves and draws them in the direction
the data flowed during the forward pass: leaves at the top, the result at the bottom.

    >>> import minigrad as mg
    >>> from minigrad.utils.graph import to_dot
    >>> x = mg.randn(3, requires_grad=True)
    >>> print(to_dot((x * 2).sum(), params={"x": x}))    # doctest: +SKIP
"""
import shutil
import subprocess

from ..tensor import Tensor

__all__ = ["to_dot", "render"]

_LEAF_STYLE = 'shape=box, style="rounded,filled", fillcolor="#dbeafe"'
_NODE_STYLE = 'shape=box, style=filled, fillcolor="#f3f4f6"'
_ROOT_STYLE = 'shape=box, style="rounded,filled", fillcolor="#dcfce7"'
_FREED_STYLE = 'shape=box, style="dashed"'


def _shape(shape):
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _quote(text):
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + text + '"'


def to_dot(tensors, params=None, show_shapes=True, name="minigrad"):
    """The autograd graph of `tensors` as Graphviz DOT source (a string).

    Args:
        tensors: a Tensor, or a list/tuple of Tensors, whose graph to draw (the roots).
        params: optional ``{name: tensor}`` used to label leaf tensors (e.g.
            ``dict(model.named_parameters())``); unnamed leaves are labelled by their shape.
        show_shapes: write the tensor shape on leaves, roots and every edge.
        name: the DOT graph's name.

    Returns:
        DOT text: leaf tensors are rounded blue boxes, operations (``grad_fn`` nodes such as
        ``MulBackward``) grey boxes, the roots green boxes; arrows follow the forward data flow.
        A node whose buffers were already freed by ``backward()`` is drawn dashed.  Render it with
        ``dot -Tsvg`` or :func:`render`.
    """
    roots = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    for t in roots:
        if not isinstance(t, Tensor):
            raise TypeError(f"to_dot expects Tensors, got {type(t).__name__}")
    names = {id(t): n for n, t in (params or {}).items()}
    ids = {}                  # id(node or leaf) -> DOT node id
    keep = []                 # keep objects alive while ids are in use
    lines = [f"digraph {_quote(name)} {{",
             '  graph [rankdir=TB, fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9];']

    def node_id(obj):
        key = id(obj)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            keep.append(obj)
            return ids[key], True
        return ids[key], False

    def leaf(t):
        nid, new = node_id(t)
        if new:
            label = names.get(id(t))
            if label is None:
                label = "tensor"
            if show_shapes:
                label += "\n" + _shape(t.shape)
            lines.append(f"  {nid} [label={_quote(label)}, {_LEAF_STYLE}];")
        return nid

    stack = []

    def fn_node(fn):
        nid, new = node_id(fn)
        if new:
            freed = getattr(fn, "_released", False)
            label = fn.name() + (" (freed)" if freed else "")
            lines.append(f"  {nid} [label={_quote(label)}, {_FREED_STYLE if freed else _NODE_STYLE}];")
            stack.append(fn)
        return nid

    for k, t in enumerate(roots):
        rid = f"out{k}"
        label = names.get(id(t), "output" if len(roots) == 1 else f"output {k}")
        if show_shapes:
            label += "\n" + _shape(t.shape)
        if t.grad_fn is None:  # a leaf: draw it once, as a leaf
            leaf(t)
            continue
        lines.append(f"  {rid} [label={_quote(label)}, {_ROOT_STYLE}];")
        src = fn_node(t.grad_fn)
        lines.append(f"  {src} -> {rid};")

    while stack:
        fn = stack.pop()
        dst = ids[id(fn)]
        for e in getattr(fn, "_edges", ()):
            if e is None:
                continue
            target, nr, shape, _dtype = e
            src = leaf(target) if nr is None else fn_node(target)
            attrs = []
            text = _shape(shape) if show_shapes and nr is not None else ""  # leaves show their own
            if nr is not None and getattr(target, "_nout", 1) > 1:
                text = (text + " " if text else "") + f"[{nr}]"
            if text:
                attrs.append(f"label={_quote(text)}")
            lines.append(f"  {src} -> {dst}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(tensors, path, format="svg", **kwargs):
    """Write the graph of `tensors` to `path` as `format` (svg, png, pdf) using Graphviz's ``dot``.

    Needs the ``dot`` program (Debian/Ubuntu: ``apt-get install graphviz``); keyword arguments go
    to :func:`to_dot`.  Returns `path`.
    """
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("render needs Graphviz's `dot` program on PATH (apt-get install graphviz); "
                           "to_dot() gives the DOT text without it")
    src = to_dot(tensors, **kwargs)
    subprocess.run([exe, f"-T{format}", "-o", str(path)], input=src.encode(), check=True)
    return path
