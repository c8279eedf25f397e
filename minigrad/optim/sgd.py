"""SGD with optional momentum, dampening, Nesterov momentum, L2 weight decay and maximisation."""
from __future__ import annotations

from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum, as in PyTorch.

    Each step, for every parameter θ with gradient g (lr γ, momentum μ, dampening τ, weight decay λ):

        g ← g + λ θ                              (if weight_decay != 0)
        b ← g              at the first step      (if momentum != 0)
        b ← μ b + (1 - τ) g  afterwards
        g ← g + μ b  (nesterov)   or   g ← b
        θ ← θ - γ g

    Args:
        params: an iterable of Tensors to optimise, or of dicts (parameter groups) each with a
            'params' entry and any of the options below to override them for that group.
        lr: learning rate γ. Default: 1e-3.
        momentum: momentum factor μ. Default: 0.
        dampening: dampening τ of the momentum. Default: 0.
        weight_decay: L2 penalty λ. Default: 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening = 0). Default: False.
        maximize: ascend the objective instead of descending it. Default: False.

    Example:
        >>> w = nn.Parameter(minigrad.tensor([1.0, -2.0]))
        >>> opt = minigrad.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     loss = (w ** 2).sum()
        ...     loss.backward()
        ...     opt.step()
        >>> w.detach()
        tensor([ 0.4600, -0.9200])
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group):
        check(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check(group["momentum"] >= 0.0, f"Invalid momentum value: {group['momentum']}")
        check(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")
        check(not group["nesterov"] or (group["momentum"] > 0 and group["dampening"] == 0),
              "Nesterov momentum requires a momentum and zero dampening")

    def _update(self, p, grad, state, group):
        momentum = group["momentum"]
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.array
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor._make(grad.copy())
            else:
                buf.array *= momentum
                buf.array += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf.array if group["nesterov"] else buf.array
        p.array -= group["lr"] * grad
