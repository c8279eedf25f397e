"""File writing that never leaves a half-written file: atomic_write."""
import errno
import os
import stat

__all__ = ["atomic_write"]


def atomic_write(path, data, encoding="utf-8"):
    """Write `data` (str or bytes) to `path` so that readers see the old file or the new one, never a
    mix: it goes to a temporary file in the same folder, is flushed to disk, then renamed over `path`.

    The new file gets the permissions of the file it replaces, or the usual ones for a new file
    (0o666 minus the umask, like ``open(path, "w")``), never the 0o600 of ``tempfile.mkstemp``.

    Args:
        path: the file to create or replace (str or os.PathLike).
        data: the whole content; str is encoded with `encoding`.
        encoding: text encoding for str data (default UTF-8); newlines are written as given.

    Example::

        >>> import os, tempfile
        >>> from minigrad.utils import atomic_write
        >>> path = os.path.join(tempfile.mkdtemp(), "metrics.csv")
        >>> atomic_write(path, "epoch,loss\\n1,0.5\\n")
        >>> open(path).read()
        'epoch,loss\\n1,0.5\\n'
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"atomic_write: data must be str or bytes, got {type(data).__name__}")
    path = os.path.abspath(os.fspath(path))
    folder, base = os.path.split(path)
    if not os.path.isdir(folder):  # else the error would name the temporary file
        raise FileNotFoundError(errno.ENOENT, f"atomic_write: the directory {folder!r} does not exist",
                                path)
    tmp = os.path.join(folder, f".{base}.{os.getpid()}-{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if os.path.exists(path):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
