"""THE table of public ops: which names `minigrad.<name>` exports and which `Tensor.<name>` methods and
operators exist (in the spirit of DeZero's `setup_variable()`).

Each row is (name, function, where): `where` holds "F" for a function `minigrad.<name>` and "M" for a
Tensor method `t.<name>(...)`, which is the same function called with the tensor first.  Operators
are method rows whose name is the dunder.  Adding an op therefore takes one primitive class
(`minigrad/primitives/`), one public function (`minigrad/ops/<theme>.py`) and one row here;
`tensor.py` is never touched.  `minigrad/ops/__init__.py` reads this table once at import time.
"""
from ..tensor import Tensor
from . import compare as C, elementwise as E, index as I, inplace as IP, linalg as L, reduce as R
from . import shape as S
from . import compat as PT
from .promotion import as_tensor_like


def _reflected(fn):
    """The reflected operator (`2 - t` calls t.__rsub__(2)): fn with the operands swapped."""
    def method(self, other):
        return fn(other, self)
    method.__name__ = f"r{fn.__name__}"
    return method


def _rmatmul(self, other):
    return L.matmul(as_tensor_like(other, self), self)


def _pos(self):
    return self


def expand_as(self, other):
    """Expand to other's shape."""
    return self.expand(*other.shape)


def view_as(self, other):
    """Reshape to other's shape."""
    return self.view(*other.shape)


def where(self, condition, other):
    """condition ? self : other."""
    return E.where(condition, self, other)


def t(self):
    """Transpose of a 1-D or 2-D tensor."""
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return self.T


TABLE = [
    # arithmetic and elementwise math (ops/elementwise.py)
    ("add", E.add, "FM"), ("sub", E.sub, "FM"), ("mul", E.mul, "FM"), ("div", E.div, "FM"),
    ("true_divide", E.div, "FM"), ("multiply", E.mul, "M"), ("subtract", E.sub, "M"),
    ("pow", E.pow, "FM"), ("floor_divide", E.floor_divide, "FM"), ("remainder", E.remainder, "FM"),
    ("neg", E.neg, "FM"), ("exp", E.exp, "FM"), ("log", E.log, "FM"), ("sqrt", E.sqrt, "FM"),
    ("abs", E.abs, "FM"), ("sin", E.sin, "FM"), ("cos", E.cos, "FM"), ("tanh", E.tanh, "FM"),
    ("sigmoid", E.sigmoid, "FM"), ("relu", E.relu, "FM"), ("gelu", E.gelu, "F"),
    ("clamp", E.clamp, "FM"), ("clip", E.clamp, "FM"), ("maximum", E.maximum, "FM"),
    ("minimum", E.minimum, "FM"), ("where", E.where, "F"), ("where", where, "M"),
    # comparisons, tests and rounding (ops/compare.py)
    ("eq", C.eq, "FM"), ("ne", C.ne, "FM"), ("lt", C.lt, "FM"), ("le", C.le, "FM"),
    ("gt", C.gt, "FM"), ("ge", C.ge, "FM"), ("isnan", C.isnan, "FM"), ("isinf", C.isinf, "FM"),
    ("isfinite", C.isfinite, "FM"), ("allclose", C.allclose, "FM"), ("equal", C.equal, "FM"),
    ("sign", C.sign, "FM"), ("floor", C.floor, "FM"), ("ceil", C.ceil, "FM"),
    ("round", C.round, "FM"), ("nonzero", C.nonzero, "FM"),
    ("bitwise_not", C.bitwise_not, "FM"), ("bitwise_and", C.bitwise_and, "FM"),
    ("bitwise_or", C.bitwise_or, "FM"), ("bitwise_xor", C.bitwise_xor, "FM"),
    ("logical_not", C.logical_not, "FM"), ("logical_and", C.logical_and, "FM"),
    ("logical_or", C.logical_or, "FM"), ("logical_xor", C.logical_xor, "FM"),
    # matrix products (ops/linalg.py)
    ("matmul", L.matmul, "FM"), ("mm", L.mm, "FM"), ("bmm", L.bmm, "FM"), ("dot", L.dot, "FM"),
    ("outer", L.outer, "FM"),
    # reductions and sorts (ops/reduce.py)
    ("sum", R.sum, "FM"), ("mean", R.mean, "FM"), ("var", R.var, "FM"), ("std", R.std, "FM"),
    ("max", R.max, "FM"), ("min", R.min, "FM"), ("amax", R.amax, "FM"), ("amin", R.amin, "FM"),
    ("prod", R.prod, "FM"), ("norm", R.norm, "FM"), ("argmax", R.argmax, "FM"),
    ("argmin", R.argmin, "FM"), ("logsumexp", R.logsumexp, "FM"), ("softmax", R.softmax, "FM"),
    ("log_softmax", R.log_softmax, "FM"), ("all", R.all, "FM"), ("any", R.any, "FM"),
    ("topk", R.topk, "FM"), ("sort", R.sort, "FM"), ("argsort", R.argsort, "FM"),
    ("cumsum", R.cumsum, "FM"), ("numel", R.numel, "F"),
    # shapes, joins and splits (ops/shape.py)
    ("reshape", S.reshape, "FM"), ("view", S.view, "FM"), ("transpose", S.transpose, "FM"),
    ("permute", S.permute, "FM"), ("squeeze", S.squeeze, "FM"), ("unsqueeze", S.unsqueeze, "FM"),
    ("expand", S.expand, "FM"), ("flatten", S.flatten, "FM"), ("cat", S.cat, "F"),
    ("concat", S.cat, "F"), ("concatenate", S.cat, "F"), ("stack", S.stack, "F"),
    ("split", S.split, "FM"), ("chunk", S.chunk, "FM"), ("unbind", S.unbind, "FM"),
    ("narrow", S.narrow, "FM"), ("swapaxes", S.swapaxes, "FM"), ("movedim", S.movedim, "FM"),
    ("repeat", S.repeat, "FM"), ("tile", S.tile, "FM"), ("unflatten", S.unflatten, "FM"),
    ("roll", S.roll, "FM"), ("flip", S.flip, "FM"), ("tril", S.tril, "FM"), ("triu", S.triu, "FM"),
    ("expand_as", expand_as, "M"), ("view_as", view_as, "M"), ("reshape_as", view_as, "M"),
    ("t", t, "M"),
    # PyTorch's older API that programs still use (ops/compat.py)
    ("unsqueeze_", PT.unsqueeze_, "M"), ("squeeze_", PT.squeeze_, "M"),
    ("transpose_", PT.transpose_, "M"), ("t_", PT.t_, "M"), ("new", PT.new, "M"),
    # selection by index (ops/index.py)
    ("gather", I.gather, "FM"), ("index_select", I.index_select, "FM"),
    ("masked_fill", I.masked_fill, "FM"),
    # in-place methods (ops/inplace.py)
    ("add_", IP.add_, "M"), ("sub_", IP.sub_, "M"), ("mul_", IP.mul_, "M"), ("div_", IP.div_, "M"),
    ("clamp_", IP.clamp_, "M"), ("masked_fill_", IP.masked_fill_, "M"), ("copy_", IP.copy_, "M"),
    ("fill_", IP.fill_, "M"), ("zero_", IP.zero_, "M"), ("uniform_", IP.uniform_, "M"),
    ("normal_", IP.normal_, "M"), ("bernoulli_", IP.bernoulli_, "M"),
    # operators
    ("__add__", E.add, "M"), ("__radd__", _reflected(E.add), "M"),
    ("__sub__", E.sub, "M"), ("__rsub__", _reflected(E.sub), "M"),
    ("__mul__", E.mul, "M"), ("__rmul__", _reflected(E.mul), "M"),
    ("__truediv__", E.div, "M"), ("__rtruediv__", _reflected(E.div), "M"),
    ("__pow__", E.pow, "M"), ("__rpow__", _reflected(E.pow), "M"),
    ("__floordiv__", E.floor_divide, "M"), ("__rfloordiv__", _reflected(E.floor_divide), "M"),
    ("__mod__", E.remainder, "M"), ("__rmod__", _reflected(E.remainder), "M"),
    ("__matmul__", L.matmul, "M"), ("__rmatmul__", _rmatmul, "M"),
    ("__neg__", E.neg, "M"), ("__pos__", _pos, "M"), ("__abs__", E.abs, "M"),
    ("__eq__", C.eq_operator, "M"), ("__ne__", C.ne_operator, "M"), ("__lt__", C.lt, "M"),
    ("__le__", C.le, "M"), ("__gt__", C.gt, "M"), ("__ge__", C.ge, "M"),
    ("__invert__", C.bitwise_not, "M"), ("__and__", C.bitwise_and, "M"),
    ("__or__", C.bitwise_or, "M"), ("__xor__", C.bitwise_xor, "M"),
    ("__iadd__", IP.add_, "M"), ("__isub__", IP.sub_, "M"), ("__imul__", IP.mul_, "M"),
    ("__itruediv__", IP.div_, "M"),
]

