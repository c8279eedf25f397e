"""RMSprop, optionally centered and with momentum."""
from __future__ import annotations

from .. import backend as B
from .optimizer import Optimizer, ParamsT, check, state_full

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes): divide the gradient by a running root mean square of it.

    Each step for every parameter θ with gradient g (lr γ, smoothing α, momentum μ, weight decay λ):

        g ← g + λ θ                         (if weight_decay != 0)
        v ← α v + (1 - α) g²
        d = √v + ε,  or with centered: ḡ ← α ḡ + (1 - α) g,  d = √(v - ḡ²) + ε
        b ← μ b + g / d,  θ ← θ - γ b       (if momentum > 0)
        θ ← θ - γ g / d                     (otherwise)

    Args:
        params: an iterable of Tensors to optimise, or of dicts (parameter groups) each with a
            'params' entry and any of the options below to override them for that group.
        lr: learning rate γ. Default: 1e-2.
        alpha: smoothing constant α. Default: 0.99.
        eps: ε, added outside the square root. Default: 1e-8.
        weight_decay: L2 penalty λ. Default: 0.
        momentum: momentum factor μ. Default: 0.
        centered: normalise by an estimate of the variance instead of the raw second moment.
            Default: False.
        maximize: ascend the objective instead of descending it. Default: False.

    Example:
        >>> w = nn.Parameter(minigrad.tensor([1.0, -2.0]))
        >>> opt = minigrad.optim.RMSprop([w], lr=0.01)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     loss = (w ** 2).sum()
        ...     loss.backward()
        ...     opt.step()
        >>> w.detach()
        tensor([ 0.8329, -1.8309])
    """

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
