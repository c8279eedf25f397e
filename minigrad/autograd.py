"""Reverse-mode autograd: grad mode, the Function base class, the backward engine and gradcheck.

Every differentiable op is a `Function` subclass with `forward(ctx, ...)` and `backward(ctx, *grads)`
written side by side.  Calling `Fn.apply(...)` runs forward and, when grad mode is on and an input
requires grad, records a graph node (the `ctx`) that the output tensors point to as `grad_fn`.
"""
import functools

from . import backend as B

__all__ = ["Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "gradcheck", "GradcheckError", "backward"]


# ------------------------------------------------------------------------------------- grad mode
class _GradMode:
    enabled = True


def is_grad_enabled():
    """True when operations are being recorded for autograd."""
    return _GradMode.enabled


class set_grad_enabled:
    """Turn gradient recording on or off; usable as a call, a context manager or a decorator."""

    def __init__(self, mode=True):
        self.prev = _GradMode.enabled
        self.mode = bool(mode)
        _GradMode.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev
        return False

    def __call__(self, fn):
        _GradMode.enabled = self.prev  # being used as a decorator: undo the eager switch

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(self.mode):
                return fn(*args, **kwargs)
        return wrapper


class _GradSwitch:
    mode = True

    def __enter__(self):
        self.prev = _GradMode.enabled
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradSwitch):
    """Context manager / decorator: operations inside build no graph."""
    mode = False


class enable_grad(_GradSwitch):
    """Context manager / decorator: re-enable graph building inside a no_grad block."""
    mode = True


# ------------------------------------------------------------------------------------- Function
_RELEASED = ("Trying to backward through the graph a second time (or directly access saved tensors "
             "after they have already been freed). Saved intermediate values of the graph are freed "
             "when you call .backward(). Specify retain_graph=True if you need to backward through "
             "the graph a second time.")


