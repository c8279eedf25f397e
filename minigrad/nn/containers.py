"""Container modules: Sequential, ModuleList and ModuleDict (PyTorch's names, indexing and repr)."""
from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sized, Tuple, TypeVar, Union, cast
import operator
from collections import OrderedDict
from collections.abc import Iterable

from .module import Module, _addindent

C = TypeVar("C", bound=Module)  # methods returning self keep the container's type

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


def _position(idx, n, cls):
    """A list index (possibly negative) checked against length n."""
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range for {cls} of length {n}")
    return idx % n


class Sequential(Module):
    """Chains modules: forward(x) feeds x through each child in order.

    Built from modules (`Sequential(a, b)`, named '0', '1', ...) or one OrderedDict of name -> module.
    Indexing, slicing, len(), iteration, append and insert work as for a list.

    Args:
        *args: the modules in order, or one OrderedDict mapping names to modules.

    Shape:
        - Input: what the first module takes.
        - Output: what the last module returns.

    Example:
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> model(minigrad.randn(3, 4)).shape
        (3, 2)
        >>> model[0]
        Linear(in_features=4, out_features=8, bias=True)
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def _renumber(self):
        object.__setattr__(self, "_modules", OrderedDict(
            (str(i), m) for i, m in enumerate(self._modules.values())))

    def __getitem__(self, idx: Union[int, slice]) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        key = list(self._modules)[_position(idx, len(self), type(self).__name__)]
        return self._modules[key]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_position(idx, len(self), type(self).__name__)]
        self.add_module(key, module)

    def __delitem__(self, idx: Union[int, slice]) -> None:
        keys = list(self._modules)
        targets = keys[idx] if isinstance(idx, slice) else [keys[_position(idx, len(self), "Sequential")]]
        for key in targets:
            del self._modules[key]
        self._renumber()

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules.values())

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other).__name__} is given.")
        out = Sequential()
        for m in list(self) + list(other):
            out.append(m)
        return out

    def __iadd__(self: C, other: Any) -> C:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other).__name__} is given.")
        return self.extend(list(other))

    def _check_factor(self, other):
        if not isinstance(other, int) or isinstance(other, bool):
            raise TypeError(f"unsupported operand type(s) for *: {type(self).__name__} and "
                            f"{type(other).__name__}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self).__name__}")

    def __mul__(self, other: int) -> Any:
        self._check_factor(other)
        return Sequential(*(list(self) * other))  # the same modules repeated (shared, as in PyTorch)

    __rmul__ = __mul__

    def __imul__(self: C, other: int) -> C:
        self._check_factor(other)
        return self.extend(list(self) * (other - 1))

    def append(self: C, module: Module) -> C:
        """Add `module` at the end (named by its position)."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self: C, index: int, module: Module) -> C:
        """Insert `module` before position `index`."""
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        if index < 0:
            index += n
        mods = list(self._modules.values())
        mods.insert(index, module)
        object.__setattr__(self, "_modules", OrderedDict((str(i), m) for i, m in enumerate(mods)))
        return self

    def extend(self: C, sequential: Iterable[Module]) -> C:
        """Append every module of an iterable."""
        for m in sequential:
            self.append(m)
        return self

    def pop(self, key: Any) -> Module:
        """Remove and return the module at position `key`."""
        module = self[key]
        del self[key]
        return module

    def forward(self, input: Any) -> Any:
        """Apply each child in order to the output of the previous one."""
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules whose parameters are registered (named '0', '1', ...); no forward of its own.

    Use it for a variable number of layers, which a plain Python list would hide from
    ``parameters()``.

    Args:
        modules: an iterable of modules to start with (optional).

    Example:
        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> len(layers), len(list(layers.parameters()))
        (3, 6)
    """

    def __init__(self, modules: Optional[Any] = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: Union[int, slice]) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_position(idx, len(self), type(self).__name__))]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_position(idx, len(self), type(self).__name__)), module)

    def __delitem__(self, idx: Union[int, slice]) -> None:
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                del self._modules[str(k)]
        else:
            del self._modules[str(_position(idx, len(self), type(self).__name__))]
        object.__setattr__(self, "_modules", OrderedDict(
            (str(i), m) for i, m in enumerate(self._modules.values())))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules.values())

    def __iadd__(self: C, modules: Iterable[Module]) -> C:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(list(self) + list(other))

    def append(self: C, module: Module) -> C:
        """Add `module` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self: C, modules: Iterable[Module]) -> C:
        """Append every module of an iterable."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{type(modules).__name__}")
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert `module` before position `index`."""
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def pop(self, key: Any) -> Module:
        """Remove and return the module at position `key`."""
        module = self[key]
        del self[key]
        return module

    def __repr__(self) -> str:
        # runs of identical consecutive children print once, as "(0-2): 3 x Linear(...)"
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs: List[List[Any]] = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = []
        for start, end, r in runs:
            text = f"({start}): {r}" if start == end else f"({start}-{end}): {end - start + 1} x {r}"
            lines.append(_addindent(text, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of name -> module whose parameters are registered under those names.

    Args:
        modules: a mapping or an iterable of (name, module) pairs to start with (optional).

    Example:
        >>> heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Linear(8, 1)})
        >>> heads["reg"](minigrad.randn(2, 8)).shape, sorted(heads.keys())
        ((2, 1), ['cls', 'reg'])
    """

    def __init__(self, modules: Optional[Any] = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: Any) -> Module:
        """Remove `key` and return its module."""
        module = self[key]
        del self[key]
        return module

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._modules.keys()

    def items(self) -> Iterable[Tuple[str, Module]]:
        """(name, module) pairs."""
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        """The modules."""
        return self._modules.values()

    def update(self, modules: Any) -> None:
        """Add modules from a mapping or an iterable of (name, module) pairs."""
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleDict.update should be called with an iterable of key/value pairs, "
                            f"but got {type(modules).__name__}")
        pairs = modules.items() if hasattr(modules, "items") else modules
        pair: Any
        for j, pair in enumerate(pairs):
            if hasattr(modules, "items"):
                key, module = pair
            else:
                if not isinstance(pair, Iterable):
                    raise TypeError(f"ModuleDict update sequence element #{j} should be Iterable; is "
                                    f"{type(pair).__name__}")
                if len(cast(Sized, pair)) != 2:
                    raise ValueError(f"ModuleDict update sequence element #{j} has length "
                                     f"{len(cast(Sized, pair))}; 2 is required")
                key, module = pair
            self[key] = module
