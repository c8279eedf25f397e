"""RMSprop, optionally centered and with momentum."""
from __future__ import annotations

from .. import backend as B
from .optimizer import Optimizer, ParamsT, check, state_full

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop with PyTorch's update rule (eps is added outside the square root)."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group):
        check(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        check(group["momentum"] >= 0.0, f"Invalid momentum value: {group['momentum']}")
        check(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")
        check(group["alpha"] >= 0.0, f"Invalid alpha value: {group['alpha']}")

    def _update(self, p, grad, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = state_full(p)
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = state_full(p)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = state_full(p)
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.array
        xp = B.get_array_module(p.array)
        square_avg = state["square_avg"].array
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"].array
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"].array
            buf *= momentum
            buf += grad / avg
            p.array -= group["lr"] * buf
        else:
            p.array += (-group["lr"]) * grad / avg