class Function:
    """Base class of differentiable operations; subclass with static `forward` and `backward`.

    User-defined Functions receive and return Tensors (as in PyTorch).  Built-in ops set
    `raw = True`: their forward and backward receive and return backend arrays, which is faster.
    """
    raw = False

    def __init__(self):
        self._saved = ()
        self._checks = ()
        self._non_diff = ()
        self._released = False
        self._retained = None
        self._hooks = None

    # ----- ctx API used inside forward / backward
    def save_for_backward(self, *xs):
        """Keep values needed by backward (checked for later in-place modification)."""
        self._saved = xs

    @property
    def saved_tensors(self):
        """The values passed to save_for_backward (raises if the graph was freed or modified)."""
        if self._released:
            raise RuntimeError(_RELEASED)
        for box, version, t in self._checks:
            if box.value != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{t.dtype.name} {list(t.shape)}] is at version {box.value}; "
                    f"expected version {version} instead ({type(self).__name__}).")
        return self._saved

    def mark_non_differentiable(self, *outputs):
        """Declare outputs (e.g. integer indices) that do not carry gradient."""
        self._non_diff = tuple(id(o) for o in outputs)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    def name(self):
        """The node's name as shown in `grad_fn` (e.g. 'MulBackward')."""
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    # ----- recording
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on `args` and record the graph node when gradients are needed."""
        from .tensor import Tensor
        ctx = cls()
        record = False
        tensors = []
        for a in args:
            if isinstance(a, Tensor):
                tensors.append(a)
                if a.requires_grad:
                    record = True
        if B.cupy_loaded() and len(tensors) > 1:
            _check_devices(cls, tensors)
        record = record and _GradMode.enabled

        if cls.raw:
            inputs = [a.data if isinstance(a, Tensor) else a for a in args]
            out = cls.forward(ctx, *inputs, **kwargs)
        else:
            with no_grad():
                out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out

        results = []
        for i, o in enumerate(outs):
            if o is None:
                results.append(None)
                continue
            if isinstance(o, Tensor):
                diff = record and o.dtype.is_floating_point and id(o) not in ctx._non_diff
                t = Tensor._make(o.data, diff, ctx if diff else None, i)
                if not record:
                    t = o
            else:
                diff = record and o.dtype.kind == "f" and id(o) not in ctx._non_diff
                t = Tensor._make(o, diff, ctx if diff else None, i)
            results.append(t)

        if record:
            ctx._edges = tuple(_edge(a) for a in args)
            ctx.needs_input_grad = tuple(e is not None for e in ctx._edges)
            ctx._nout = len(outs)
            ctx._out_meta = tuple(None if r is None else (r.shape, r.data.dtype, B.get_array_module(r.data))
                                  for r in results)
            if ctx._saved:
                ctx._checks = _version_checks(ctx._saved, tensors, results, cls.raw)
        return results[0] if single else tuple(results)


def _edge(a):
    """Where the gradient for input `a` goes: (node, output_nr, shape), (leaf, None, shape) or None."""
    from .tensor import Tensor
    if not isinstance(a, Tensor) or not a.requires_grad:
        return None
    if a.grad_fn is not None:
        return (a.grad_fn, a._output_nr, a.shape)
    return (a, None, a.shape)


def _version_checks(saved, inputs, outputs, raw):
    """Record the version of every tensor whose data was saved, to detect later in-place edits."""
    from .tensor import Tensor
    checks = []
    if raw:
        by_id = {id(t.data): t for t in inputs}
        for t in outputs:
            if t is not None:
                by_id[id(t.data)] = t
        for s in saved:
            t = by_id.get(id(s))
            if t is not None:
                checks.append((t._version, t._version.value, t))
    else:
        for s in saved:
            if isinstance(s, Tensor):
                checks.append((s._version, s._version.value, s))
    return tuple(checks)


def _check_devices(fn, tensors):
    first = tensors[0].device
    for t in tensors[1:]:
        if t.device != first:
            raise RuntimeError(
                f"{fn.__name__.lower()}: expected all tensors to be on the same device, but found at "
                f"least two devices, {first} and {t.device}")


def _release(node):
    node._released = True
    node._saved = ()
    node._checks = ()
    node._edges = ()
    keep = {"_released", "_saved", "_checks", "_edges", "_non_diff", "_retained", "_hooks", "_nout",
            "_out_meta", "needs_input_grad"}
    for k in [k for k in node.__dict__ if k not in keep]:
        del node.__dict__[k]


# --------------------------------------------------------------------------------------- engine
def backward(tensors, grad_tensors, retain_graph=False):
    """Accumulate d(tensors)/d(leaves) into the leaves' .grad, visiting nodes in topological order."""
    from .tensor import Tensor
    pending = {}          # node -> list of gradient arrays, one per output
    roots = []
    for t, g in zip(tensors, grad_tensors):
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = B.get_array_module(t.data).ones(t.shape, dtype=t.data.dtype)
        else:
            g = g.data if isinstance(g, Tensor) else g
            if tuple(g.shape) != t.shape:
                raise RuntimeError(f"backward: gradient has shape {tuple(g.shape)} but the tensor has "
                                   f"shape {t.shape}")
        if t.grad_fn is None:
            _accumulate_leaf(t, g)
            continue
        node = t.grad_fn
        if node._released:
            raise RuntimeError(_RELEASED)
        buf = pending.setdefault(node, [None] * node._nout)
        i = t._output_nr
        buf[i] = g if buf[i] is None else buf[i] + g
        roots.append(node)

    # count, for every node, how many graph edges point at it (Kahn's algorithm; no recursion)
    deps = {}
    stack = list(set(roots))
    seen = set(stack)
    while stack:
        node = stack.pop()
        for e in node._edges:
            if e is not None and e[1] is not None:
                child = e[0]
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)

    ready = [n for n in set(roots) if deps.get(n, 0) == 0]
    while ready:
        node = ready.pop()
        grads = pending.pop(node, None)
        if grads is None:
            grads = [None] * node._nout
        if node._released:
            raise RuntimeError(_RELEASED)
        if node._hooks or node._retained:
            grads = _apply_output_hooks(node, grads)
        in_grads = _call_backward(node, grads)
        for e, g in zip(node._edges, in_grads):
            if e is None:
                continue
            target, nr, shape = e
            if g is not None:
                if tuple(g.shape) != shape:
                    raise RuntimeError(f"Function {node.name()} returned an invalid gradient - got "
                                       f"shape {tuple(g.shape)} but expected shape {shape}")
                if nr is None:
                    _accumulate_leaf(target, g)
                else:
                    buf = pending.get(target)
                    if buf is None:
                        buf = pending[target] = [None] * target._nout
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
            if nr is not None:
                deps[target] -= 1
                if deps[target] == 0:
                    ready.append(target)
        if not retain_graph:
            _release(node)


