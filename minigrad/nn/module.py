"""Module and Parameter: the building blocks of models, with PyTorch's registration, state_dict and repr."""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Set, Tuple, TypeVar

from .. import backend as B
from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["Parameter", "Module"]

M = TypeVar("M", bound="Module")  # methods returning self keep the caller's subclass


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable weight (requires_grad=True by default).

    Assigning a Parameter to a Module attribute adds it to ``module.parameters()``, so optimizers
    and ``state_dict`` see it; a plain Tensor attribute is not registered.

    Args:
        data: the initial values (a Tensor or an array; its storage is shared). None: an empty tensor.
        requires_grad: whether it collects gradients. Default: True.

    Example:
        >>> w = nn.Parameter(minigrad.tensor([1.0, 2.0]))
        >>> w.requires_grad, isinstance(w, minigrad.Tensor)
        (True, True)
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = B.xp_for(None).zeros((0,), dtype=B.default_float().np)
        arr = data.array if isinstance(data, Tensor) else data
        if not B.is_array(arr):
            raise TypeError(f"Parameter: expected a Tensor or array, got {type(data).__name__}")
        Tensor.__init__(self)
        self.array = arr
        if isinstance(data, Tensor):
            self._version = data._version
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (Parameter, (Tensor._make(self.array), self.requires_grad))


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """load_state_dict's result; prints as PyTorch's when every key matched."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class _HookHandle:
    """Returned by register_*_hook: remove() unregisters the hook."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self.hooks.pop(self.key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(hooks, hook, prepend):
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {type(hook).__name__}")
    key = object()
    hooks[key] = hook
    if prepend:
        hooks.move_to_end(key, last=False)
    return _HookHandle(hooks, key)


