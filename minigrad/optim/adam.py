"""Adam (with optional AMSGrad) and AdamW (decoupled weight decay)."""
from __future__ import annotations

from typing import Tuple
import math

from .. import backend as B
from .optimizer import Optimizer, ParamsT, check, state_full

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), with PyTorch's update rule and optional AMSGrad.

    Each step t = 1, 2, ... for every parameter θ with gradient g (lr γ, betas β1 and β2, weight
    decay λ):

        g ← g + λ θ              (or θ ← θ (1 - γ λ) with decoupled_weight_decay)
        m ← β1 m + (1 - β1) g
        v ← β2 v + (1 - β2) g²
        v_max ← max(v_max, v)    (amsgrad only; v_max then replaces v below)
        θ ← θ - γ / (1 - β1^t) · m / (√(v / (1 - β2^t)) + ε)

    Args:
        params: an iterable of Tensors to optimise, or of dicts (parameter groups) each with a
            'params' entry and any of the options below to override them for that group.
        lr: learning rate γ. Default: 1e-3.
        betas: (β1, β2), decay rates of the running averages of g and g². Default: (0.9, 0.999).
        eps: ε, added to the denominator for stability. Default: 1e-8.
        weight_decay: λ, an L2 penalty (coupled). Default: 0.
        amsgrad: use the AMSGrad variant (the maximum of all v so far). Default: False.
        maximize: ascend the objective instead of descending it. Default: False.
        decoupled_weight_decay: shrink θ directly instead of adding λθ to g; this is `AdamW`.
            Default: False.

    Example:
        >>> w = nn.Parameter(minigrad.tensor([1.0, -2.0]))
        >>> opt = minigrad.optim.Adam([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     loss = (w ** 2).sum()
        ...     loss.backward()
        ...     opt.step()
        >>> w.detach()
        tensor([ 0.8004, -1.8002])
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        self._validate(defaults)
        super().__init__(params, defaults)

    def _validate(self, group):
        betas = group["betas"]
        check(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        check(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")

    def _update(self, p, grad, state, group):
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = state_full(p)
            state["exp_avg_sq"] = state_full(p)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = state_full(p)
        if group["maximize"]:
            grad = -grad
        state["step"] += 1
        step = state["step"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p.array *= 1 - lr * wd
            else:
                grad = grad + wd * p.array
        exp_avg, exp_avg_sq = state["exp_avg"].array, state["exp_avg_sq"].array
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        xp = B.get_array_module(p.array)
        if group["amsgrad"]:
            max_sq = state["max_exp_avg_sq"].array
            xp.maximum(max_sq, exp_avg_sq, out=max_sq)
            exp_avg_sq = max_sq
        denom = xp.sqrt(exp_avg_sq) / bias_correction2_sqrt + group["eps"]
        p.array += (-step_size) * exp_avg / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2017): `Adam` whose step first does

        θ ← θ (1 - γ λ)

    instead of adding λθ to the gradient, so the decay is not rescaled by the adaptive denominator.

    Args:
        params: an iterable of Tensors to optimise, or of dicts (parameter groups) each with a
            'params' entry and any of the options below to override them for that group.
        lr: learning rate γ. Default: 1e-3.
        betas: (β1, β2). Default: (0.9, 0.999).
        eps: ε. Default: 1e-8.
        weight_decay: λ. Default: 1e-2.
        amsgrad: use the AMSGrad variant. Default: False.
        maximize: ascend the objective instead of descending it. Default: False.

    Example:
        >>> w = nn.Parameter(minigrad.tensor([1.0, -2.0]))
        >>> opt = minigrad.optim.AdamW([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     loss = (w ** 2).sum()
        ...     loss.backward()
        ...     opt.step()
        >>> w.detach()
        tensor([ 0.7985, -1.7963])
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
