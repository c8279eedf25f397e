"""Run a PyTorch script on minigrad, unchanged: ``python -m minigrad.torch_compat script.py [args]``.

The launcher makes ``import torch`` (and ``torch.nn``, ``torch.nn.functional``, ``torch.optim``,
``torch.utils.data``, ...) give minigrad's modules, then runs the script as ``__main__`` with its
own arguments. Every ``torch.X`` name resolves to ``minigrad.X``; the few whose home differs
(``torch.utils.data`` is ``minigrad.data``) are mapped. When the script reaches a PyTorch API that
minigrad does not have, the launcher stops with one line naming it, for example::

    minigrad.torch_compat: torch.nn.Conv2d is not implemented in minigrad (script.py, line 12)

and exits with status 1. In a notebook or a test, ``install()`` does the same registration in the
running interpreter (before anything imports the real torch) and ``uninstall()`` undoes it.
"""
import importlib
import importlib.abc
import importlib.machinery
import os
import re
import runpy
import sys
import traceback
import types

__all__ = ["MissingTorchAPI", "UnsupportedAttributeError", "UnsupportedModuleError", "install",
           "uninstall", "main"]

PROG = "minigrad.torch_compat"
# torch module paths whose minigrad home has another name (longest prefix wins)
_RENAMED = {"torch.utils.data": "minigrad.data"}


class MissingTorchAPI(Exception):
    """A PyTorch name the running script uses that minigrad does not implement."""

    def __init__(self, api):
        super().__init__(f"{api} is not implemented in minigrad")
        self.api = api


class UnsupportedAttributeError(MissingTorchAPI, AttributeError):
    """``torch.<name>`` (or ``torch.nn.<name>``, ...) that minigrad lacks; hasattr() sees False."""


class UnsupportedModuleError(MissingTorchAPI, ModuleNotFoundError):
    """``import torch.<module>`` for a module that minigrad lacks."""

    def __init__(self, api):
        super().__init__(api)
        self.name = api


def minigrad_name(torch_name):
    """The minigrad module path standing for the torch module path `torch_name`."""
    for prefix in sorted(_RENAMED, key=len, reverse=True):
        if torch_name == prefix or torch_name.startswith(prefix + "."):
            return _RENAMED[prefix] + torch_name[len(prefix):]
    return "minigrad" + torch_name[len("torch"):]


# PyTorch names that programs mention without necessarily using them (a base class of a model that
# the chosen options never build, an `import torch.jit` for an optional export): they resolve, and
# fail with the one-line message only when actually used.
_PLACEHOLDER_CLASSES = {
    "Conv1d", "Conv2d", "MaxPool2d", "BatchNorm1d", "BatchNorm2d"}  # as torch.nn.<name> or torch.nn.modules.*.<name>
_PLACEHOLDER_MODULES = {"torch.jit", "torch.accelerator"}
_placeholders = {}


def _placeholder_class(api):
    """For a missing torch.nn class that programs name: a class that can be named and subclassed
    but not instantiated (None for any other missing name)."""
    name = api.rsplit(".", 1)[1]
    if not api.startswith("torch.nn.") or name not in _PLACEHOLDER_CLASSES:
        return None
    if name not in _placeholders:
        def __init__(self, *args, **kwargs):
            raise UnsupportedAttributeError(f"torch.nn.{name}")
        _placeholders[name] = type(name, (), {"__init__": __init__, "__module__": __name__,
                                              "__doc__": f"torch.nn.{name}: not in minigrad"})
    return _placeholders[name]


class _PlaceholderModule(types.ModuleType):
    """A torch submodule minigrad lacks: importing it works, using anything in it stops the run."""

    def __init__(self, torch_name):
        super().__init__(torch_name)
        self.__path__ = []

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        api = f"{self.__name__}.{name}"
        value = _placeholder_class(api)
        if value is None:
            raise UnsupportedAttributeError(api)
        return value


class TorchModule(types.ModuleType):
    """A stand-in for a torch module: attribute lookups go to the minigrad module behind it."""

    def __init__(self, torch_name, target):
        super().__init__(torch_name, target.__doc__)
        self.__minigrad__ = target
        self.__path__ = []  # a package, so that `import torch.x.y` asks the finder for children
        self.__file__ = getattr(target, "__file__", None)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        target = self.__minigrad__
        try:
            value = getattr(target, name)
        except AttributeError:
            try:  # a submodule not imported yet (torch.nn.utils.rnn)
                value = importlib.import_module(f"{target.__name__}.{name}")
            except ImportError:
                api = f"{self.__name__}.{name}"
                value = _placeholder_class(api)
                if value is not None:
                    return value
                if api in _PLACEHOLDER_MODULES:
                    return _module(api)
                raise UnsupportedAttributeError(api) from None
        if isinstance(value, types.ModuleType) and value.__name__.startswith("minigrad"):
            value = _module(f"{self.__name__}.{name}", value)
        return value

    def __dir__(self):
        return sorted(set(dir(self.__minigrad__)) | set(self.__dict__))

    def __repr__(self):
        return f"<module {self.__name__!r} (minigrad's {self.__minigrad__.__name__})>"