_BUILT_IN = len(TABLE)  # rows after this index were added at run time by register()


def functions():
    """{name: function} of every "F" row: the public `minigrad.<name>` functions."""
    return {name: fn for name, fn, where in TABLE if "F" in where}


def install():
    """Bind every "M" row onto Tensor as a method or operator (done once, by minigrad/ops/__init__.py)."""
    for name, fn, where in TABLE:
        if "M" in where:
            setattr(Tensor, name, fn)


def register(name, fn, where="FM"):
    """Add a row after import: for ops written outside minigrad's source (a notebook, a test).

    An "M" row is bound onto Tensor at once; an "F" row is found by `minigrad.<name>` and
    `minigrad.ops.<name>` (their module `__getattr__` reads this table).  Inside minigrad's source,
    write the row into TABLE instead.

    Example:
        >>> import minigrad as mg
        >>> from minigrad.ops import methods
        >>> def twice(a):
        ...     return a * 2
        >>> methods.register("twice", twice)
        >>> mg.twice(mg.tensor([1.0])).tolist(), mg.tensor([3.0]).twice().tolist()
        ([2.0], [6.0])
    """
    if not where or set(where) - {"F", "M"}:
        raise ValueError(f"register: where must be made of 'F' (function) and 'M' (method), got "
                         f"{where!r}")
    if not callable(fn):
        raise TypeError(f"register: expected a function for {name!r}, got {type(fn).__name__}")
    if "F" in where and name in functions() or "M" in where and hasattr(Tensor, name):
        raise ValueError(f"register: {name!r} already exists; pick another name")
    TABLE.append((name, fn, where))
    if "M" in where:
        setattr(Tensor, name, fn)


def unregister(name):
    """Remove the rows that `register` added for `name` (e.g. before redefining it in a notebook)."""
    rows = [row for row in TABLE[_BUILT_IN:] if row[0] == name]
    if not rows:
        raise ValueError(f"unregister: no op named {name!r} was added with register()")
    for row in rows:
        TABLE.remove(row)
        if "M" in row[2]:
            delattr(Tensor, name)
