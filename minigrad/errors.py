"""Exception classes that let code ported from PyTorch catch minigrad's errors unchanged.

PyTorch raises RuntimeError for most bad arguments (a target of the wrong shape, a weight of the wrong
length, a negative size); Python code conventionally raises ValueError or TypeError. These classes are
both, so ``except RuntimeError`` (PyTorch habits) and ``except ValueError`` (Python habits) both work.
"""

__all__ = ["ArgumentError", "ShapeError", "DeviceError", "DTypeError"]


class ArgumentError(RuntimeError, ValueError):
    """An argument with a value PyTorch rejects with RuntimeError (e.g. a negative std, an
    unsupported range)."""


class ShapeError(ArgumentError):
    """A tensor argument of the wrong shape or size where PyTorch raises RuntimeError.

    Example::

        >>> import minigrad as mg
        >>> try:
        ...     mg.nn.functional.mse_loss(mg.zeros(3), mg.zeros(4))
        ... except RuntimeError as exc:
        ...     print(type(exc).__name__)
        ShapeError
    """


class DeviceError(ArgumentError):
    """An unknown device name or index (PyTorch: RuntimeError)."""


class DTypeError(RuntimeError, TypeError):
    """A tensor argument of the wrong dtype where PyTorch raises RuntimeError."""