_proxies = {}


def _module(torch_name, target=None):
    """The TorchModule for `torch_name` (created once, registered in sys.modules)."""
    proxy = _proxies.get(torch_name)
    if proxy is None:
        if target is None and torch_name in _PLACEHOLDER_MODULES:
            try:
                importlib.import_module(minigrad_name(torch_name))
            except ModuleNotFoundError:
                proxy = _proxies[torch_name] = _PlaceholderModule(torch_name)
                sys.modules[torch_name] = proxy
                return proxy
        if target is None:
            try:
                target = importlib.import_module(minigrad_name(torch_name))
            except ModuleNotFoundError:
                raise UnsupportedModuleError(torch_name) from None
        proxy = _proxies[torch_name] = TorchModule(torch_name, target)
        sys.modules[torch_name] = proxy
    return proxy


class _TorchFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers every import of torch and torch.* with a TorchModule."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        _module(fullname)  # raises UnsupportedModuleError for modules minigrad lacks
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return _proxies[spec.name]

    def exec_module(self, module):
        pass


_finder = _TorchFinder()


def install():
    """Make ``import torch`` (and its submodules) give minigrad in this interpreter.

    Call it before anything imports the real torch (RuntimeError otherwise); returns the
    stand-in ``torch`` module.

    Example:
        >>> minigrad.torch_compat.install(); import torch; torch.nn.LSTM is minigrad.nn.LSTM
        True
    """
    real = [n for n in sys.modules if (n == "torch" or n.startswith("torch."))
            and sys.modules[n] is not _proxies.get(n)]
    if real:
        raise RuntimeError("the real torch is already imported in this interpreter; call "
                           "minigrad.torch_compat.install() before anything imports torch")
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    return _module("torch")


def uninstall():
    """Undo install(): forget the torch stand-ins."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(_proxies):
        if sys.modules.get(name) is _proxies[name]:
            del sys.modules[name]
    _proxies.clear()


# ----------------------------------------------------------------------------------- launcher
_CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>torch[\w.]*)'")


def missing_api(exc):
    """The PyTorch name behind `exc` when it means 'minigrad lacks this API', else None."""
    if isinstance(exc, MissingTorchAPI) or isinstance(exc, NotImplementedError) and hasattr(exc, "api"):
        return exc.api  # the second kind: minigrad.onnx.export
    if isinstance(exc, ImportError):
        match = _CANNOT_IMPORT.search(str(exc))
        if match:
            return f"{match['module']}.{match['name']}"
        return None
    if isinstance(exc, AttributeError) and getattr(exc, "obj", None) is not None:
        cls = type(exc.obj)
        if cls.__module__.startswith("minigrad") and not isinstance(exc.obj, types.ModuleType):
            return f"{_torch_path(cls)}.{exc.name}"
    return None


def _torch_path(cls):
    """torch.nn.Linear for minigrad.nn.Linear, torch.Tensor for minigrad.Tensor, ..."""
    for torch_name in ("torch", "torch.nn", "torch.optim", "torch.optim.lr_scheduler",
                       "torch.utils.data"):
        home = sys.modules.get(minigrad_name(torch_name))
        if home is not None and getattr(home, cls.__name__, None) is cls:
            return f"{torch_name}.{cls.__name__}"
    return cls.__name__


def _where(exc, script):
    """'script.py, line N' for the innermost frame of the script in exc's traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) == os.path.abspath(script)]
    return f" ({os.path.basename(script)}, line {frames[-1].lineno})" if frames else ""


def main(argv=None):
    """Run `argv[0]` (a PyTorch script) on minigrad with the arguments argv[1:]."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: python -m {PROG} script.py [script arguments]\n\nRuns a PyTorch script "
              f"unchanged with minigrad registered as torch.", file=sys.stderr)
        return 0 if argv else 2
    script = argv[0]
    if not os.path.isfile(script):
        print(f"{PROG}: no such script: {script}", file=sys.stderr)
        return 2
    install()
    sys.argv[:] = argv  # in place: the script sees its own arguments
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except (MissingTorchAPI, ImportError, AttributeError, NotImplementedError) as exc:
        api = missing_api(exc)
        if api is None:
            raise
        print(f"{PROG}: {api} is not implemented in minigrad{_where(exc, script)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
