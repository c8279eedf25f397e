"""The public op functions (`minigrad.add`, `minigrad.matmul`, ...): argument checking and dtype
promotion in front of the differentiable primitives defined in the submodules."""
import numbers

from .. import backend as B
from . import elementwise as E, reduce as R, shape as S, index as I, matmul as M
from .reduce import normalize_dim, normalize_dims

__all__ = [
    "add", "sub", "mul", "div", "true_divide", "pow", "neg", "exp", "log", "sqrt", "abs", "sin", "cos",
    "tanh", "sigmoid", "relu", "gelu", "clamp", "clip", "maximum", "minimum", "where", "matmul", "mm",
    "bmm", "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp",
    "softmax", "log_softmax", "reshape", "view", "transpose", "permute", "squeeze", "unsqueeze",
    "expand", "flatten", "cat", "concat", "concatenate", "stack", "split", "chunk", "unbind", "flip",
    "gather", "index_select", "masked_fill", "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf",
    "isfinite", "all", "any", "allclose", "equal", "sign", "floor", "ceil", "round", "topk", "sort",
    "argsort", "cumsum", "outer", "dot", "numel", "nonzero", "floor_divide", "remainder", "prod", "norm",
    "narrow", "movedim", "swapaxes", "repeat", "tile", "unflatten", "roll",
]


_Tensor = None  # minigrad.Tensor, set by minigrad.tensor once the class exists


def _T():
    return _Tensor


def as_tensor_like(x, ref):
    """Turn a non-Tensor operand (array, list) into a Tensor on `ref`'s device."""
    Tensor = _T()
    if isinstance(x, Tensor):
        return x
    from ..tensor import tensor
    return tensor(x, device=ref.device if isinstance(ref, Tensor) else None)


def _is_scalar(x):
    return isinstance(x, numbers.Number) and not B.is_array(x)