def _call_backward(node, grads):
    from .tensor import Tensor
    if any(g is None for g in grads):
        grads = [g if g is not None or meta is None else _zeros_like_meta(meta)
                 for g, meta in zip(grads, node._out_meta)]
    if type(node).raw:
        out = node.backward(node, *grads)
    else:
        with no_grad():
            out = node.backward(node, *[Tensor._make(g, False, None, 0) for g in grads])
    if not isinstance(out, tuple):
        out = (out,)
    n = len(node._edges)
    if len(out) < n:
        out = out + (None,) * (n - len(out))
    elif len(out) > n and any(o is not None for o in out[n:]):
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(out)})")
    if not type(node).raw:
        out = tuple(o.data if isinstance(o, Tensor) else o for o in out)
    return out[:n]


def _zeros_like_meta(meta):
    shape, dt, xp = meta
    return xp.zeros(shape, dtype=dt)


def _apply_output_hooks(node, grads):
    grads = list(grads)
    if node._hooks:
        for i, hooks in node._hooks.items():
            for h in hooks:
                if grads[i] is not None:
                    r = h(_wrap(grads[i]))
                    if r is not None:
                        grads[i] = r.data
    if node._retained:
        for i, ref in node._retained.items():
            t = ref()
            if t is not None and grads[i] is not None:
                g = grads[i]
                t.grad = _wrap(g.copy()) if t.grad is None else _wrap(t.grad.data + g)
    return grads


def _wrap(arr):
    from .tensor import Tensor
    return Tensor._make(arr, False, None, 0)


def _accumulate_leaf(t, g):
    if t._hooks:
        for h in t._hooks:
            r = h(_wrap(g))
            if r is not None:
                g = r.data
    if g.dtype != t.data.dtype:
        g = g.astype(t.data.dtype)
    if t.grad is None:
        t.grad = _wrap(g.copy())
    else:
        t.grad = _wrap(t.grad.data + g)


# ------------------------------------------------------------------------------------- gradcheck
class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytic and numerical gradients disagree."""


def _jacobians(fn, inputs, eps):
    from .tensor import Tensor
    with no_grad():
        outs = fn(*inputs)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    outs = [o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating_point]
    return outs


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare backward's gradients with central differences (float64) for every input needing grad.

    Checks every output element's vector-Jacobian product: returns True, or raises GradcheckError
    naming the input, the output and the largest disagreement.
    """
    from .tensor import Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    for x in diff_inputs:
        if x.dtype != B.float64:
            raise GradcheckError(f"gradcheck needs float64 inputs, got {x.dtype}")
    outs = _jacobians(fn, inputs, eps)
    xp = B.get_array_module(outs[0].data) if outs else B.np
    for k, out0 in enumerate(outs):
        n_out = out0.numel()
        for j, x in enumerate(diff_inputs):
            numerical = xp.zeros((x.numel(), n_out))
            for i in range(x.numel()):
                pos = tuple(int(p) for p in B.np.unravel_index(i, x.shape))
                orig = x.data[pos].item()
                x.data[pos] = orig + eps
                with no_grad():
                    plus = _as_tuple(fn(*inputs))[k].data.reshape(-1).copy()
                x.data[pos] = orig - eps
                with no_grad():
                    minus = _as_tuple(fn(*inputs))[k].data.reshape(-1).copy()
                x.data[pos] = orig
                numerical[i] = (plus - minus) / (2 * eps)
            analytic = xp.zeros((x.numel(), n_out))
            for o in range(n_out):
                for xi in diff_inputs:
                    xi.grad = None
                out = _as_tuple(fn(*inputs))[k]
                if not out.requires_grad:
                    break
                g = xp.zeros(out.shape, dtype=out.data.dtype).reshape(-1)
                g[o] = 1.0
                out.backward(g.reshape(out.shape))
                if x.grad is not None:
                    analytic[:, o] = x.grad.data.reshape(-1)
            err = xp.abs(analytic - numerical)
            bad = err > atol + rtol * xp.abs(numerical)
            if bool(bad.any()):
                idx = int(xp.argmax(err - atol - rtol * xp.abs(numerical)))
                i, o = divmod(idx, n_out)
                msg = (f"Jacobian mismatch for output {k} with respect to input {j}: at input element "
                       f"{i}, output element {o}: numerical {float(numerical[i, o]):.6g}, analytical "
                       f"{float(analytic[i, o]):.6g} (max abs error {float(err.max()):.3g})")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    for xi in diff_inputs:
        xi.grad = None
    return True


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)
