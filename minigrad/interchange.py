"""Weights in and out without torch: state dicts as safetensors files.

A safetensors file is an 8-byte header length, a JSON header (name -> dtype, shape, byte range) and
the raw little-endian bytes of each tensor: nothing in it can run code, and PyTorch, JAX, NumPy and
minigrad all read it. PyTorch writes one with ``safetensors.torch.save_file(model.state_dict(), path)``
and minigrad reads it with :func:`load_safetensors`; the other way round works the same. Reading and
writing go through the ``safetensors`` package (``pip install -e ".[safetensors]"``), which needs no
torch.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import IO, Any, Mapping, Optional, Union

from . import backend as B
from .tensor import Tensor

__all__ = ["save_safetensors", "load_safetensors"]

PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]
_INSTALL_HINT = ('the safetensors package is needed: pip install -e ".[safetensors]" '
                 "(or pip install safetensors)")


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError as exc:
        raise ImportError(f"save_safetensors/load_safetensors: {_INSTALL_HINT}") from exc
    return safetensors.numpy


def save_safetensors(tensors: Mapping[str, Any], path: PathOrFile,
                     metadata: Optional[Mapping[str, str]] = None) -> None:
    """Write a flat dict of named tensors (typically ``model.state_dict()``) as a safetensors file.

    Each value is stored with its dtype and shape; PyTorch loads the file with
    ``safetensors.torch.load_file(path)``. A file name is written atomically (a temporary file in the
    same directory is renamed over it once complete).

    Args:
        tensors: mapping of ``str`` names to Tensors or NumPy/CuPy arrays (GPU data is copied to the
            host).
        path: a file name or a binary file object.
        metadata: optional ``str -> str`` pairs stored in the header (e.g. a format version).

    Example:
        >>> import minigrad, minigrad.nn as nn
        >>> minigrad.save_safetensors(nn.Linear(3, 2).state_dict(), "linear.safetensors")  # doctest: +SKIP
    """
    if not hasattr(tensors, "items"):
        raise TypeError(f"save_safetensors: expected a dict of named tensors, got {type(tensors).__name__}")
    arrays = OrderedDict()
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"save_safetensors: names must be str, got {type(name).__name__} ({name!r})")
        arr = value.array if isinstance(value, Tensor) else value
        if not B.is_array(arr):
            raise TypeError(f"save_safetensors: {name!r} is a {type(value).__name__}, expected a Tensor "
                            "or an array")
        arr = B.to_numpy(arr)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"save_safetensors: {name!r} has dtype {arr.dtype}, which safetensors "
                            "cannot store")
        arrays[name] = B.np.asarray(arr, order="C")  # (ascontiguousarray would make 0-d 1-d)
    if metadata is not None:
        bad = [k for k, v in metadata.items() if not (isinstance(k, str) and isinstance(v, str))]
        if bad:
            raise TypeError(f"save_safetensors: metadata keys and values must be str (bad: {bad[0]!r})")
        metadata = dict(metadata)
    payload = _safetensors_numpy().save(arrays, metadata=metadata)
    if not isinstance(path, (str, bytes, os.PathLike)):
        path.write(payload)
        return
    target = os.path.realpath(os.fsdecode(path))
    folder, base = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save_safetensors: the directory {folder!r} does not exist")
    tmp = os.path.join(folder, f".{base}.{os.urandom(6).hex()}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(payload)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_safetensors(path: PathOrFile, device: Any = None) -> "OrderedDict[str, Tensor]":
    """Read a safetensors file into an ordered dict of named Tensors, ready for ``load_state_dict``.

    The names come back in the order of their data in the file. Nothing is unpickled and torch is
    not needed, whoever wrote the file.

    Args:
        path: a file name or a binary file object.
        device: where the tensors go (``"cpu"``, ``"cuda"``, a Device); default: the default device.

    Returns:
        ``OrderedDict[str, Tensor]``.

    Raises:
        ValueError: the file is not a valid safetensors file.
        TypeError: it holds a dtype NumPy has no type for (bfloat16, float8).

    Example:
        >>> model.load_state_dict(minigrad.load_safetensors("lstm.safetensors"))  # doctest: +SKIP
    """
    st = _safetensors_numpy()
    where = repr(os.fsdecode(path)) if isinstance(path, (str, os.PathLike)) else "the file object"
    try:
        if isinstance(path, (str, os.PathLike)):
            with open(os.fsdecode(path), "rb") as f:
                data = f.read()
        else:
            data = path.read()
        arrays = st.load(data)
    except (OSError, TypeError):
        raise
    except Exception as exc:  # safetensors' own SafetensorError, or a bad dtype from NumPy
        text = str(exc)
        if "dtype" in text.lower() or "bf16" in text.lower():
            raise TypeError(f"load_safetensors: {where} holds a dtype NumPy cannot represent "
                            f"({text}); convert it to float32 before saving") from None
        raise ValueError(f"load_safetensors: {where} is not a valid safetensors file ({text})") from None
    dev = B.default_device() if device is None else B.as_device(device)
    order = _header_order(data)
    names = sorted(arrays, key=lambda n: order.get(n, len(order)))
    return OrderedDict((n, Tensor._make(B.to_device(arrays[n], dev))) for n in names)


def _header_order(data: bytes) -> dict:
    """name -> position of its bytes in the file (safetensors keeps no insertion order of its own)."""
    import json
    try:
        size = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + size])
        return {n: spec["data_offsets"][0] for n, spec in header.items() if n != "__metadata__"}
    except (ValueError, KeyError, TypeError):
        return {}
