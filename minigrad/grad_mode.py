"""Grad mode: whether operations are being recorded for autograd (no_grad, enable_grad,
set_grad_enabled).  One switch per thread, as in PyTorch, read by the engine on every op."""
import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


class _GradModeState(threading.local):
    """Grad mode is per thread: every thread starts with it on (the class default)."""
    enabled = True


_GradMode = _GradModeState()


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

    def __new__(cls, func=None):
        self = super().__new__(cls)
        # used bare as a decorator (`@no_grad`): wrap the function right away
        return self(func) if callable(func) else self

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
