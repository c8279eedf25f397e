"""Reverse-mode autograd: the Function base class, the backward engine and gradcheck (grad mode is in
grad_mode.py and re-exported here).

Every differentiable op is a `Function` subclass with `forward(ctx, ...)` and `backward(ctx, *grads)`
written side by side.  Calling `Fn.apply(...)` runs forward and, when grad mode is on and an input
requires grad, records a graph node (the `ctx`) that the output tensors point to as `grad_fn`.
"""
from . import backend as B
from .grad_mode import _GradMode, enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Function", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "gradcheck", "GradcheckError", "backward", "grad"]


# ------------------------------------------------------------------------------------- Function
_RELEASED = ("Trying to backward through the graph a second time (or directly access saved tensors "
             "after they have already been freed). Saved intermediate values of the graph are freed "
             "when you call .backward(). Specify retain_graph=True if you need to backward through "
             "the graph a second time.")

# ------------------------------------------------------------------------------ the tensor class
# The engine wraps arrays in tensors (Function outputs, gradients handed to hooks, autograd.grad's
# results) but sits below minigrad/tensor.py in the layering: it cannot import the class.  tensor.py
# hands it down once, right after defining it, through register_tensor_class (the only call of its
# kind; tests/test_layering.py checks that no other module reaches into the engine's state).
_Tensor = None


def register_tensor_class(cls):
    """Tell the engine which class wraps its arrays (called once, by minigrad/tensor.py).

    The class must offer ``_make(array, requires_grad, grad_fn, output_nr)`` and the attributes the
    engine reads (``array``, ``grad``, ``grad_fn``, ``requires_grad``, ``_version``, ``_hooks``, the view
    fields).  Calling it again replaces the class (for tests of the engine in isolation)."""
    global _Tensor
    _Tensor = cls



