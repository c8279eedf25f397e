"""Adagrad with learning-rate decay."""
from __future__ import annotations

from .. import backend as B
from .optimizer import Optimizer, ParamsT, check, state_full

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): per-element step sizes that shrink with the sum of squared gradients.

    Each step t = 1, 2, ... for every parameter θ with gradient g (lr γ, lr_decay η, weight decay λ):

        γ_t = γ / (1 + (t - 1) η)
        g ← g + λ θ                    (if weight_decay != 0)
        s ← s + g²                     (s starts at initial_accumulator_value)
        θ ← θ - γ_t g / (√s + ε)

    Args:
        params: an iterable of Tensors to optimise, or of dicts (parameter groups) each with a
            'params' entry and any of the options below to override them for that group.
        lr: learning rate γ. Default: 1e-2.
        lr_decay: η. Default: 0.
        weight_decay: L2 penalty λ. Default: 0.
        initial_accumulator_value: starting value of s. Default: 0.
        eps: ε, added to the denominator. Default: 1e-10.
        maximize: ascend the objective instead of descending it. Default: False.

    Example:
        >>> w = nn.Parameter(minigrad.tensor([1.0, -2.0]))
        >>> opt = minigrad.optim.Adagrad([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     loss = (w ** 2).sum()
        ...     loss.backward()
        ...     opt.step()
        >>> w.detach()
        tensor([ 0.8331, -1.8311])
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        self._validate(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _validate(self, group):
        check(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check(group["lr_decay"] >= 0.0, f"Invalid lr_decay value: {group['lr_decay']}")
        check(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")
        check(group["initial_accumulator_value"] >= 0.0,
              f"Invalid initial_accumulator_value value: {group['initial_accumulator_value']}")
        check(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")

    @staticmethod
    def _init_state(p, state, group):
        state["step"] = 0
        state["sum"] = state_full(p, group["initial_accumulator_value"])

    def _update(self, p, grad, state, group):
        if not state:  # a parameter added with add_param_group after construction
            self._init_state(p, state, group)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.array
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state_sum = state["sum"].array
        state_sum += grad * grad
        std = B.get_array_module(p.array).sqrt(state_sum) + group["eps"]
        p.array += (-clr) * grad / std
