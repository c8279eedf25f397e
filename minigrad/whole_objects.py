"""Whole-object checkpoints: ``save(model, f)`` and ``load(f, weights_only=False)``, as PyTorch 2.6+.

An object that minigrad's plain format cannot describe (a whole ``nn.Module``, an instance of a
user class) is pickled, with every tensor in it stored as its own ``.npy`` entry beside the pickle
(the pickle refers to them by number), inside the same zip checkpoint.

Loading follows PyTorch 2.6+: ``load`` is weights-only by default. A weights-only load unpickles
with an allowlist of globals (containers, dtypes, devices, plus whatever the caller trusts through
``add_safe_globals`` / ``safe_globals``) and refuses anything else with ``pickle.UnpicklingError``,
so a checkpoint from an untrusted source cannot run code. ``weights_only=False`` unpickles
everything: only do that for files you trust.
"""
import collections
import contextlib
import io
import pickle

from . import backend as B
from .tensor import Tensor

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

PICKLE_PROTOCOL = 4
_user_globals = []  # what add_safe_globals allowed, in order


def _key(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


_DEFAULT_GLOBALS = {_key(o): o for o in (collections.OrderedDict, set, frozenset, complex, slice,
                                         range, B.to_dtype, B.Device)}


def add_safe_globals(safe_globals):
    """Allow the classes/functions in `safe_globals` in weights-only loads (trust them first).

    Args:
        safe_globals: a list of classes or functions (or (object, name) pairs, as PyTorch takes).

    Example:
        >>> add_safe_globals([MyModel, minigrad.nn.Linear]); model = minigrad.load("model.pt")
    """
    for obj in safe_globals:
        if isinstance(obj, tuple):  # (object, "module.name") as in PyTorch
            obj = obj[0]
        if not hasattr(obj, "__qualname__"):
            raise TypeError(f"add_safe_globals expects classes or functions, got {obj!r}")
        if obj not in _user_globals:
            _user_globals.append(obj)


def get_safe_globals():
    """The globals added by add_safe_globals (the built-in allowlist not included)."""
    return list(_user_globals)


def clear_safe_globals():
    """Forget every global added by add_safe_globals."""
    _user_globals.clear()


@contextlib.contextmanager
def safe_globals(globals_):
    """Within the block, weights-only loads also allow `globals_` (a list of classes/functions).

    Example:
        >>> with safe_globals([MyModel, minigrad.nn.LSTM]):
        ...     model = minigrad.load("model.pt")
    """
    saved = list(_user_globals)
    add_safe_globals(globals_)
    try:
        yield
    finally:
        _user_globals[:] = saved


class _Pickler(pickle.Pickler):
    """Pickles an object, handing each tensor to the encoder instead (it becomes a .npy entry)."""

    def __init__(self, f, encoder):
        super().__init__(f, protocol=PICKLE_PROTOCOL)
        self.encoder, self.nodes, self._index = encoder, [], {}

    def persistent_id(self, obj):
        if not isinstance(obj, Tensor):
            return None
        if id(obj) not in self._index:
            self._index[id(obj)] = len(self.nodes)
            self.nodes.append(self.encoder._tensor(obj, ("tensors", len(self.nodes))))
        return self._index[id(obj)]


def encode(obj, encoder, plain_error):
    """The structure node of a pickled `obj`; its tensors and the pickle go to encoder.arrays.

    plain_error: why the plain format could not hold `obj`, reported if pickling fails too.
    """
    buf = io.BytesIO()
    pickler = _Pickler(buf, encoder)
    try:
        pickler.dump(obj)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise TypeError(f"{plain_error}, and it cannot be pickled either ({exc})") from None
    data = B.np.frombuffer(buf.getvalue(), dtype=B.np.uint8)
    return {"type": "pickle", "entry": encoder._entry(data, ("object.pkl",)), "tensors": pickler.nodes}


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, decoder, nodes, weights_only):
        super().__init__(f)
        self.decoder, self.nodes, self.weights_only = decoder, nodes, weights_only

    def persistent_load(self, pid):
        if type(pid) is not int or not 0 <= pid < len(self.nodes):
            raise pickle.UnpicklingError(f"bad tensor reference {pid!r} in the pickle")
        return self.decoder.tensor(self.nodes[pid])

    def find_class(self, module, name):
        if not self.weights_only:
            return super().find_class(module, name)
        key = f"{module}.{name}"
        if key in _DEFAULT_GLOBALS:
            return _DEFAULT_GLOBALS[key]
        for obj in _user_globals:
            if _key(obj) == key:
                return obj
        raise pickle.UnpicklingError(
            f"Weights only load failed. This file can still be loaded, to do so you have two "
            f"options, do those steps only if you trust the source of the checkpoint. (1) Re-running "
            f"`load` with `weights_only` set to `False` will likely succeed, but it can result in "
            f"arbitrary code execution. Do it only if you got the file from a trusted source. (2) "
            f"Alternatively, to load with `weights_only=True` please check the recommended steps in "
            f"the following error message. WeightsUnpickler error: Unsupported global: GLOBAL {key} "
            f"was not an allowed global by default. Please use "
            f"`minigrad.serialization.add_safe_globals([{key}])` or the "
            f"`minigrad.serialization.safe_globals([{key}])` context manager to allowlist this "
            f"global if you trust this class/function.")


def decode(decoder, node, weights_only):
    """Unpickle the object that `node` describes (restricted to safe globals when weights_only)."""
    data = decoder.array(node["entry"]).tobytes()
    unpickler = _Unpickler(io.BytesIO(data), decoder, node["tensors"], weights_only)
    decoder._in_user_code = not weights_only  # errors from user classes pass through unchanged
    try:
        return unpickler.load()
    finally:
        decoder._in_user_code = False
