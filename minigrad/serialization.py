"""save / load: checkpoints of tensors and nested containers in a NumPy-readable .npz-style zip.

A checkpoint is a zip archive holding one ``.npy`` entry per tensor or array (named after the key
path where it was found, e.g. ``model/fc.weight.npy``) plus ``structure.json``, which describes the
nesting: container types, dict keys (with their types and order), scalars, strings and, for each
tensor, the entry holding its data with its dtype, shape and device. ``numpy.load(path)`` reads it
and nothing is ever unpickled.
"""
import collections
import errno
import json
import os
import re
import stat
import zipfile

from . import backend as B
from .tensor import Tensor
from . import whole_objects
from .whole_objects import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals"]

FORMAT = "minigrad.checkpoint"
VERSION = 1
STRUCTURE = "structure.json"
_SCALARS = {type(None): "none", bool: "bool", int: "int", float: "float", str: "str"}
_KEY_TYPES = (str, int, bool, float, type(None))
_MAX_NAME = 1000  # characters of a key path kept in a zip entry name
# what zipfile raises on a damaged archive (a flipped flag byte reads as encryption -> RuntimeError,
# a flipped method or version field -> NotImplementedError)
_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError, RuntimeError)


# -------------------------------------------------------------------------------------- encoding
class _Encoder:
    """Walks an object, returning its JSON description and collecting the arrays to write."""

    def __init__(self):
        self.arrays = []      # (entry name, Tensor or ndarray), in the order they are written
        self._refs = {}       # id(tensor or array) -> entry name, so a shared tensor is stored once
        self._names = set()
        self._active = set()  # ids of the containers being walked, to catch cycles

    def encode(self, obj, path):
        kind = _SCALARS.get(type(obj))
        if kind is not None:
            return {"type": kind} if obj is None else {"type": kind, "value": obj}
        if isinstance(obj, Tensor):
            return self._tensor(obj, path)
        if B.is_array(obj) or isinstance(obj, B.np.generic):  # cupy arrays come back as numpy
            if obj.dtype.hasobject:
                raise TypeError(f"save: unsupported array of dtype object at {_fmt(path)}")
            node = {"type": "numpy_scalar" if isinstance(obj, B.np.generic) else "ndarray"}
            node["entry"] = self._entry(obj, path)
            return node
        if isinstance(obj, B.dtype):
            return {"type": "dtype", "value": obj.name}
        if isinstance(obj, B.Device):
            return {"type": "device", "value": str(obj)}
        if type(obj) in (list, tuple, dict, collections.OrderedDict):
            if id(obj) in self._active:
                raise ValueError(f"save: circular reference at {_fmt(path)}")
            self._active.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self._active.discard(id(obj))
        raise TypeError(f"save: unsupported type {type(obj).__name__!r} at {_fmt(path)}")

    def _container(self, obj, path):
        if isinstance(obj, (list, tuple)):
            return {"type": type(obj).__name__,
                    "items": [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}
        items = []
        for k, v in obj.items():
            if type(k) not in _KEY_TYPES:
                raise TypeError(f"save: unsupported dict key type {type(k).__name__!r} ({k!r}) "
                                f"at {_fmt(path)}")
            items.append([self.encode(k, path), self.encode(v, path + (k,))])
        return {"type": "OrderedDict" if type(obj) is collections.OrderedDict else "dict",
                "items": items}

    def _tensor(self, t, path):
        node = {"type": "tensor", "entry": self._entry(t, path), "dtype": t.dtype.name,
                "shape": list(t.shape), "device": str(t.device)}
        if t.requires_grad:
            node["requires_grad"] = True
        param = _parameter_class()
        if param is not None and isinstance(t, param):
            node["parameter"] = True
        return node

    def _entry(self, obj, path):
        """The zip entry name for a tensor/array: its key path, made unique and file-name safe."""
        if id(obj) in self._refs:
            return self._refs[id(obj)]
        parts = [re.sub(r"[^\w.\-]", "_", str(p)) for p in path] or ["obj"]
        # zip entry names are at most 65535 bytes: long key paths are cut (collisions get a suffix)
        base = "/".join("_" if p.strip(".") == "" else p for p in parts)[:_MAX_NAME]
        name, n = base + ".npy", 1
        while name in self._names:
            name, n = f"{base}_{n}.npy", n + 1
        self._names.add(name)
        self._refs[id(obj)] = name
        self.arrays.append((name, obj))
        return name


def _fmt(path):
    """A key path as Python indexing, e.g. obj['opt']['state'][0]."""
    return "obj" + "".join(f"[{p!r}]" for p in path)


def _parameter_class():
    """minigrad.nn.Parameter, or None when minigrad.nn is unavailable."""
    try:
        from .nn import Parameter
        return Parameter
    except ImportError:  # pragma: no cover
        return None


# ----------------------------------------------------------------------------------------- save
def save(obj, path):
    """Save tensors, arrays, numbers, strings and nested dicts/lists/tuples of them to `path`.

    Tensors keep their dtype, shape, device and requires_grad; NumPy (and CuPy) arrays load back
    as NumPy arrays; a tensor that appears twice is stored once and loads as one object.

    `path` is a file name (written atomically: a temporary file in the same directory is renamed
    over the target only once complete) or a binary file object.

    Args:
        obj: what to save, typically ``model.state_dict()`` or a checkpoint dict.
        path: a file name (str or path-like) or a binary file object.

    Example:
        >>> model = nn.Linear(2, 1)
        >>> minigrad.save({"model": model.state_dict(), "epoch": 3}, "checkpoint.pt")
        >>> sorted(minigrad.load("checkpoint.pt"))
        ['epoch', 'model']
    """
    enc = _Encoder()
    try:
        root = enc.encode(obj, ())
    except TypeError as exc:  # a whole model or another object: pickled, tensors beside it
        enc = _Encoder()
        root = whole_objects.encode(obj, enc, exc)
    structure = {"format": FORMAT, "version": VERSION, "root": root}
    if not isinstance(path, (str, bytes, os.PathLike)):
        _write(path, structure, enc.arrays)
        return
    target = os.path.realpath(os.fsdecode(path))
    folder, base = os.path.split(target)
    if not os.path.isdir(folder):  # else the error would name the temporary file
        raise FileNotFoundError(errno.ENOENT, f"save: the directory {folder!r} does not exist", target)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "save: the target is a directory", target)
    _remove_stale_temporaries(folder, base)
    # the writer's pid in the name lets a later save tell a crashed writer's leftover from a live one
    tmp = os.path.join(folder, f".{base}.{os.getpid()}-{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if os.path.exists(target):  # keep the permissions of the checkpoint being replaced
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        with os.fdopen(fd, "wb") as f:
            _write(f, structure, enc.arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


def _remove_stale_temporaries(folder, base):
    """Delete temporaries of `base` left by writers that died mid-save (kill -9, power loss).

    Only files named like ours whose writer pid no longer exists are removed, so a concurrent save
    of the same target by a live process keeps its file. Skipped where pids cannot be probed safely.
    """
    if os.name != "posix":
        return
    pattern = re.compile(re.escape(f".{base}.") + r"(\d+)-[0-9a-f]{12}\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        try:
            os.remove(os.path.join(folder, name))
        except OSError:
            pass


def _pid_alive(pid):
    """True unless process `pid` certainly does not exist (POSIX)."""
    if pid <= 0 or pid == os.getpid():
        return True  # another thread of ours may be saving the same target right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, owned by someone else
        return True
    return True


def _write(f, structure, arrays):
    """Write the structure entry and one .npy entry per array into a zip on file object f."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(STRUCTURE, json.dumps(structure, allow_nan=True))
        for name, obj in arrays:
            arr = B.to_numpy(obj.array if isinstance(obj, Tensor) else obj)
            with zf.open(name, "w", force_zip64=True) as entry:
                B.np.lib.format.write_array(entry, arr, allow_pickle=False)


def _fsync_dir(folder):
    """Make the rename durable (POSIX); silently skipped where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------------------- load
class CheckpointError(RuntimeError, ValueError):
    """Raised when a file is not a (valid) minigrad checkpoint (a RuntimeError, like torch.load's
    error for a damaged file, and a ValueError, as it always was)."""


def load(path, map_location=None, weights_only=None):
    """Load an object saved by `minigrad.save` from a file name or binary file object.

    weights_only (default True, as in PyTorch 2.6+): a whole pickled object (``save(model, f)``)
    loads only if every class in it is allowed (see ``add_safe_globals``); False loads any object,
    which can run arbitrary code: only for files you trust. Plain checkpoints (state dicts,
    tensors, containers) never involve pickle and load either way.

    map_location: None (each tensor on the device it was saved from, or the default device when
    that one is unavailable), a device ('cpu', 'cuda', Device), a dict {saved device: device}, or a
    callable fn(cpu_tensor, saved_device_str) -> Tensor.

    Args:
        path: a file name (str or path-like) or a binary file object.
        map_location: where to put the tensors, as above.
        weights_only: refuse pickled objects of classes not allowed, as above.

    Returns:
        The saved object, with tensors restored (dtype, shape, requires_grad).

    Example:
        >>> minigrad.save({"w": minigrad.tensor([1.0, 2.0])}, "weights.pt")
        >>> minigrad.load("weights.pt", map_location="cpu")
        {'w': tensor([1., 2.])}
    """
    is_name = isinstance(path, (str, bytes, os.PathLike))
    src = os.fsdecode(path) if is_name else path
    decoder = _Decoder(repr(src), map_location)
    decoder.budget = _size_of(src)
    decoder.weights_only = True if weights_only is None else bool(weights_only)
    try:
        zf = zipfile.ZipFile(src, "r")
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        decoder.fail(f"{_sniff(src)} ({exc})")
    with zf:
        return decoder.run(zf)


def _size_of(src):
    """The byte size of a checkpoint file (name or seekable file object); None when unknown."""
    try:
        if isinstance(src, str):
            return os.path.getsize(src)
        here = src.tell()
        end = src.seek(0, os.SEEK_END)
        src.seek(here)
        return end
    except (OSError, AttributeError, ValueError):
        return None


def _sniff(src):
    """A guess at what a file that is not a zip is, for error messages."""
    try:
        if isinstance(src, str):
            with open(src, "rb") as f:
                head = f.read(2)
        else:
            src.seek(0)
            head = src.read(2)
    except (OSError, AttributeError, ValueError):
        return "unreadable"
    if head[:1] == b"\x80":
        return "it looks like a pickle, which minigrad never loads"
    return "empty file" if not head else "not a zip archive, or a truncated one"


class _Decoder:
    """Rebuilds the saved object from an open checkpoint zip."""

    def __init__(self, name, map_location):
        if isinstance(map_location, dict):
            map_location = {str(B.as_device(k)): B.as_device(v) for k, v in map_location.items()}
        elif map_location is not None and not callable(map_location):
            map_location = B.as_device(map_location)
        self.name, self.map_location = name, map_location
        self.zf = None
        self._arrays, self._tensors = {}, {}  # entry name -> loaded object (shared stays shared)
        self._in_user_code = False
        self.budget = None  # bytes the arrays may still take: a load never allocates more than the file

    def fail(self, what):
        raise CheckpointError(f"load: {self.name} is not a valid minigrad checkpoint: {what}") from None

    def run(self, zf):
        self.zf = zf
        names = zf.namelist()
        if STRUCTURE not in names:
            if names and all(n.endswith(".npy") for n in names):
                return self.plain_npz(names)
            hint = ("it looks like a PyTorch checkpoint" if any(n.endswith("data.pkl") for n in names)
                    else "neither a minigrad checkpoint nor an .npz of named arrays")
            self.fail(f"no {STRUCTURE!r} entry ({hint})")
        try:
            structure = json.loads(zf.read(STRUCTURE).decode("utf-8"))
        except _ZIP_ERRORS as exc:
            self.fail(f"unreadable {STRUCTURE!r} ({exc})")
        if not isinstance(structure, dict) or structure.get("format") != FORMAT:
            self.fail(f"{STRUCTURE!r} does not describe a minigrad checkpoint")
        if structure.get("version") != VERSION:
            self.fail(f"unsupported format version {structure.get('version')!r} (this minigrad "
                      f"reads version {VERSION})")
        try:
            return self.decode(structure["root"])
        except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
            if isinstance(exc, CheckpointError) or self._in_user_code:
                raise
            self.fail(f"malformed {STRUCTURE!r} ({type(exc).__name__}: {exc})")

    def plain_npz(self, names):
        """A NumPy .npz of named arrays (numpy.savez): {name: Tensor} in archive order."""
        out = collections.OrderedDict()
        for entry in names:
            arr = self.array(entry)
            if arr.dtype.kind not in "biuf":
                self.fail(f"array {entry[:-4]!r} has dtype {arr.dtype}, which a Tensor cannot hold")
            out[entry[:-4]] = self.place(Tensor._make(arr), "cpu")
        return out

    def decode(self, node):
        kind = node["type"]
        if kind == "none":
            return None
        if kind in ("bool", "int", "float", "str"):
            value = node["value"]
            allowed = {"bool": (bool,), "int": (int,), "float": (float, int), "str": (str,)}[kind]
            if type(value) not in allowed:
                self.fail(f"a {kind} node holds {value!r}")
            return float(value) if kind == "float" else value
        if kind in ("list", "tuple"):
            items = [self.decode(v) for v in node["items"]]
            return items if kind == "list" else tuple(items)
        if kind in ("dict", "OrderedDict"):
            out = collections.OrderedDict() if kind == "OrderedDict" else {}
            for k, v in node["items"]:
                key = self.decode(k)
                if type(key) not in _KEY_TYPES:
                    self.fail(f"a dict key of type {type(key).__name__}")
                out[key] = self.decode(v)
            return out
        if kind == "dtype":
            return B.to_dtype(node["value"])
        if kind == "device":
            return B.Device(node["value"])
        if kind in ("ndarray", "numpy_scalar"):
            arr = self.array(node["entry"])
            return arr if kind == "ndarray" else arr[()]
        if kind == "tensor":
            return self.tensor(node)
        if kind == "pickle":
            return whole_objects.decode(self, node, getattr(self, "weights_only", True))
        self.fail(f"unknown node type {kind!r}")

    def array(self, entry):
        """The NumPy array stored in `entry` (never unpickling)."""
        if entry not in self._arrays:
            try:
                self._check_entry_size(entry)
                with self.zf.open(entry) as f:
                    self._arrays[entry] = B.np.lib.format.read_array(f, allow_pickle=False)
            except KeyError:
                self.fail(f"missing entry {entry!r}")
            except _ZIP_ERRORS as exc:
                self.fail(f"entry {entry!r} is corrupt ({exc})")
        return self._arrays[entry]

    def _check_entry_size(self, entry):
        """Refuse an entry before allocating it unless its header's shape x itemsize is what it holds.

        A crafted header could otherwise claim terabytes, and a compressed entry (minigrad never
        writes those) could expand far beyond the file; entries may also overlap inside the zip, so
        all arrays together may not exceed the file's size either.
        """
        info = self.zf.getinfo(entry)
        if info.compress_type != zipfile.ZIP_STORED:
            self.fail(f"entry {entry!r} is compressed (minigrad writes uncompressed entries only)")
        fmt = B.np.lib.format
        with self.zf.open(info) as f:
            version = fmt.read_magic(f)
            read_header = {(1, 0): fmt.read_array_header_1_0,
                           (2, 0): fmt.read_array_header_2_0}.get(version)
            if read_header is None:
                self.fail(f"entry {entry!r} has an unsupported .npy version {version}")
            shape, _, dtype = read_header(f)
            header = f.tell()
        if dtype.hasobject:
            return  # read_array refuses it (allow_pickle=False) before reading anything
        size = dtype.itemsize
        for n in shape:
            size *= n
        if header + size != info.file_size:
            self.fail(f"entry {entry!r} declares {dtype}{list(shape)} ({size} bytes) but holds "
                      f"{info.file_size - header} bytes")
        if self.budget is not None:
            if size > self.budget:
                self.fail(f"entry {entry!r} and the entries before it declare more bytes than the "
                          f"file holds")
            self.budget -= size

    def tensor(self, node):
        entry = node["entry"]
        if entry not in self._tensors:
            arr = self.array(entry)
            if arr.dtype != B.to_dtype(node["dtype"]).np or list(arr.shape) != node["shape"]:
                self.fail(f"entry {entry!r} holds {arr.dtype}{list(arr.shape)}, expected "
                          f"{node['dtype']}{node['shape']}")
            t = self.place(Tensor._make(arr), node["device"])
            if node.get("parameter"):
                t = _parameter_class()(t, requires_grad=bool(node.get("requires_grad")))
            elif node.get("requires_grad"):
                t.requires_grad = True
            self._tensors[entry] = t
        return self._tensors[entry]

    def place(self, t, saved):
        """Move a freshly loaded cpu tensor where map_location says."""
        where = self.map_location
        if callable(where):
            self._in_user_code = True
            out = where(t, saved)
            if not isinstance(out, Tensor):
                raise TypeError(f"load: map_location returned {type(out).__name__}, expected a Tensor")
            self._in_user_code = False
            return out
        saved = B.Device(saved)
        if isinstance(where, dict):
            where = where.get(str(saved), where.get(saved.type, saved))
        elif where is None:
            where = saved if saved.type == "cpu" or B.cuda_available() else B.default_device()
        return Tensor._make(B.to_device(t.array, where))
