"""The typed public API: every public function and method of the modules mypy checks (pyproject's
[tool.mypy] files) carries annotations, and the package says so with py.typed."""
import importlib
import inspect
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def checked_modules():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        files = tomllib.load(f)["tool"]["mypy"]["files"]
    names = []
    for entry in files:
        path = os.path.join(ROOT, entry)
        paths = ([os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".py")]
                 if os.path.isdir(path) else [path])
        for p in paths:
            rel = os.path.relpath(p, ROOT)[:-3].replace(os.sep, ".")
            names.append(rel[:-len(".__init__")] if rel.endswith(".__init__") else rel)
    return names


def public_callables(module):
    """(qualified name, function) of the module's own public functions and public classes' methods."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr not in ("__init__", "__call__", "__getitem__", "__len__",
                                                         "__iter__", "__new__"):
                    continue
                func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                func = func.fget if isinstance(func, property) else func
                if inspect.isfunction(func):
                    yield f"{name}.{attr}", func


@pytest.mark.parametrize("module_name", checked_modules())
def test_public_api_is_annotated(module_name):
    if module_name == "minigrad.utils.tensorboard":
        pytest.importorskip("tensorboard")
    module = importlib.import_module(module_name)
    missing = []
    for qualname, func in public_callables(module):
        sig = inspect.signature(func)
        params = [p for i, (n, p) in enumerate(sig.parameters.items())
                  if not (i == 0 and n in ("self", "cls"))]
        if any(p.annotation is inspect.Parameter.empty for p in params):
            missing.append(qualname + " (parameters)")
        if sig.return_annotation is inspect.Signature.empty:
            missing.append(qualname + " (return)")
    assert not missing, f"{module_name}: unannotated public API: {', '.join(missing)}"


def test_checked_surface_covers_the_public_packages():
    names = set(checked_modules())
    for required in ("minigrad.nn.module", "minigrad.nn.functional", "minigrad.nn.rnn",
                     "minigrad.optim.optimizer", "minigrad.data.dataloader", "minigrad.interchange"):
        assert required in names


def test_package_is_marked_typed():
    assert os.path.isfile(os.path.join(ROOT, "minigrad", "py.typed"))
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        package_data = tomllib.load(f)["tool"]["setuptools"]["package-data"]["minigrad"]
    assert "py.typed" in package_data
