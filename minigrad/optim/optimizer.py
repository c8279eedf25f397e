"""Optimizer: the base class holding parameter groups, per-parameter state and their (de)serialisation."""
from __future__ import annotations

from typing import Any, Callable, DefaultDict, Dict, Iterable, List, Optional, Union
import copy
from collections import defaultdict

from .. import backend as B
from ..autograd import enable_grad
from ..tensor import Tensor

# what an optimizer accepts: tensors, or dicts {"params": tensors, option: value} (parameter groups)
ParamsT = Union[Iterable[Tensor], Iterable[Dict[str, Any]]]

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must set itself (e.g. an lr with no default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_SET_MESSAGE = ("optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead.")


def state_full(p: Tensor, value: float = 0.0) -> Tensor:
    """A state tensor shaped like parameter `p`, on its device and of its dtype, filled with `value`."""
    xp = B.get_array_module(p.array)
    return Tensor._make(xp.full(p.array.shape, value, dtype=p.array.dtype))


def check(ok: Any, message: str) -> None:
    """Raise ValueError(message) unless `ok` (hyper-parameter validation)."""
    if not ok:
        raise ValueError(message)


class Optimizer:
    """Base class of optimizers: ``param_groups`` (dicts of params and options) plus ``state`` per parameter.

    Subclasses implement ``_update(p, grad, state, group)``, which changes ``p.array`` in place from the
    gradient array ``grad``; ``step`` calls it for every parameter whose ``.grad`` is not None.

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups) each holding 'params' and
            options that override ``defaults`` for that group.
        defaults: the options (lr, ...) of every group that does not set them itself.

    Attributes:
        param_groups: list of dicts, each with 'params' (a list of Tensors) and its options.
        state: dict from parameter to its per-parameter state (momentum buffers, step counts...).

    Example:
        >>> model = nn.Linear(2, 1)
        >>> opt = minigrad.optim.SGD([{"params": [model.weight]},
        ...                           {"params": [model.bias], "lr": 0.5}], lr=0.1)
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
        >>> sorted(opt.state_dict())
        ['param_groups', 'state']
    """

    def __init__(self, params: ParamsT, defaults: Dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            "or dicts, but got " + type(params).__name__)
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        self.defaults = defaults
        self.state: DefaultDict[Tensor, Dict[str, Any]] = defaultdict(dict)
        self.param_groups: List[Dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _validate(self, group):
        """Check a group's hyper-parameters; subclasses raise ValueError for bad values."""

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Add a group of parameters (a dict with 'params' and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # (name, tensor) pairs, as PyTorch allows
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names "
                                 "are missing")
            param_group["param_names"] = names
        param_group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(p).__name__)
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization "
                                 "parameter " + name)
            param_group.setdefault(name, default)
        self._validate(param_group)
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        for group in self.param_groups:
            if ("param_names" in group) != ("param_names" in param_group):
                raise ValueError("all optimizer param groups should be with/without names. cannot add "
                                 "param group " + ("with" if names else "without") + " names to the "
                                 "optimizer")
            if any(id(p) in ids for p in group["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_()
                    p.grad.zero_()

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Update every parameter that has a gradient; returns the loss `closure()` computed, if given."""
        self._opt_called = True  # lets a scheduler warn when it is stepped before the optimizer
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = [(p, group) for group in self.param_groups for p in group["params"] if p.grad is not None]
        for p, group in work:  # check everything first: a step either updates every parameter or none
            if p.grad.shape != p.shape:
                raise RuntimeError(f"{type(self).__name__}.step: the gradient of "
                                   f"{self._param_name(p)} has shape {tuple(p.grad.shape)}, the "
                                   f"parameter has shape {tuple(p.shape)}")
            if p in self.state:
                _check_state(self._param_name(p), p, self.state[p], type(self).__name__ + ".step")
        for p, group in work:
            self._update(p, p.grad.array, self.state[p], group)
            p._bump()
        return loss

    def _param_name(self, p):
        """How error messages name parameter `p`: its name when groups carry names, else its index."""
        index = 0
        for g, group in enumerate(self.param_groups):
            for i, q in enumerate(group["params"]):
                if q is p:
                    if "param_names" in group:
                        return f"parameter {group['param_names'][i]!r}"
                    return f"parameter {index} (group {g})"
                index += 1
        return "a parameter"

    def _update(self, p, grad, state, group):
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # ------------------------------------------------------------------------------ state dicts
    def state_dict(self) -> Dict[str, Any]:
        """A snapshot in PyTorch's layout: {'state': {index: {...}}, 'param_groups': [{'params': [i], ...}]}.

        Parameters are numbered in group order; state tensors are copies (PyTorch returns references),
        so the snapshot does not change as training goes on.
        """
        index: Dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for key, value in self.state.items():
            key = index[id(key)] if isinstance(key, Tensor) else key
            state[key] = {k: _snapshot(v) for k, v in value.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore hyper-parameters and state saved by `state_dict` (tensors are copied onto each
        parameter's device and dtype)."""
        saved = copy.deepcopy(state_dict["param_groups"])
        if len(saved) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(s["params"]) != len(g["params"]) for s, g in zip(saved, self.param_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size "
                             "of optimizer's group")
        by_index: Dict[int, Tensor] = {}
        for s, g in zip(saved, self.param_groups):
            by_index.update(zip((_index(i) for i in s["params"]), g["params"]))
        state: DefaultDict[Tensor, Dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            p = by_index.get(_index(key))
            if p is None:
                state[key] = copy.deepcopy(value)
            else:
                state[p] = {k: _cast(p, k, v) for k, v in value.items()}
                _check_state(self._param_name(p), p, state[p], "load_state_dict")
        for s, g in zip(saved, self.param_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            for name, default in self.defaults.items():
                s.setdefault(name, default)
        self.state = state
        self.param_groups = saved

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _index(key):
    """A parameter index from a state-dict key (ints may come back from a file as strings)."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return key


def _check_state(name, p, state, where):
    """RuntimeError unless every tensor in a parameter's state has the parameter's shape and dtype."""
    for key, value in state.items():
        if not isinstance(value, Tensor) or key == "step":
            continue
        if value.shape != p.shape:
            raise RuntimeError(f"{where}: the state {key!r} of {name} has shape {tuple(value.shape)}, "
                               f"the parameter has shape {tuple(p.shape)}")
        if value.dtype != p.dtype:
            raise RuntimeError(f"{where}: the state {key!r} of {name} has dtype {value.dtype}, the "
                               f"parameter has dtype {p.dtype}")


def _snapshot(value):
    """A copy of a state value: tensors get their own array, containers are copied recursively."""
    if isinstance(value, Tensor):
        return Tensor._make(value.array.copy())
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return value


def _cast(p, key, value):
    """A copy of a loaded state value for parameter `p`: arrays move to p's device (and float dtype)."""
    if isinstance(value, Tensor) or B.is_array(value):
        arr = value.array if isinstance(value, Tensor) else value
        if key == "step" and arr.size == 1:
            return arr.item()  # a PyTorch-style step tensor becomes a plain number
        arr = B.to_device(arr, p.device)
        dt = p.array.dtype if p.dtype.is_floating_point and arr.dtype.kind == "f" else arr.dtype
        return Tensor._make(B.get_array_module(arr).array(arr, dtype=dt, copy=True))
    if isinstance(value, dict):
        return {k: _cast(p, k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(p, None, v) for v in value)
    return value