class Module:
    """Base class of every layer and model: subclass it, create sub-layers in __init__, write forward.

    Attributes that are Parameters, Modules or registered buffers are tracked, so ``parameters()``,
    ``named_modules()``, ``state_dict()``, ``to()``, ``train()`` / ``eval()`` and ``zero_grad()``
    reach the whole tree. Calling the module runs its hooks around ``forward``.

    Example:
        >>> class TwoLayer(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nn.Linear(4, 8)
        ...         self.out = nn.Linear(8, 2)
        ...     def forward(self, x):
        ...         return self.out(self.hidden(x).relu())
        >>> model = TwoLayer()
        >>> model(minigrad.randn(3, 4)).shape
        (3, 2)
        >>> [name for name, _ in model.named_parameters()]
        ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; every subclass defines it."""
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required \"forward\" "
                                  f"function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with_kwargs = self.__dict__.get("_hooks_with_kwargs", ())
        for key, hook in list(self.__dict__.get("_forward_pre_hooks", {}).items()):
            if key in with_kwargs:
                r = hook(self, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {r}.")
                    args, kwargs = r
                continue
            r = hook(self, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
        out = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            r = hook(self, args, kwargs, out) if key in with_kwargs else hook(self, args, out)
            if r is not None:
                out = r
        return out

    def _register_hook(self, store, hook, prepend, with_kwargs):
        if store not in self.__dict__:  # a module pickled before this kind of hook existed
            object.__setattr__(self, store, OrderedDict())
        handle = _add_hook(self.__dict__[store], hook, prepend)
        if with_kwargs:
            if "_hooks_with_kwargs" not in self.__dict__:
                object.__setattr__(self, "_hooks_with_kwargs", set())
            self._hooks_with_kwargs.add(handle.key)
        return handle

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False) -> _HookHandle:
        """Call hook(module, inputs, output) after every forward (hook(module, inputs, kwargs, output)
        with with_kwargs=True); a non-None result replaces the output. Returns a handle with remove()."""
        return self._register_hook("_forward_hooks", hook, prepend, with_kwargs)

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> _HookHandle:
        """Call hook(module, inputs) before every forward; a non-None result replaces the inputs
        (with with_kwargs=True: hook(module, inputs, kwargs) may return new (inputs, kwargs))."""
        return self._register_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    # ------------------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign attributes before Module.__init__() call")
        params, modules, buffers = self._parameters, self._modules, self._buffers
        if isinstance(value, Parameter):
            self._discard(name, keep=params)
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                f"(minigrad.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._discard(name, keep=modules)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                f"(minigrad.nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(minigrad.Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _discard(self, name, keep=None):
        # the store that will receive `name` keeps its entry, so a re-assignment keeps its position
        for d in (self._parameters, self._modules, self._buffers):
            if d is not keep:
                d.pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        return sorted(k for k in keys if not k[0].isdigit())  # '0', '1' of Sequential are no attributes

    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        """Add a Parameter (or None) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            f"(minigrad.nn.Parameter or None required)")
        self._check_name(name, self._parameters, "parameter")
        self._discard(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Optional[Tensor], persistent: bool = True) -> None:
        """Add a non-learnable tensor (saved in state_dict unless persistent=False)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            f"(minigrad.Tensor or None required)")
        self._check_name(name, self._buffers, "buffer")
        self._discard(name, keep=self._buffers)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Optional[Module]) -> None:
        """Add a child module under `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, self._modules, "module")
        self._discard(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    def _check_name(self, name, store, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if not name:
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\", got: {name}")
        if hasattr(self, name) and name not in store:  # a plain attribute or an entry of another kind
            raise KeyError(f"attribute '{name}' already exists")

    # ------------------------------------------------------------------------------ iteration
    def named_modules(self, memo: Optional[Set[int]] = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[Tuple[str, Module]]:
        """Yield (dotted name, module) for this module and every descendant."""
        if memo is None:
            memo = set()
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, prefix + ("." if prefix else "") + name,
                                               remove_duplicate)

    def get_submodule(self, target: str) -> Module:
        """The descendant module at dotted path `target` ('' is this module)."""
        mod = self
        for item in target.split(".") if target else ():
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path `target` (e.g. 'encoder.0.weight')."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path `target` (e.g. 'norm.running_mean')."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return mod._buffers[name]

    def modules(self) -> Iterator[Module]:
        """Every module in the tree, this one first."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[Tuple[str, Module]]:
        """Yield (name, module) for the direct children."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct child modules."""
        for _, m in self.named_children():
            yield m

    def _named_members(self, store, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                else [(prefix, self)])
        for mod_prefix, mod in mods:
            for name, value in getattr(mod, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[Tuple[str, Parameter]]:
        """Yield (dotted name, Parameter) pairs, each shared parameter once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every Parameter of this module (and its descendants)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[Tuple[str, Tensor]]:
        """Yield (dotted name, buffer) pairs."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module (and its descendants)."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -------------------------------------------------------------------------------- modes
    def train(self: M, mode: bool = True) -> M:
        """Set training mode (dropout active) on this module and its descendants."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self: M) -> M:
        """Set evaluation mode (dropout off)."""
        return self.train(False)

    def requires_grad_(self: M, requires_grad: bool = True) -> M:
        """Set requires_grad on every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (to None by default)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.array[...] = 0

    def apply(self: M, fn: Callable[[Module], None]) -> M:
        """Call fn(module) on every descendant (children first) and on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------------ device, dtype
    def _convert(self, fn):
        with no_grad():
            for m in self.modules():
                for store in (m._parameters, m._buffers):
                    for key, t in store.items():
                        if t is None:
                            continue
                        new = fn(t)
                        if new is not t.array:
                            t.array = new
                            t._bump()
                        if t.grad is not None:
                            g = fn(t.grad)
                            if g is not t.grad.array:
                                t.grad = Tensor._make(g)
        return self

    def to(self: M, *args: Any, device: Any = None, dtype: Any = None, non_blocking: bool = False) -> M:
        """Move parameters and buffers to a device and/or cast floating ones to a dtype (in place)."""
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (str, B.Device)):
                device = a
            else:
                dtype = a
        dev = B.as_device(device) if device is not None else None
        dt = B.to_dtype(dtype) if dtype is not None else None
        if dt is not None and not dt.is_floating_point:
            raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={dt}")
        if dev is not None and dev.type == "cuda":
            B.xp_for(dev)

        def convert(t):
            arr = t.array
            if dev is not None:
                arr = B.to_device(arr, dev)
            if dt is not None and arr.dtype.kind == "f" and arr.dtype != dt.np:
                arr = arr.astype(dt.np)
            return arr
        return self._convert(convert)

    def cpu(self: M) -> M:
        """Move everything to the cpu."""
        return self.to("cpu")

    def cuda(self: M, device: Any = None) -> M:
        """Move everything to the GPU (needs CuPy)."""
        return self.to("cuda")

    def float(self: M) -> M:
        """Cast floating parameters and buffers to float32."""
        return self.to(B.float32)

    def double(self: M) -> M:
        """Cast floating parameters and buffers to float64."""
        return self.to(B.float64)

    def half(self: M) -> M:
        """Cast floating parameters and buffers to float16."""
        return self.to(B.float16)

    # -------------------------------------------------------------------------- state_dict
    def state_dict(self, destination: Optional[Dict[str, Tensor]] = None, prefix: str = "",
                   keep_vars: bool = False) -> Dict[str, Tensor]:
        """An ordered dict of every parameter and persistent buffer by dotted name."""
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                destination[prefix + name] = b if keep_vars else b.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copy parameters and buffers from `state_dict` (Tensors or arrays), checking keys and shapes.

        With strict=True every missing key, unexpected key and shape mismatch is reported in one error.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        updates = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = value.array if isinstance(value, Tensor) else value
            if not B.is_array(arr):
                try:
                    arr = B.np.asarray(arr)
                except Exception:
                    arr = None
            if arr is None or arr.dtype.kind not in "biuf":
                got = type(value).__name__ + ("" if arr is None else f" of dtype {arr.dtype}")
                errors.append(f'While copying the parameter named "{key}", expected a Tensor or '
                              f'array of numbers but got {got}.')
                continue
            if target.ndim == 0 and tuple(arr.shape) == (1,):  # old checkpoints saved scalars as (1,)
                arr = arr.reshape(())
            if tuple(arr.shape) != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{tuple(arr.shape)} from checkpoint, the shape in current model is "
                              f"{target.shape}.")
                continue
            try:  # convert everything before writing anything: a failed load changes nothing
                arr = B.to_device(arr, target.device).astype(target.array.dtype, copy=False)
            except Exception as exc:
                errors.append(f'While copying the parameter named "{key}", converting to '
                              f"{target.dtype} on {target.device} failed: {exc}")
                continue
            updates.append((target, arr))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for target, arr in updates:
                target.array[...] = arr
                target._bump()
        return _IncompatibleKeys(missing, unexpected)

    def summary(self, *inputs: Any, **kwargs: Any) -> Any:
        """Print and return a table of each submodule's output shape and parameters for model(*inputs)."""
        from .utils.summary import summary
        return summary(self, *inputs, **kwargs)

    # -------------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The layer's own arguments shown inside its repr (override in layers)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(m), 2) for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
