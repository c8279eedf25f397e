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
    """True when operations are being recorded for autograd (False inside `no_grad`).

    Example:
        >>> with minigrad.no_grad():
        ...     print(minigrad.is_grad_enabled())
        False
        >>> minigrad.is_grad_enabled()
        True
    """
    return _GradMode.enabled


class set_grad_enabled:
    """Turns gradient recording on or off; usable as a call, a context manager or a decorator.

    Args:
        mode: True to record operations for autograd, False not to.

    Example:
        >>> x = minigrad.ones(2, requires_grad=True)
        >>> with minigrad.set_grad_enabled(False):
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

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
    """Context manager and decorator: operations inside build no graph (for evaluation, updates).

    Results computed inside do not require grad, and no memory is kept for a backward pass.

    Example:
        >>> w = minigrad.ones(3, requires_grad=True)
        >>> with minigrad.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
        >>> @minigrad.no_grad()
        ... def evaluate(v):
        ...     return (v * w).sum()
        >>> evaluate(minigrad.ones(3)).requires_grad
        False
    """
    mode = False


class enable_grad(_GradSwitch):
    """Context manager and decorator: re-enables graph building inside a `no_grad` block.

    Example:
        >>> x = minigrad.ones(1, requires_grad=True)
        >>> with minigrad.no_grad():
        ...     with minigrad.enable_grad():
        ...         y = x * 2
        >>> y.requires_grad
        True
    """
    mode = True
