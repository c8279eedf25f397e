"""summary(model, *inputs): a Keras-style table of every layer's output shape and parameter count."""
from ... import backend as B
from ...autograd import no_grad
from ...tensor import Tensor

__all__ = ["summary"]


def _shape_of(out):
    """A printable shape for a module output: [2, 5] for a tensor, nested for tuples/lists/dicts."""
    if isinstance(out, Tensor):
        return "[" + ", ".join(str(s) for s in out.shape) + "]"
    if isinstance(out, (tuple, list)):
        inner = ", ".join(_shape_of(o) for o in out)
        return f"({inner})" if isinstance(out, tuple) else f"[{inner}]"
    if isinstance(out, dict):
        return "{" + ", ".join(f"{k}: {_shape_of(v)}" for k, v in out.items()) + "}"
    data = getattr(out, "data", None)
    if isinstance(data, Tensor):  # e.g. a PackedSequence
        return f"{type(out).__name__}(data={_shape_of(data)})"
    return "--" if out is None else type(out).__name__


def _count(params):
    total = trainable = 0
    for p in params:
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return total, trainable


def _table(rows, widths):
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2])]
        lines.append("  ".join(cells).rstrip())
    return lines


def summary(model, *inputs, **kwargs):
    """Run model(*inputs, **kwargs) once (no grad) and print, and return, a table with each submodule's
    dotted name, type, output shape and parameter count, then total / trainable / non-trainable counts.

    Args:
        model: the Module.
        *inputs: example inputs for one forward pass.
        **kwargs: keyword arguments for the forward pass.

    Returns:
        The table as a string (also printed).

    Example:
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> table = nn.utils.summary(model, minigrad.zeros(3, 4))
        Sequential summary
        ===================================
        Layer (type)  Output Shape  Param #
        ===================================
        0 (Linear)    [3, 8]             40
        1 (ReLU)      [3, 8]              0
        2 (Linear)    [3, 2]             18
        ===================================
        Total params: 58
        Trainable params: 58
        Non-trainable params: 0
        Output shape: [3, 2]
        ===================================
    """
    names = {}
    calls = {}
    handles = []
    modules = list(model.named_modules())
    leaf_only = len(modules) == 1
    for name, module in modules:
        if name == "" and not leaf_only:
            continue
        names[id(module)] = name

        def hook(mod, args, out):
            calls[id(mod)] = _shape_of(out)
        handles.append(module.register_forward_hook(hook))
    rng_state = B.get_rng_state()  # the forward pass (e.g. dropout) must not shift the user's stream
    try:
        with no_grad():
            output = model(*inputs, **kwargs)
    finally:
        for h in handles:
            h.remove()
        B.set_rng_state(rng_state)

    header = ("Layer (type)", "Output Shape", "Param #")
    rows = []
    for name, module in modules:
        if id(module) not in names:
            continue
        depth = name.count(".") if name else 0
        label = "  " * depth + f"{name.rsplit('.', 1)[-1] or type(module).__name__} ({type(module).__name__})"
        n, _ = _count(module.parameters())
        rows.append((label, calls.get(id(module), "--"), f"{n:,}"))
    total, trainable = _count(model.parameters())
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(3)]
    width = sum(widths) + 4
    lines = [f"{type(model).__name__} summary", "=" * width] + _table([header], widths)
    lines += ["=" * width] + _table(rows, widths) + ["=" * width]
    lines += [f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}"]
    if not leaf_only:
        lines.append(f"Output shape: {_shape_of(output)}")
    lines.append("=" * width)
    text = "\n".join(lines)
    print(text)
    return text
