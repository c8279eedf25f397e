"""The autograd side of Tensor: backward, requires_grad_, retain_grad and gradient hooks.

A base class of Tensor (like ViewTracking in views.py), so tensor.py stays about the data type; these
methods only read and write the bookkeeping fields the engine in autograd.py uses (grad_fn,
_output_nr, _hooks, the node's _retained and _hooks)."""
import weakref

from .autograd import PostAccumulateGradHook, backward as _run_backward


class _HookHandle:
    """Returned by register_hook: .remove() unregisters the hook."""
    def __init__(self, hooks, fn):
        self.hooks, self.fn = hooks, fn

    def remove(self):
        """Unregister the hook."""
        if self.fn in self.hooks:
            self.hooks.remove(self.fn)


class AutogradMethods:
    """Methods of Tensor that drive or observe the backward pass."""
    __slots__ = ()

    def backward(self, gradient=None, retain_graph=False, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the .grad of every leaf that requires grad."""
        if create_graph:
            raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
        _run_backward([self], [gradient], retain_graph=bool(retain_graph), inputs=inputs)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep .grad for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        node = self.grad_fn
        return bool(node is not None and node._retained and self._output_nr in node._retained)

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._hooks is None:
                node._hooks = {}
            hooks = node._hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(tensor) on a leaf right after backward has accumulated into its .grad.

        Fires as soon as this leaf's last gradient contribution arrives, while the rest of the
        backward pass continues (DistributedDataParallel starts its all-reduces this way).
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._hooks is None:
            self._hooks = []
        wrapped = PostAccumulateGradHook(hook)
        self._hooks.append(wrapped)
        return _HookHandle(self._hooks, wrapped)
