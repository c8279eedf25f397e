"""Tensor printing in PyTorch's format: int / fixed / scientific float modes, line wrapping at 80
columns, `...` summaries above 1000 elements, and the dtype / device / grad suffixes."""
import math

from . import backend as B

np = B.np

THRESHOLD = 1000   # summarise tensors with more elements than this
EDGEITEMS = 3      # entries kept at each end of a summarised dimension
LINEWIDTH = 80
PRECISION = 4


def _summarized(arr):
    """Only the entries a summarised print shows: the first and last EDGEITEMS along each long dim."""
    for axis, n in enumerate(arr.shape):
        if n > 2 * EDGEITEMS:
            keep = list(range(EDGEITEMS)) + list(range(n - EDGEITEMS, n))
            arr = np.take(arr, keep, axis=axis)
    return arr


class _Formatter:
    """Chooses one format and width for every element of a tensor, from all the values shown."""

    def __init__(self, values):
        self.is_float = values.dtype.kind == "f"
        self.mode = "int"
        self.width = 1
        flat = values.reshape(-1)
        if not self.is_float:
            self.width = max([len(str(v)) for v in flat.tolist()], default=1)
            return
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        mag = np.abs(shown).astype(np.float64)
        lo, hi = float(mag.min()), float(mag.max())
        integral = bool(np.all(shown == np.ceil(shown)))
        wide = hi / lo > 1000.0 or hi > 1.0e8
        if integral and not wide:
            self.mode, extra = "int", 1  # the trailing '.' of "2."
        elif not integral and not wide and lo >= 1.0e-4:
            self.mode, extra = "fixed", 0
        else:
            self.mode, extra = "sci", 0
        self.width = max(len(self._text(v)) + extra for v in shown.tolist())

    def _text(self, v):
        if self.mode == "sci":
            return f"{v:.{PRECISION}e}"
        if self.mode == "fixed":
            return f"{v:.{PRECISION}f}"
        return f"{v:.0f}"

    def format(self, v):
        """One element as text, right-aligned to the common width."""
        if not self.is_float:
            s = str(v)
        else:
            s = self._text(v)
            if self.mode == "int" and math.isfinite(v):
                s += "."
        return s.rjust(self.width)


def _vector(arr, indent, summarize, fmt):
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    vals = arr.tolist()
    if summarize and len(vals) > 2 * EDGEITEMS:
        items = ([fmt.format(v) for v in vals[:EDGEITEMS]] + [" ..."]
                 + [fmt.format(v) for v in vals[-EDGEITEMS:]])
    else:
        items = [fmt.format(v) for v in vals]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(arr, indent, summarize, fmt):
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt)
    n = arr.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = ([_nested(arr[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."]
                + [_nested(arr[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        rows = [_nested(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    sep = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def array_str(arr, indent):
    """The bracketed values of a NumPy array, laid out as PyTorch lays out a tensor's."""
    if arr.size == 0:
        return "[]"
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    summarize = arr.size > THRESHOLD
    fmt = _Formatter(_summarized(arr) if summarize else arr)
    return _nested(arr, indent, summarize, fmt)


def _with_suffixes(text, suffixes, indent):
    """Append ', suffix' items, starting a new line when one would pass LINEWIDTH."""
    out = [text]
    # PyTorch's estimate of the last line's length (it counts two more than the characters)
    used = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if used + len(s) + 2 > LINEWIDTH:
            out.append(",\n" + " " * indent + s)
            used = indent + len(s)
        else:
            out.append(", " + s)
            used += len(s) + 2
    return "".join(out) + ")"


def tensor_repr(t):
    """repr(tensor) in PyTorch's format, with 'minigrad.' dtypes."""
    prefix = "tensor("
    indent = len(prefix)
    arr = B.to_numpy(t.array)
    suffixes = []
    if t.device.type != B.default_device().type:
        suffixes.append(f"device='{t.device.type}:{t.device.index or 0}'"
                        if t.device.type == "cuda" else f"device='{t.device}'")
    dtype = t.dtype
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype != B.default_float():
            suffixes.append(f"dtype={dtype!r}")
    elif dtype not in (B.default_float(), B.int64, B.bool_):
        suffixes.append(f"dtype={dtype!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + array_str(arr, indent), suffixes, indent)