class Function:
    """Base class of differentiable operations; subclass with static `forward` and `backward`.

    User-defined Functions receive and return Tensors (as in PyTorch).  Built-in primitives
    (`minigrad.primitives.base.Op`) receive and return backend arrays, which is faster.  The engine
    does not ask which kind it has: it calls the two hooks `_forward` and `_backward`, which Op
    overrides.  An instance is the `ctx` of one call and, when recorded, the graph node (`grad_fn`).

    Gradients that `backward` returns may have the broadcast shape of the op's output: the engine
    sums them down to each input's shape (and raises when the shapes cannot broadcast).
    """
    # per-node state; class-level defaults keep creating a node cheap
    _saved = ()             # what save_for_backward kept
    _checks = ()            # (version box, version when saved, saved value) for in-place detection
    _non_diff = ()          # ids of outputs marked non-differentiable
    _released = False       # True once backward freed the node
    _retained = None        # {output_nr: weakref to a tensor that called retain_grad()}
    _hooks = None           # {output_nr: [hook, ...]} from register_hook on non-leaf outputs
    _edges = ()             # per input: None, or (node or leaf tensor, output_nr or None, shape, dtype)
    _nout = 1               # number of outputs
    _out_meta = None        # (shape, dtype) per output, kept for multi-output nodes
    needs_input_grad = ()

    # ----- ctx API used inside forward / backward
    def save_for_backward(self, *xs):
        """Keep values needed by backward (checked for later in-place modification)."""
        self._saved = xs

    @property
    def saved_tensors(self):
        """The values passed to save_for_backward (raises if the graph was freed or modified)."""
        if self._released:
            raise RuntimeError(_RELEASED)
        for box, version, value in self._checks:
            if box.value != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: [{value.dtype} {list(value.shape)}], saved by "
                    f"{self.name()}, is at version {box.value}; expected version {version} instead. "
                    f"Use out-of-place ops (x = x + y instead of x += y) or clone() the tensor first.")
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

    # ----- the engine's two hooks (Op overrides both to work on backend arrays)
    @classmethod
    def _forward(cls, ctx, args, arrays, kwargs):
        """Run forward on the call's arguments as given (Tensors), recording nothing inside;
        `arrays` are the same arguments with every tensor replaced by its backend array."""
        with no_grad():
            return cls.forward(ctx, *args, **kwargs)

    def _backward(self, grads):
        """Run backward on the output gradients (backend arrays): a tuple of arrays / None per input."""
        Tensor = _Tensor
        with no_grad():
            out = self.backward(self, *[None if g is None else Tensor._make(g) for g in grads])
        out = out if isinstance(out, tuple) else (out,)
        n = len(self._edges)
        if len(out) > n and any(o is not None for o in out[n:]):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(out)})")
        return tuple(o.array if isinstance(o, Tensor) else o for o in out)

    def name(self):
        """The node's name as shown in `grad_fn` (e.g. 'CubeBackward' for a Function `Cube`)."""
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    # ----- recording
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on `args` and record the graph node when gradients are needed."""
        Tensor = _Tensor
        ctx = cls()
        grad_mode = _GradMode.enabled
        arrays = []   # the arguments with each tensor replaced by its array (for Op._forward)
        inputs = []   # (position, tensor) of the tensor arguments
        record = False
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if grad_mode:
                    if a._base is not None and a._view_ver != a._version.value:
                        a._sync_view()  # a view whose base changed in place: refresh its graph
                    if a._requires_grad:
                        record = True
                arrays.append(a.array)
                inputs.append((i, a))
            else:
                arrays.append(a)
        if B._cupy is not None:
            _check_devices(cls, args)
        if record:  # where each input's gradient goes; forward may use needs_input_grad to save less
            edges = [None] * len(args)
            needs = [False] * len(args)
            for i, a in inputs:
                if a._requires_grad:
                    node = a.grad_fn
                    d = a.array
                    edges[i] = ((a, None, d.shape, d.dtype) if node is None else
                                (node, a._output_nr, d.shape, d.dtype))
                    needs[i] = True
            ctx._edges = edges
            ctx.needs_input_grad = tuple(needs)
        else:
            ctx.needs_input_grad = (False,) * len(args)

        out = cls._forward(ctx, args, arrays, kwargs)

        if isinstance(out, tuple):
            results = tuple(_wrap_output(ctx, o, i, record, Tensor) for i, o in enumerate(out))
        elif ctx._non_diff or isinstance(out, Tensor):
            results = _wrap_output(ctx, out, 0, record, Tensor)
        else:  # the common case: one array out of a primitive
            results = (Tensor._make(out, True, ctx, 0) if record and out.dtype.kind == "f"
                       else Tensor._make(out))
        if record:
            if isinstance(results, tuple):
                ctx._nout = len(results)
                ctx._out_meta = tuple(None if r is None else (r.array.shape, r.array.dtype)
                                      for r in results)
            if ctx._saved:
                ctx._checks = _version_checks(ctx, inputs, results, Tensor)
        return results


def _wrap_output(ctx, o, i, record, Tensor):
    """Wrap one forward output as a Tensor; floating outputs of a recorded call get `ctx` as grad_fn."""
    if o is None:
        return None
    if isinstance(o, Tensor):  # a user-defined Function returned a Tensor
        if not record:
            return o
        diff = o.array.dtype.kind == "f" and id(o) not in ctx._non_diff
        t = Tensor._make(o.array, diff, ctx if diff else None, i)
        t._version = o._version  # saving `o` for backward must see in-place edits of `t`
        return t
    diff = record and o.dtype.kind == "f" and (not ctx._non_diff or id(o) not in ctx._non_diff)
    return Tensor._make(o, diff, ctx if diff else None, i)


def _version_checks(ctx, inputs, results, Tensor):
    """Record the version of every saved tensor, to detect later in-place edits.  A saved Tensor is
    checked directly; a saved array through the input or output tensor that holds it (`inputs`:
    the (position, tensor) pairs of the call's tensor arguments)."""
    checks = []
    for s in ctx._saved:
        if isinstance(s, Tensor):
            checks.append((s._version, s._version.value, s.array))
            continue
        holder = None
        for _, t in inputs:
            if t.array is s:
                holder = t
                break
        else:
            for t in (results if isinstance(results, tuple) else (results,)):
                if t is not None and t.array is s:
                    holder = t
                    break
        if holder is not None:
            checks.append((holder._version, holder._version.value, s))
    return tuple(checks)


def _check_devices(fn, args):
    """Raise when the tensors among `args` live on different devices (only possible with CuPy)."""
    Tensor = _Tensor
    first = None
    for t in args:
        if isinstance(t, Tensor):
            if first is None:
                first = t.device
            elif t.device != first:
                raise RuntimeError(
                    f"{fn.__name__.lower()}: expected all tensors to be on the same device, but found "
                    f"at least two devices, {first} and {t.device}")


def _release(node):
    """Free what a node holds (saved arrays, edges) once backward has used it."""
    nout = node._nout
    node.__dict__.clear()
    node._released = True
    node._nout = nout


# --------------------------------------------------------------------------------------- engine
def backward(tensors, grad_tensors=None, retain_graph=False, inputs=None, _capture=False):
    """Accumulate d(tensors)/d(leaves) into the leaves' .grad, visiting nodes in topological order.

    Iterative (no recursion), so graphs of any depth work.  Leaves receive their summed gradient
    once, after their hooks run; the graph is freed unless `retain_graph`.  With `inputs` (leaf
    tensors) only those leaves accumulate; with `_capture` the leaves' gradients are returned
    ({id(leaf): array}) instead of accumulated (for `grad`).
    """
    Tensor = _Tensor
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    wanted = None
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        for x in inputs:
            if not isinstance(x, Tensor) or x.grad_fn is not None or not x.requires_grad:
                raise RuntimeError("backward: every tensor in `inputs` must be a leaf tensor that "
                                   "requires grad (minigrad does not support non-leaf inputs)")
        wanted = {id(x) for x in inputs}
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    pending = {}          # node -> list of gradient arrays, one per output
    leaves = {}           # id(leaf) -> [leaf, summed gradient, owned?]
    roots = []
    for k, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if t._base is not None and t._view_ver != t._version.value:
            t._sync_view()
        if not t.requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not have a "
                               f"grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs (got a "
                                   f"tensor of shape {t.shape}; pass backward(gradient))")
            g = B.get_array_module(t.array).ones(t.array.shape, dtype=t.array.dtype)
        else:
            g = g.array if isinstance(g, Tensor) else g
            if tuple(g.shape) != t.shape:
                raise RuntimeError(f"backward: gradient has shape {tuple(g.shape)} but the tensor has "
                                   f"shape {t.shape}")
            if B.device_of(g) != t.device:
                raise RuntimeError(f"backward: gradient is on {B.device_of(g)} but the tensor is on "
                                   f"{t.device}")
            if g.dtype != t.array.dtype:
                g = g.astype(t.array.dtype)
        node = t.grad_fn
        if node is None:
            _add_leaf_grad(leaves, t, g)
            continue
        if node._released:
            raise RuntimeError(_RELEASED)
        buf = pending.get(node)
        if buf is None:
            buf = pending[node] = [None] * node._nout
        i = t._output_nr
        buf[i] = g if buf[i] is None else buf[i] + g
        roots.append(node)

    # count, for every node, how many graph edges point at it (Kahn's algorithm; no recursion)
    roots = list(dict.fromkeys(roots))
    # and how many point at each leaf, so a leaf's .grad is final (and its hooks run) as soon as
    # its last contribution arrives, while the rest of backward goes on (DDP overlaps on this)
    deps = {}
    leaf_deps = {}
    stack = list(roots)
    seen = set(roots)
    while stack:
        node = stack.pop()
        if node._released:
            raise RuntimeError(_RELEASED)
        for e in node._edges:
            if e is not None:
                child = e[0]
                if e[1] is None:
                    leaf_deps[id(child)] = leaf_deps.get(id(child), 0) + 1
                    continue
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    seen.add(child)
                    stack.append(child)

    ready = [n for n in roots if n not in deps]
    while ready:
        node = ready.pop()
        grads = pending.pop(node, None)
        edges = node._edges
        if grads is None:  # no gradient reached this node: nothing flows on from it
            in_grads = ()
        else:
            if node._hooks or node._retained:
                grads = _apply_output_hooks(node, grads)
            if node._nout > 1:
                grads = _zeros_for_missing(node, grads)
            in_grads = node._backward(grads)
        n_in = len(in_grads)
        for k, e in enumerate(edges):
            if e is None:
                continue
            target, nr, shape, dtype = e
            g = in_grads[k] if k < n_in else None
            if g is not None:
                if g.shape != shape:
                    g = sum_to(node, g, shape)
                if g.dtype is not dtype and g.dtype != dtype:
                    g = g.astype(dtype)
                if nr is None:
                    _add_leaf_grad(leaves, target, g)
                else:
                    buf = pending.get(target)
                    if buf is None:
                        buf = pending[target] = [None] * target._nout
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
            if nr is None:
                key = id(target)
                left = leaf_deps[key] - 1
                leaf_deps[key] = left
                if left == 0 and not _capture and key in leaves and (wanted is None or key in wanted):
                    _accumulate_leaf(*leaves.pop(key))
            else:
                left = deps[target] - 1
                deps[target] = left
                if left == 0:
                    ready.append(target)
        if not retain_graph:
            _release(node)

    if _capture:
        return {key: g for key, (t, g, owned) in leaves.items()}
    for t, g, owned in leaves.values():
        if wanted is None or id(t) in wanted:
            _accumulate_leaf(t, g, owned)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of `outputs` with respect to the leaf tensors `inputs`, returned as a tuple
    (their .grad is left untouched); like torch.autograd.grad without create_graph."""
    Tensor = _Tensor
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    for x in inputs:
        if not isinstance(x, Tensor) or x.grad_fn is not None or not x.requires_grad:
            raise RuntimeError("grad: every tensor in `inputs` must be a leaf tensor that requires "
                               "grad (minigrad does not support non-leaf inputs)")
    if grad_outputs is not None:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    found = backward(outputs, grad_outputs, retain_graph=bool(retain_graph), _capture=True)
    result = []
    for x in inputs:
        g = found.get(id(x))
        if g is None and not allow_unused:
            raise RuntimeError("One of the differentiated Tensors appears to not have been used in "
                               "the graph. Set allow_unused=True if this is the desired behavior.")
        result.append(None if g is None else _wrap(g.copy()))
    return tuple(result)


def sum_to(node, g, shape):
    """Reduce a gradient of a broadcast shape to its input's `shape` (summing the leading axes, then
    the stretched ones); raise when `g` is not a broadcast of `shape`.  The one place broadcasting
    is undone: op backwards return gradients of their output's (broadcast) shape."""
    extra = g.ndim - len(shape)
    if extra < 0 or any(n != 1 and n != m for n, m in zip(shape, g.shape[extra:])):
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient - got shape "
                           f"{tuple(g.shape)} but expected shape {tuple(shape)}")
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _zeros_for_missing(node, grads):
    """Zeros for the outputs of a multi-output node that no gradient reached."""
    if all(g is not None for g in grads):
        return grads
    xp = B.get_array_module(next(g for g in grads if g is not None))
    return [g if g is not None or meta is None else xp.zeros(meta[0], dtype=meta[1])
            for g, meta in zip(grads, node._out_meta)]