def _binary(fn, a, b, op):
    """Apply a broadcasting binary op, promoting dtypes the way PyTorch does."""
    Tensor = _T()
    if not isinstance(a, Tensor) and not _is_scalar(a):
        a = _coerce(a, b, op)
    if not isinstance(b, Tensor) and not _is_scalar(b):
        b = _coerce(b, a, op)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        da, db = a.array.dtype, b.array.dtype
        if da != db:
            ka, kb = _category(da), _category(db)
            if ka > kb:
                b = b.to(B.dtype_of(a.array))
            elif kb > ka:
                a = a.to(B.dtype_of(b.array))
            elif a.ndim == 0 and b.ndim:  # same category: a dimensioned tensor beats a 0-d one
                a = a.to(B.dtype_of(b.array))
            elif b.ndim == 0 and a.ndim:
                b = b.to(B.dtype_of(a.array))
    elif isinstance(a, Tensor):
        a, b = _scalar_promote(a, b)
    elif isinstance(b, Tensor):
        b, a = _scalar_promote(b, a)
    else:
        raise TypeError(f"{op}: expected at least one Tensor operand, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    return fn.apply(a, b)


def _category(np_dtype):
    """PyTorch's promotion categories: bool < integer < floating."""
    return 0 if np_dtype.kind == "b" else 1 if np_dtype.kind in "iu" else 2


def _coerce(x, ref, op):
    if B.is_array(x) or isinstance(x, (list, tuple)):
        return as_tensor_like(x, ref)
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def _scalar_promote(t, s):
    """Promote (tensor, Python scalar) as PyTorch does: a scalar of a higher category (bool < int <
    float) gives that category's default dtype (int64, float32); otherwise the tensor's dtype wins
    and an int scalar wraps around into it (uint8 + -1 is uint8 255)."""
    if isinstance(s, complex):
        raise TypeError("complex scalars are not supported")
    if isinstance(s, B.np.generic):
        s = s.item()
    kind = _category(t.array.dtype)
    if isinstance(s, float):
        return (t.to(B.default_float()) if kind < 2 else t), s
    if isinstance(s, bool):
        return t, (s if kind == 0 else int(s))
    if kind == 0:
        return t.to(B.int64), s
    if kind == 1:  # an int scalar takes the tensor's integer dtype, wrapping like PyTorch
        return t, B.np.array(s).astype(t.array.dtype)[()] if not B.np.can_cast(
            B.np.min_scalar_type(s), t.array.dtype) else s
    return t, s


def add(a, b, alpha=1):
    """a + alpha * b, elementwise with broadcasting."""
    return _binary(E.Add, a, b if alpha == 1 else mul(b, alpha), "add")


def sub(a, b, alpha=1):
    """a - alpha * b, elementwise with broadcasting (not defined for bool tensors, as in PyTorch)."""
    Tensor = _T()
    if builtin_any(isinstance(x, bool) or isinstance(x, Tensor) and x.array.dtype == bool for x in (a, b)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return _binary(E.Sub, a, b if alpha == 1 else mul(b, alpha), "sub")


def mul(a, b):
    """a * b, elementwise with broadcasting."""
    return _binary(E.Mul, a, b, "mul")


def div(a, b):
    """a / b (true division; integer inputs give the default float dtype)."""
    Tensor = _T()
    if isinstance(a, Tensor) and a.array.dtype.kind in "biu" and not (
            isinstance(b, Tensor) and b.array.dtype.kind == "f"):
        a = a.to(B.default_float())
    if isinstance(b, Tensor) and b.array.dtype.kind in "biu" and not (
            isinstance(a, Tensor) and a.array.dtype.kind == "f"):
        b = b.to(B.default_float())
    return _binary(E.Div, a, b, "div")


true_divide = div


def pow(a, b):
    """a ** b, elementwise with broadcasting."""
    Tensor = _T()

    def integral(x):
        return x.array.dtype.kind in "biu" if isinstance(x, Tensor) else isinstance(x, numbers.Integral)
    if integral(a) and integral(b):
        negative = bool((b.array < 0).any()) if isinstance(b, Tensor) else b < 0
        if negative:
            raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
    return _binary(E.Pow, a, b, "pow")


def floor_divide(a, b):
    """a // b, rounding down (Python's //); no gradient."""
    return _binary(E.FloorDivide, a, b, "floor_divide")


def remainder(a, b):
    """a % b with the sign of b (Python's %); differentiable in a and b."""
    return _binary(E.Remainder, a, b, "remainder")


def neg(a):
    """-a."""
    return E.Neg.apply(a)


def _float_unary(fn, a):
    if a.array.dtype.kind != "f":
        a = a.to(B.default_float())
    return fn.apply(a)


def exp(a):
    """e ** a, elementwise."""
    return _float_unary(E.Exp, a)


def log(a):
    """Natural logarithm, elementwise."""
    return _float_unary(E.Log, a)


def sqrt(a):
    """Square root, elementwise."""
    return _float_unary(E.Sqrt, a)


def abs(a):
    """|a|, elementwise."""
    return E.Abs.apply(a)


def sin(a):
    """Sine, elementwise."""
    return _float_unary(E.Sin, a)


def cos(a):
    """Cosine, elementwise."""
    return _float_unary(E.Cos, a)


def tanh(a):
    """Hyperbolic tangent, elementwise."""
    return _float_unary(E.Tanh, a)


def sigmoid(a):
    """1 / (1 + exp(-a)), elementwise and overflow-free."""
    return _float_unary(E.Sigmoid, a)


def relu(a):
    """max(a, 0), elementwise."""
    return E.Relu.apply(a)


def gelu(a, approximate="none"):
    """Gaussian error linear unit: a * Phi(a) (exact, or the 'tanh' approximation)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _float_unary(E.Gelu, a) if approximate == "none" else E.Gelu.apply(a, "tanh")


def clamp(a, min=None, max=None):
    """Limit every element of `a` to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    Tensor = _T()
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = a
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if a.array.dtype.kind != "f" and builtin_any(isinstance(v, float) for v in (min, max)):
        a = a.to(B.default_float())  # an int tensor clamped to float bounds gives floats, as in PyTorch
    return E.Clamp.apply(a, min, max)


clip = clamp


def maximum(a, b):
    """Elementwise maximum of two tensors (ties share the gradient)."""
    return _binary(E.Maximum, a, as_tensor_like(b, a), "maximum")


def minimum(a, b):
    """Elementwise minimum of two tensors (ties share the gradient)."""
    return _binary(E.Minimum, a, as_tensor_like(b, a), "minimum")


def where(condition, input=None, other=None):
    """Pick `input` where condition is true, else `other` (broadcasting all three); with only the
    condition, the indices of its non-zero elements (as nonzero(as_tuple=True))."""
    Tensor = _T()
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition.array if isinstance(condition, Tensor) else condition
    if not B.is_array(cond) or cond.dtype != bool:
        raise TypeError(f"where: expected condition to be a bool tensor, got "
                        f"{getattr(cond, 'dtype', type(cond).__name__)}")
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        if input.dtype != other.dtype:
            ki, ko = _category(input.array.dtype), _category(other.array.dtype)
            if ki > ko or ki == ko and other.ndim == 0 and input.ndim:
                other = other.to(input.dtype)
            elif ko > ki or other.ndim and input.ndim == 0:
                input = input.to(other.dtype)
            else:
                dt = B.to_dtype(B.np.promote_types(input.array.dtype, other.array.dtype))
                input, other = input.to(dt), other.to(dt)
    elif isinstance(input, Tensor):
        input, other = _scalar_promote(input, other)
        other = B.np.asarray(other, dtype=input.array.dtype)[()]
    elif isinstance(other, Tensor):
        other, input = _scalar_promote(other, input)
        input = B.np.asarray(input, dtype=other.array.dtype)[()]
    return E.Where.apply(cond, input, other)


def nonzero(a, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    Tensor = _T()
    xp = B.get_array_module(a.array)
    idx = xp.nonzero(a.array.reshape(1) if a.ndim == 0 else a.array)
    if as_tuple:
        return tuple(Tensor._make(i.astype(xp.int64)) for i in idx)
    return Tensor._make(xp.stack(idx, axis=1).astype(xp.int64) if idx else xp.zeros((0, 0), xp.int64))


# ------------------------------------------------------------------------------------ matmul
def matmul(a, b):
    """Matrix product with NumPy/PyTorch rules for 1-D, 2-D and batched (broadcast) operands."""
    Tensor = _T()
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    return M.MatMul.apply(a, b)


def mm(a, b):
    """2-D matrix product."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def bmm(a, b):
    """Batched 3-D matrix product."""
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape} and {b.shape}")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two 1-D tensors."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: expected 1-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def outer(a, b):
    """Outer product of two 1-D tensors."""
    return mul(a.unsqueeze(1), b.unsqueeze(0))


# -------------------------------------------------------------------------------- reductions
def _dims(a, dim, op):
    return normalize_dims(dim, a.ndim, op)


def sum(a, dim=None, keepdim=False, dtype=None):
    """Sum over `dim` (all dims when None)."""
    if dtype is not None:
        a = a.to(dtype)
    elif a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    return R.Sum.apply(a, _dims(a, dim, "sum"), keepdim)


def mean(a, dim=None, keepdim=False, dtype=None):
    """Mean over `dim` (all dims when None); needs a floating tensor (or a floating `dtype`)."""
    if dtype is not None:
        a = a.to(dtype)
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {a.dtype.name}")
    return R.Mean.apply(a, _dims(a, dim, "mean"), keepdim)


def var(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance over `dim` with Bessel's correction (correction=1) by default."""
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"var/std: only floating point dtypes are supported, got {a.dtype}")
    return R.Var.apply(a, _dims(a, dim, "var"), keepdim, correction)


def std(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Standard deviation: sqrt(var)."""
    return sqrt(var(a, dim, unbiased, keepdim, correction))


def _maxmin(a, dim, keepdim, is_max):
    Tensor = _T()
    if isinstance(dim, Tensor):
        return maximum(a, dim) if is_max else minimum(a, dim)
    if dim is None:
        return R.MaxMinAll.apply(a, is_max)
    d = normalize_dim(dim, a.ndim, "max" if is_max else "min")
    if a.ndim == 0:
        return _MinMax(a, Tensor._make(B.get_array_module(a.array).asarray(0), False, None, 0))
    values, indices = R.MaxMinDim.apply(a, d, keepdim, is_max)
    return _MinMax(values, indices)


class _MinMax(tuple):
    """(values, indices) with attribute access, like torch.return_types.max."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def max(a, dim=None, keepdim=False):
    """Largest element, or (values, indices) along `dim`; a Tensor `dim` means maximum(a, dim)."""
    return _maxmin(a, dim, keepdim, True)


def min(a, dim=None, keepdim=False):
    """Smallest element, or (values, indices) along `dim`; a Tensor `dim` means minimum(a, dim)."""
    return _maxmin(a, dim, keepdim, False)


def amax(a, dim=(), keepdim=False):
    """Largest values over `dim` (all dims when empty or None); ties share the gradient evenly."""
    return R.AMaxMin.apply(a, _dims(a, dim, "amax"), keepdim, True)


def amin(a, dim=(), keepdim=False):
    """Smallest values over `dim` (all dims when empty or None); ties share the gradient evenly."""
    return R.AMaxMin.apply(a, _dims(a, dim, "amin"), keepdim, False)


def prod(a, dim=None, keepdim=False, dtype=None):
    """Product of the elements (over one `dim`, or all); integer and bool inputs give int64."""
    if dtype is not None:
        a = a.to(dtype)
    elif a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    if dim is None:
        return R.Prod.apply(a, None, False)
    if a.ndim == 0:
        normalize_dim(dim, 0, "prod")
        return a.clone()
    return R.Prod.apply(a, normalize_dim(dim, a.ndim, "prod"), keepdim)


def norm(a, p="fro", dim=None, keepdim=False):
    """The vector p-norm of `a` over `dim` (all elements when None); p may be a number, inf or 'fro'."""
    if not a.dtype.is_floating_point:
        raise RuntimeError(f"norm: expected a floating point tensor as input, got {a.dtype}")
    if p in ("fro", None):
        p = 2
    if isinstance(p, str) or not isinstance(p, numbers.Real) or p < 0:
        raise ValueError(f"norm: p must be a non-negative number, inf or 'fro', got {p!r}")
    axes = tuple(range(a.ndim)) if dim is None else _dims(a, dim, "norm")
    return R.Norm.apply(a, float(p), axes, keepdim)


def _arg(a, dim, keepdim, fn):
    Tensor = _T()
    xp = B.get_array_module(a.array)
    if dim is None and a.numel() == 0:
        raise IndexError(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is not None and a.ndim and a.shape[normalize_dim(dim, a.ndim, fn)] == 0:
        raise IndexError(f"{fn}(): Expected reduction dim {dim} to have non-zero size.")
    if dim is None:
        out = getattr(a.array.reshape(-1), fn)()
        out = xp.asarray(out, dtype=xp.int64)
        if keepdim:
            out = out.reshape((1,) * a.ndim)
    else:
        d = normalize_dim(dim, a.ndim, fn)
        out = getattr(a.array, fn)(axis=d).astype(xp.int64)
        if keepdim:
            out = xp.expand_dims(out, d)
    return Tensor._make(out, False, None, 0)


def argmax(a, dim=None, keepdim=False):
    """Index of the largest element (flattened when dim is None); no gradient."""
    return _arg(a, dim, keepdim, "argmax")


def argmin(a, dim=None, keepdim=False):
    """Index of the smallest element (flattened when dim is None); no gradient."""
    return _arg(a, dim, keepdim, "argmin")


def logsumexp(a, dim, keepdim=False):
    """log(sum(exp(a), dim)), computed stably."""
    return R.LogSumExp.apply(_floatify(a), _dims(a, dim, "logsumexp"), keepdim)


def softmax(a, dim, dtype=None):
    """exp(a) / sum(exp(a)) along `dim`, computed stably."""
    if dtype is not None:
        a = a.to(dtype)
    return R.Softmax.apply(_floatify(a), normalize_dim(dim, a.ndim, "softmax"))


def log_softmax(a, dim, dtype=None):
    """a - logsumexp(a, dim): log-probabilities along `dim`, computed stably."""
    if dtype is not None:
        a = a.to(dtype)
    return R.LogSoftmax.apply(_floatify(a), normalize_dim(dim, a.ndim, "log_softmax"))


def _floatify(a):
    return a if a.dtype.is_floating_point else a.to(B.default_float())


# ------------------------------------------------------------------------------------- shape
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    Tensor = _T()
    shape = tuple(s.item() if isinstance(s, Tensor) and s.numel() == 1 and s.array.dtype.kind in "iu"
                  else s for s in shape)
    for s in shape:
        if not isinstance(s, (int, B.np.integer)) or isinstance(s, bool):
            raise TypeError(f"shape must be a sequence of ints, got {shape!r}")
    return tuple(int(s) for s in shape)


def _size_arg(size, op):
    """A shape for a new tensor: ints >= 0 (PyTorch's error for a negative one)."""
    shape = _shape_arg(size)
    if builtin_any(s < 0 for s in shape):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _view(out, src, kind, arg=None):
    """Mark `out` as a view of `src` (shared memory and version counter) when it shares memory.

    kind is how to rebuild it from `src`: 'index' (arg = key), 'reshape', 'permute' (arg = axes)
    or 'expand'; an in-place change to the view then updates `src`'s graph as well.
    """
    if out is src or (kind == "reshape" and not B.shares_memory(out.array, src.array)):
        return out
    out._version = src._version
    out._base = (src, kind, arg)
    out._view_ver = src._version.value
    return out


def reshape(a, *shape):
    """The same elements with a new shape (one dim may be -1)."""
    shape = S.infer_shape(_shape_arg(shape), a.numel(), "reshape")
    if shape == a.shape:
        return a
    return _view(S.Reshape.apply(a, shape), a, "reshape")


def view(a, *shape):
    """Same as reshape (minigrad tensors are always viewable)."""
    shape = S.infer_shape(_shape_arg(shape), a.numel(), "view")
    return _view(S.Reshape.apply(a, shape), a, "reshape")


def transpose(a, dim0, dim1):
    """Swap two dimensions."""
    n = a.ndim
    d0, d1 = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    if n == 0:
        return a
    axes = list(range(n))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return _view(S.Permute.apply(a, tuple(axes)), a, "permute", tuple(axes))


def permute(a, *dims):
    """Reorder the dimensions."""
    dims = _shape_arg(dims)
    if len(dims) != a.ndim:
        raise RuntimeError(f"permute: number of dims don't match: input has {a.ndim} dims but "
                           f"{len(dims)} were given")
    axes = tuple(normalize_dim(d, a.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return _view(S.Permute.apply(a, axes), a, "permute", axes)


def squeeze(a, dim=None):
    """Remove dimensions of size 1 (all, or only `dim`)."""
    if dim is None:
        shape = tuple(s for s in a.shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = {normalize_dim(d, a.ndim, "squeeze") for d in dims}
        shape = tuple(s for i, s in enumerate(a.shape) if not (i in axes and s == 1))
    return reshape(a, shape) if shape != a.shape else a


def unsqueeze(a, dim):
    """Insert a dimension of size 1 at `dim`."""
    d = normalize_dim(dim, a.ndim + 1, "unsqueeze")
    shape = a.shape[:d] + (1,) + a.shape[d:]
    return _view(S.Reshape.apply(a, shape), a, "reshape")


def expand(a, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a size)."""
    sizes = _shape_arg(sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({a.ndim})")
    lead = len(sizes) - a.ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension")
            shape.append(s)
            continue
        old = a.shape[i - lead]
        if s == -1:
            s = old
        if old != 1 and s != old:
            raise RuntimeError(f"expand: the expanded size of the tensor ({s}) must match the existing "
                               f"size ({old}) at non-singleton dimension {i}. Target sizes: "
                               f"{list(sizes)}. Tensor sizes: {list(a.shape)}")
        shape.append(s)
    return _view(S.Expand.apply(a, tuple(shape)), a, "expand")


def flatten(a, start_dim=0, end_dim=-1):
    """Merge dimensions start_dim..end_dim into one."""
    if a.ndim == 0:
        return reshape(a, 1)
    s = normalize_dim(start_dim, a.ndim, "flatten")
    e = normalize_dim(end_dim, a.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = 1
    for x in a.shape[s:e + 1]:
        n *= x
    return reshape(a, a.shape[:s] + (n,) + a.shape[e + 1:])


def _tensor_list(tensors, op):
    Tensor = _T()
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a list of Tensors, but element {i} is "
                            f"{type(t).__name__}")
    floats = [t.dtype for t in tensors if t.dtype.is_floating_point]
    if floats and len(floats) != len(tensors):
        target = floats[0]
        tensors = [t if t.dtype.is_floating_point else t.to(target) for t in tensors]
    return tensors


def cat(tensors, dim=0):
    """Concatenate tensors along an existing dimension."""
    tensors = _tensor_list(tensors, "cat")
    ref = tensors[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"cat: tensors must have the same number of dimensions: got "
                               f"{ref.ndim} and {t.ndim} (tensor {i}, shapes {ref.shape} and {t.shape})")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"cat: sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {t.shape[k]} for "
                                   f"tensor number {i} in the list (shapes {ref.shape} and {t.shape})")
    return S.Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.shape != ref.shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {ref.shape} at "
                               f"entry 0 and {t.shape} at entry {i}")
    return S.Stack.apply(*tensors, dim=normalize_dim(dim, ref.ndim + 1, "stack"))


def split(a, split_size_or_sections, dim=0):
    """Split into chunks of a given size (last may be smaller) or of the listed sizes."""
    d = normalize_dim(dim, a.ndim, "split")
    n = a.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [builtin_min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtin_sum(sizes) != n or builtin_any(s < 0 for s in sizes):
            raise RuntimeError(f"split: split_sizes {sizes} do not sum to the size {n} of dimension {d}")
    outs = S.Split.apply(a, tuple(sizes), d)
    lead, starts = (slice(None),) * d, [0]
    for n in sizes[:-1]:
        starts.append(starts[-1] + n)
    return tuple(_view(o, a, "index", lead + (slice(st, st + n), Ellipsis))
                 for o, st, n in zip(outs, starts, sizes))


def chunk(a, chunks, dim=0):
    """Split into `chunks` nearly equal pieces (as PyTorch: ceil-sized, may return fewer)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    n = a.shape[normalize_dim(dim, a.ndim, "chunk")]
    size = -(-n // chunks) if n else 1
    return split(a, builtin_max(size, 1), dim)


def unbind(a, dim=0):
    """Remove `dim`, returning a tuple of slices along it."""
    d = normalize_dim(dim, a.ndim, "unbind")
    if a.shape[d] == 0:
        return ()
    outs = S.Unbind.apply(a, d)
    outs = outs if isinstance(outs, tuple) else (outs,)
    return tuple(_view(o, a, "index", (slice(None),) * d + (i, Ellipsis)) for i, o in enumerate(outs))


def narrow(a, dim, start, length):
    """The slice start:start+length along `dim` (a view)."""
    d = normalize_dim(dim, a.ndim, "narrow")
    n = a.shape[d]
    start = start + n if start < 0 else start
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) is out of range for "
                         f"dimension {d} of size {n}")
    return a[(slice(None),) * d + (slice(start, start + length),)]


def swapaxes(a, axis0, axis1):
    """Same as transpose."""
    return transpose(a, axis0, axis1)


def movedim(a, source, destination):
    """Move dimension(s) `source` to position(s) `destination`, keeping the others in order."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {src} and destination {dst} must have the same length")
    src = [normalize_dim(d, a.ndim, "movedim") for d in src]
    dst = [normalize_dim(d, a.ndim, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {src} or destination {dst}")
    rest = iter(d for d in range(a.ndim) if d not in src)
    where = dict(zip(dst, src))
    return permute(a, *[where[i] if i in where else next(rest) for i in range(a.ndim)])


def repeat(a, *sizes):
    """Tile the tensor `sizes[i]` times along each dimension (leading sizes add dimensions)."""
    sizes = _shape_arg(sizes)
    if len(sizes) < a.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than the "
                           f"number of dimensions of the tensor ({a.ndim})")
    if builtin_any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {list(sizes)}")
    shape = (1,) * (len(sizes) - a.ndim) + a.shape
    inter = tuple(x for n in shape for x in (1, n))
    big = tuple(x for r, n in zip(sizes, shape) for x in (r, n))
    return reshape(expand(reshape(a, inter), *big), tuple(r * n for r, n in zip(sizes, shape)))


def tile(a, *dims):
    """Repeat the tensor dims[i] times along each dimension; missing leading dims count as 1."""
    dims = _shape_arg(dims)
    return repeat(a, *((1,) * (a.ndim - len(dims)) + dims))


def unflatten(a, dim, sizes):
    """Split dimension `dim` into `sizes` (one entry may be -1)."""
    if a.ndim == 0:
        raise RuntimeError("unflatten: a 0-d tensor has no dimension to unflatten")
    d = normalize_dim(dim, a.ndim, "unflatten")
    sizes = _shape_arg(tuple(sizes) if isinstance(sizes, (list, tuple)) else (sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != a.shape[d]) or (
            -1 in sizes and (known == 0 or a.shape[d] % known)):
        raise RuntimeError(f"unflatten: provided sizes {list(sizes)} don't multiply up to the size "
                           f"of dim {dim} ({a.shape[d]}) in the input tensor")
    if -1 in sizes:
        sizes = tuple(a.shape[d] // known if s == -1 else s for s in sizes)
    return reshape(a, a.shape[:d] + sizes + a.shape[d + 1:])


def roll(a, shifts, dims=None):
    """Shift elements cyclically along `dims` (the flattened tensor when dims is None)."""
    if dims is None:
        return reshape(roll(flatten(a), shifts, 0), a.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = a
    for sh, dim in zip(shifts, dims):
        d = normalize_dim(dim, a.ndim, "roll")
        n = a.shape[d]
        k = sh % n if n else 0
        if k:
            lead = (slice(None),) * d
            out = cat([out[lead + (slice(n - k, n),)], out[lead + (slice(0, n - k),)]], d)
    return out


def flip(a, dims):
    """Reverse the order of elements along `dims`."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = tuple(normalize_dim(d, a.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {dims} repeat a dimension")
    return S.Flip.apply(a, axes) if a.ndim else a.clone()


# ------------------------------------------------------------------------------------- index
def _index_array(index, op, ref):
    Tensor = _T()
    idx = index.array if isinstance(index, Tensor) else index
    if not B.is_array(idx):
        idx = B.xp_for(ref.device).asarray(idx)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected an integer (int64) index tensor, got dtype {idx.dtype}")
    if B.device_of(idx) != ref.device:
        raise RuntimeError(f"{op}: index is on {B.device_of(idx)} but input is on {ref.device}")
    return idx


def gather(a, dim, index):
    """out[i][j] = a[index[i][j]][j] (for dim=0), and likewise for other dims."""
    d = normalize_dim(dim, a.ndim, "gather")
    idx = _index_array(index, "gather", a)
    if idx.ndim != a.ndim:
        raise RuntimeError(f"gather: index tensor must have the same number of dimensions as input "
                           f"({idx.ndim} vs {a.ndim})")
    for k in range(a.ndim):
        if k != d and idx.shape[k] > a.shape[k]:
            raise RuntimeError(f"gather: size of index {tuple(idx.shape)} exceeds input "
                               f"{a.shape} at dimension {k}")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= a.shape[d]:
            raise IndexError(f"gather: index {hi if hi >= a.shape[d] else lo} is out of bounds for "
                             f"dimension {d} with size {a.shape[d]}")
    return I.Gather.apply(a, d, idx)


def index_select(a, dim, index):
    """Select whole slices along `dim` at the given 1-D indices."""
    d = normalize_dim(dim, a.ndim, "index_select")
    idx = _index_array(index, "index_select", a)
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 1-D, got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1)
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= a.shape[d]:
            raise IndexError(f"index_select: index {hi if hi >= a.shape[d] else lo} is out of bounds "
                             f"for dimension {d} with size {a.shape[d]}")
    return I.IndexSelect.apply(a, d, idx)


def masked_fill(a, mask, value):
    """Copy of `a` with `value` written where the boolean mask (broadcast to a's shape) is true."""
    Tensor = _T()
    m = mask.array if isinstance(mask, Tensor) else mask
    if not B.is_array(m) or m.dtype != bool:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype "
                           f"{getattr(m, 'dtype', type(m).__name__)}")
    try:
        shape = B.np.broadcast_shapes(tuple(m.shape), a.shape)
    except ValueError:
        shape = None
    if shape != a.shape:
        raise RuntimeError(f"masked_fill: the mask of shape {tuple(m.shape)} cannot be broadcast to "
                           f"the input shape {a.shape}")
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, got shape "
                               f"{value.shape}")
        if value.requires_grad:  # the value gets the gradient of every position it fills
            return where(Tensor._make(B.get_array_module(a.array).broadcast_to(m, a.shape)),
                         value.reshape(()).to(a.dtype), a)
        value = value.item()
    return I.MaskedFill.apply(a, m, value)


# ------------------------------------------------------------------------- comparisons, misc
def _compare(a, b, name):
    Tensor = _T()
    xp = B.get_array_module(a.array)
    bd = b.array if isinstance(b, Tensor) else b
    try:
        out = getattr(xp, name)(a.array, bd)
    except ValueError:
        raise RuntimeError(f"{name}: the shapes {a.shape} and {tuple(getattr(bd, 'shape', ()))} cannot "
                           f"be broadcast together") from None
    return Tensor._make(xp.asarray(out), False, None, 0)


def eq(a, b):
    """a == b elementwise (bool, no gradient)."""
    return _compare(a, b, "equal")


def ne(a, b):
    """a != b elementwise (bool, no gradient)."""
    return _compare(a, b, "not_equal")


def lt(a, b):
    """a < b elementwise (bool, no gradient)."""
    return _compare(a, b, "less")


def le(a, b):
    """a <= b elementwise (bool, no gradient)."""
    return _compare(a, b, "less_equal")


def gt(a, b):
    """a > b elementwise (bool, no gradient)."""
    return _compare(a, b, "greater")


def ge(a, b):
    """a >= b elementwise (bool, no gradient)."""
    return _compare(a, b, "greater_equal")


def _nograd(a, fn):
    Tensor = _T()
    return Tensor._make(fn(B.get_array_module(a.array), a.array), False, None, 0)


def isnan(a):
    """True where a is NaN."""
    return _nograd(a, lambda xp, x: xp.isnan(x))


def isinf(a):
    """True where a is +-inf."""
    return _nograd(a, lambda xp, x: xp.isinf(x))


def isfinite(a):
    """True where a is finite."""
    return _nograd(a, lambda xp, x: xp.isfinite(x))


def sign(a):
    """-1, 0 or 1 by the sign of each element (no gradient)."""
    return _nograd(a, lambda xp, x: xp.sign(x))


def floor(a):
    """Round down (no gradient)."""
    return _nograd(a, lambda xp, x: xp.floor(x))


def ceil(a):
    """Round up (no gradient)."""
    return _nograd(a, lambda xp, x: xp.ceil(x))


def round(a, decimals=0):
    """Round half to even (no gradient)."""
    return _nograd(a, lambda xp, x: xp.round(x, decimals))


def all(a, dim=None, keepdim=False):
    """True when every element is non-zero (along `dim`, an int or a tuple, if given)."""
    axes = _dims(a, dim, "all")
    return _nograd(a, lambda xp, x: xp.asarray(x.all(axis=axes, keepdims=keepdim)))


def any(a, dim=None, keepdim=False):
    """True when any element is non-zero (along `dim`, an int or a tuple, if given)."""
    axes = _dims(a, dim, "any")
    return _nograd(a, lambda xp, x: xp.asarray(x.any(axis=axes, keepdims=keepdim)))


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True when |a - b| <= atol + rtol * |b| everywhere."""
    xp = B.get_array_module(a.array)
    _broadcast_shape(a, b, "allclose")
    return bool(xp.allclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _broadcast_shape(a, b, op):
    try:
        return B.np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"{op}: the shapes {a.shape} and {b.shape} cannot be broadcast "
                           f"together") from None


def equal(a, b):
    """True when both tensors have the same shape and elements."""
    return a.shape == b.shape and bool((a.array == b.array).all())


def topk(a, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along `dim` and their indices; values carry gradient."""
    d = normalize_dim(dim, a.ndim, "topk")
    if k < 0 or k > a.shape[d]:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {a.shape[d]}")
    xp = B.get_array_module(a.array)
    key = -a.array if largest else a.array
    idx = xp.argsort(key, axis=d, kind="stable")
    idx = xp.take(idx, xp.arange(k), axis=d)
    return _MinMax(gather(a, d, idx), _T()._make(idx.astype(xp.int64), False, None, 0))


def sort(a, dim=-1, descending=False, stable=False):
    """Sorted values along `dim` and the permutation indices; values carry gradient."""
    d = normalize_dim(dim, a.ndim, "sort")
    xp = B.get_array_module(a.array)
    idx = xp.argsort(-a.array if descending else a.array, axis=d, kind="stable").astype(xp.int64)
    return _MinMax(gather(a, d, idx), _T()._make(idx, False, None, 0))


def argsort(a, dim=-1, descending=False, stable=False):
    """Indices that sort `a` along `dim`."""
    return sort(a, dim, descending)[1]


def cumsum(a, dim):
    """Cumulative sum along `dim`."""
    d = normalize_dim(dim, a.ndim, "cumsum")
    if a.array.dtype.kind in "bui":
        a = a.to(B.int64)
    return _Cumsum.apply(a, d) if a.ndim else a.clone()


class _Cumsum(E.Op):
    node = "Cumsum"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return B.get_array_module(a).cumsum(a, axis=dim)

    @staticmethod
    def backward(ctx, g):
        xp = B.get_array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, axis=ctx.dim), axis=ctx.dim), axis=ctx.dim)


def numel(a):
    """Number of elements."""
    return a.numel()


import builtins as _builtins  # noqa: E402  (names shadowed above by the op functions)
builtin_sum, builtin_any = _builtins.sum, _builtins.any
builtin_max, builtin_min = _builtins.max, _builtins.min
