"""The core's layering, checked from the source with `ast` (nothing is imported to check it).

    backend, grad_mode, errors  <-  autograd  <-  primitives/*  <-  views, tensor  <-  ops/*, creation  <-  nn, optim, data, ...

A module may import only from its own layer or the layers below it, there is no import cycle
anywhere in minigrad/ (module-level and function-level imports alike), and no module writes into
another module's namespace (the injected `_Tensor` globals this layering replaced).  The one place
the engine learns about Tensor is the documented `autograd.register_tensor_class(Tensor)` call in
tensor.py.
"""
import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "minigrad")

# what each lower layer may import (besides itself); everything else may import anything below it
ALLOWED = {
    "minigrad.backend": set(),
    "minigrad.threads": {"minigrad.backend"},   # thread policy: backend level (threadpoolctl, /proc)
    "minigrad.grad_mode": set(),
    "minigrad.autograd": {"minigrad.backend", "minigrad.grad_mode"},
    "minigrad.primitives": {"minigrad.backend", "minigrad.threads", "minigrad.grad_mode",
                            "minigrad.autograd", "minigrad.primitives"},
    "minigrad._tensor_str": {"minigrad.backend"},
    "minigrad.views": {"minigrad.backend", "minigrad.grad_mode", "minigrad.autograd",
                       "minigrad.primitives"},
    "minigrad.tensor": {"minigrad.backend", "minigrad.grad_mode", "minigrad.autograd",
                        "minigrad.primitives", "minigrad._tensor_str", "minigrad.views"},
}
BELOW_OPS = {"minigrad.backend", "minigrad.threads", "minigrad.grad_mode", "minigrad.autograd",
             "minigrad.primitives", "minigrad._tensor_str", "minigrad.views", "minigrad.tensor", "minigrad.ops"}
# minigrad.errors (exception classes that are also PyTorch's; it imports nothing) is the floor:
# every layer may raise them
ALLOWED["minigrad.errors"] = set()
for _deps in ALLOWED.values():
    _deps.add("minigrad.errors")
BELOW_OPS.add("minigrad.errors")


def modules(root, package):
    """{dotted module name: path} of every .py file under `root` (a package directory)."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, f), root)[:-3].split(os.sep)
                if rel[-1] == "__init__":
                    rel = rel[:-1]
                out[".".join([package] + rel)] = os.path.join(dirpath, f)
    return out


def _owner(name, mods):
    """The module that `name` (a module or an attribute path) lives in."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name


def import_graph(root, package):
    """{module: set of the package's modules it imports}, at any depth of the file."""
    mods = modules(root, package)
    graph = {}
    for mod, path in mods.items():
        is_pkg = path.endswith("__init__.py")
        deps = set()
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod if is_pkg else mod.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        base = base.rpartition(".")[0]
                    src = f"{base}.{node.module}" if node.module else base
                else:
                    src = node.module or ""
                for a in node.names:  # `from . import x` names a submodule when one exists
                    targets.append(f"{src}.{a.name}" if f"{src}.{a.name}" in mods else src)
            for t in targets:
                owner = _owner(t, mods)
                if owner and owner != mod:
                    deps.add(owner)
        graph[mod] = deps
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def _layer(mod):
    return next((k for k in sorted(ALLOWED, key=len, reverse=True)
                 if mod == k or mod.startswith(k + ".")), None)


def upward_imports(graph):
    """(module, imported module) pairs that break the layering."""
    bad = []
    for mod, deps in graph.items():
        layer = _layer(mod)
        for d in deps:
            if layer is not None:
                if not (_layer(d) == layer or _layer(d) in ALLOWED[layer]):
                    bad.append((mod, d))
            elif mod.startswith("minigrad.ops") and not (
                    d.startswith("minigrad.ops") or _layer(d) in BELOW_OPS):
                bad.append((mod, d))
    return sorted(bad)


# the interpreter's documented hook points, made to be assigned (minigrad.distributed's abort hook)
INTERPRETER_HOOKS = {"sys.excepthook"}


