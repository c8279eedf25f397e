"""SGD with optional momentum, dampening, Nesterov momentum, L2 weight decay and maximisation."""
from __future__ import annotations

from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with PyTorch's update rule (the momentum buffer starts at the gradient)."""

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
