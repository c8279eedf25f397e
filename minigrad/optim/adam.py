"""Adam (with optional AMSGrad) and AdamW (decoupled weight decay)."""
from __future__ import annotations

from typing import Tuple
import math

from .. import backend as B
from .optimizer import Optimizer, ParamsT, check, state_full

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam with PyTorch's update rule; ``decoupled_weight_decay=True`` gives AdamW."""

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
    """Adam with decoupled weight decay (the parameter shrinks by lr * weight_decay each step)."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