def namespace_writes(root, package):
    """(module, text) for every assignment into another module's namespace, and every call of
    register_tensor_class outside tensor.py."""
    found = []
    for mod, path in modules(root, package).items():
        tree = ast.parse(open(path, encoding="utf-8").read())
        imported = {a.asname or a.name.split(".")[0] for n in ast.walk(tree)
                    if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                    for sub in ast.walk(t):
                        if (isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name)
                                and sub.value.id in imported and isinstance(sub.ctx, ast.Store)
                                and ast.unparse(sub) not in INTERPRETER_HOOKS):
                            found.append((mod, ast.unparse(t)))
            if (isinstance(node, ast.Call) and "register_tensor_class" in ast.unparse(node.func)
                    and mod != f"{package}.tensor"):
                found.append((mod, ast.unparse(node)))
            if isinstance(node, ast.FunctionDef) and node.name == "_T":
                found.append((mod, "def _T"))
    return found


# ------------------------------------------------------------------------------------ minigrad
def test_no_import_cycle_in_minigrad():
    assert find_cycle(import_graph(ROOT, "minigrad")) is None


def test_layers_only_import_downward():
    assert upward_imports(import_graph(ROOT, "minigrad")) == []


def test_primitives_never_import_tensor_ops_or_nn():
    graph = import_graph(ROOT, "minigrad")
    prims = {m: d for m, d in graph.items() if m.startswith("minigrad.primitives")}
    assert len(prims) >= 9  # base, elementwise, reduce, shape, index, matmul, nn, recurrent(+cuda)
    for mod, deps in prims.items():
        assert not {d for d in deps if d.split(".")[1] in ("tensor", "ops", "nn", "views")}, mod


def test_tensor_imports_only_the_layers_below():
    deps = import_graph(ROOT, "minigrad")["minigrad.tensor"]
    assert "minigrad.ops" not in deps and not any(d.startswith("minigrad.ops.") for d in deps)
    assert any(d.startswith("minigrad.primitives") for d in deps)


def test_no_module_writes_into_another():
    assert namespace_writes(ROOT, "minigrad") == []


# ------------------------------------------------------------- the checks can fail (toy trees)
def _tree(tmp_path, files):
    for name, text in files.items():
        p = tmp_path / "pkg" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return str(tmp_path / "pkg")


def test_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    root = _tree(tmp_path, {"__init__.py": "", "a.py": "from . import b\n",
                            "b.py": "def f():\n    from .a import g\n"})
    assert find_cycle(import_graph(root, "pkg")) == ["pkg.a", "pkg.b", "pkg.a"]


def test_checker_finds_no_cycle_in_a_chain(tmp_path):
    root = _tree(tmp_path, {"__init__.py": "", "a.py": "from . import b\n", "b.py": "import os\n"})
    assert find_cycle(import_graph(root, "pkg")) is None


def test_checker_flags_an_upward_import_from_a_primitive():
    graph = {"minigrad.primitives.elementwise": {"minigrad.tensor", "minigrad.backend"},
             "minigrad.tensor": {"minigrad.primitives.elementwise"}}
    assert upward_imports(graph) == [("minigrad.primitives.elementwise", "minigrad.tensor")]


def test_checker_flags_an_injected_global(tmp_path):
    root = _tree(tmp_path, {"__init__.py": "", "tensor.py": "class Tensor: pass\n",
                            "ops.py": "from . import tensor as T\nT.Tensor = None\n"})
    assert namespace_writes(root, "pkg") == [("pkg.ops", "T.Tensor")]


@pytest.mark.parametrize("text", ["from . import autograd\nautograd.register_tensor_class(int)\n",
                                  "def _T():\n    return None\n"])
def test_checker_flags_a_hook_outside_tensor_py(tmp_path, text):
    root = _tree(tmp_path, {"__init__.py": "", "autograd.py": "", "other.py": text})
    assert [m for m, _ in namespace_writes(root, "pkg")] == ["pkg.other"]