def _apply_output_hooks(node, grads):
    """Run register_hook hooks and fill retain_grad() tensors for a node's outputs."""
    grads = list(grads)
    if node._hooks:
        for i, hooks in node._hooks.items():
            for h in hooks:
                if grads[i] is not None:
                    r = h(_wrap(grads[i]))
                    if r is not None:
                        grads[i] = r.array
    if node._retained:
        for i, ref in node._retained.items():
            t = ref()
            if t is not None and grads[i] is not None:
                g = grads[i]
                t.grad = _wrap(g.copy()) if t.grad is None else _wrap(t.grad.array + g)
    return grads


def _wrap(arr):
    return _Tensor._make(arr)


def _add_leaf_grad(leaves, t, g):
    entry = leaves.get(id(t))
    if entry is None:
        leaves[id(t)] = [t, g, False]
    else:
        entry[1] = entry[1] + g
        entry[2] = True


class PostAccumulateGradHook:
    """A hook from Tensor.register_post_accumulate_grad_hook: called with the tensor after its
    .grad has been updated (kept in the tensor's hook list, told apart by this class)."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


def _accumulate_leaf(t, g, owned):
    """Add a leaf's total gradient into t.grad (after its hooks), then run post-accumulate hooks."""
    post = None
    if t._hooks:
        for h in t._hooks:
            if h.__class__ is PostAccumulateGradHook:
                post = [h] if post is None else post + [h]
                continue
            r = h(_wrap(g))
            if r is not None:
                g, owned = r.array, False
    if g.dtype != t.array.dtype:
        g, owned = g.astype(t.array.dtype), True
    if t.grad is None:
        t.grad = _wrap(g if owned else g.copy())
    else:
        t.grad.array = t.grad.array + g
    if post:
        for h in post:
            h.fn(t)


# ------------------------------------------------------------------------------------- gradcheck
class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytic and numerical gradients disagree."""


def _float_outputs(out):
    """The floating-point tensors among fn's outputs (nested tuples/lists flattened), in order."""
    Tensor = _Tensor
    if isinstance(out, Tensor):
        return [out] if out.dtype.is_floating_point else []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _float_outputs(o)]
    return []


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare backward's gradients with central differences (float64) for every input needing grad.

    Builds the full Jacobian of every floating output with respect to every input that requires
    grad, numerically (2 evaluations per input element) and analytically (one backward per output
    element).  Returns True, or raises GradcheckError naming the input, the output and the largest
    disagreement (returns False instead when raise_exception=False).
    """
    Tensor = _Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diff_inputs:
        raise GradcheckError("gradcheck: no input requires grad")
    for x in diff_inputs:
        if x.dtype != B.float64:
            raise GradcheckError(f"gradcheck needs float64 inputs, got {x.dtype}")
    xp = B.get_array_module(diff_inputs[0].array)

    def evaluate():
        with no_grad():
            return [o.array.reshape(-1).copy() for o in _float_outputs(fn(*inputs))]

    out_sizes = [o.size for o in evaluate()]
    n_out = sum(out_sizes)
    # numerical[j]: d(all outputs, flattened) / d(input j, flattened), shape (numel_j, n_out)
    numerical = []
    for x in diff_inputs:
        jac = xp.zeros((x.numel(), n_out))
        flat = x.array.reshape(-1)  # a view: writing it perturbs x
        if flat.size and not B.shares_memory(flat, x.array):
            raise GradcheckError("gradcheck needs contiguous inputs")
        for i in range(x.numel()):
            orig = flat[i].item()
            flat[i] = orig + eps
            plus = evaluate()
            flat[i] = orig - eps
            minus = evaluate()
            flat[i] = orig
            if plus:
                jac[i] = (xp.concatenate(plus) - xp.concatenate(minus)) / (2 * eps)
        numerical.append(jac)

    analytic = [xp.zeros((x.numel(), n_out)) for x in diff_inputs]
    col = 0
    for k, size in enumerate(out_sizes):
        for o in range(size):
            for x in diff_inputs:
                x.grad = None
            out = _float_outputs(fn(*inputs))[k]
            if out.requires_grad:
                g = xp.zeros(size, dtype=out.array.dtype)
                g[o] = 1.0
                out.backward(g.reshape(out.shape))
                for j, x in enumerate(diff_inputs):
                    if x.grad is not None:
                        analytic[j][:, col] = x.grad.array.reshape(-1)
            col += 1
    for x in diff_inputs:
        x.grad = None

    bounds = [0]
    for size in out_sizes:
        bounds.append(bounds[-1] + size)
    for j, (num, ana) in enumerate(zip(numerical, analytic)):
        err = xp.abs(ana - num)
        excess = err - (atol + rtol * xp.abs(num))
        if num.size and bool((excess > 0).any()):
            i, c = divmod(int(xp.argmax(excess)), n_out)
            k = next(k for k in range(len(out_sizes)) if bounds[k] <= c < bounds[k + 1])
            msg = (f"Jacobian mismatch for output {k} with respect to input {j}: at input element "
                   f"{i}, output element {c - bounds[k]}: numerical {float(num[i, c]):.6g}, "
                   f"analytical {float(ana[i, c]):.6g} (max abs error {float(err.max()):.3g})")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _Tensor)

    def __call__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, _Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad = True
        return out


class Variable(metaclass=_VariableMeta):
    """PyTorch's pre-0.4 wrapper, kept as PyTorch keeps it: ``Variable(t)`` is ``t.detach()``
    (sharing storage), with ``requires_grad`` set when asked; every Tensor is a Variable.

    Example:
        >>> w = Variable(minigrad.randn(3), requires_grad=True)
    """
