"""Learning-rate schedulers that rewrite each parameter group's ``'lr'``, as torch.optim.lr_scheduler's do."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Union
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
           "ReduceLROnPlateau"]

_EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch); call "
                      "`scheduler.step()` without it")


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class of the learning-rate schedulers: ``step()`` writes ``get_lr()`` into the groups.

    Keeps each group's 'initial_lr' (the base rate η_0). Construction performs the first step, so the
    optimizer starts at epoch 0's rate. Call ``scheduler.step()`` once per epoch, after
    ``optimizer.step()``. A subclass implements ``get_lr()``.

    Args:
        optimizer: the optimizer whose parameter groups' 'lr' the scheduler sets.
        last_epoch: index of the last finished epoch when resuming; -1 (default) starts afresh.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                                   f"resuming an optimizer (last_epoch={last_epoch}): load the "
                                   f"optimizer's state_dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> List[float]:
        """The learning rates for the current ``last_epoch`` (computed from the groups' current ones)."""
        raise NotImplementedError

    def get_last_lr(self) -> List[float]:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return self._last_lr

    def _group_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self, epoch: Optional[int] = None) -> None:
        """Advance one epoch (or jump to `epoch`, deprecated) and write the new rates into the optimizer."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call "
                          "`optimizer.step()` first, or the first value of the learning rate schedule "
                          "is skipped (as in PyTorch).", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._group_lrs()

    def state_dict(self) -> Dict[str, Any]:
        """Every attribute except the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore attributes saved by `state_dict`."""
        self.__dict__.update(state_dict)


_LRScheduler = LRScheduler


class StepLR(LRScheduler):
    """Decays the rate by gamma every step_size epochs: `η_t = η_0 · gamma^⌊t / step_size⌋`.

    Args:
        optimizer: the optimizer whose parameter groups' 'lr' the scheduler sets.
        step_size: period of the decay, in epochs.
        gamma: multiplicative factor. Default: 0.1.
        last_epoch: index of the last finished epoch when resuming; -1 (default) starts afresh.

    Example:
        >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1)
        >>> sched = minigrad.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(6):
        ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
        ...     opt.step()  # one epoch of training
        ...     sched.step()
        >>> lrs
        [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> List[float]:
        """Current rates, times gamma when the epoch is a positive multiple of step_size."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Decays the rate by gamma at each milestone: `η_t = η_0 · gamma^(number of milestones <= t)`.

    A milestone listed twice counts twice.

    Args:
        optimizer: the optimizer whose parameter groups' 'lr' the scheduler sets.
        milestones: epoch indices (need not be sorted).
        gamma: multiplicative factor. Default: 0.1.
        last_epoch: index of the last finished epoch when resuming; -1 (default) starts afresh.

    Example:
        >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1)
        >>> sched = minigrad.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.1)
        >>> lrs = []
        >>> for epoch in range(6):
        ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
        ...     opt.step()  # one epoch of training
        ...     sched.step()
        >>> lrs
        [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    """

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> List[float]:
        """Current rates, times gamma**count at a milestone."""
        if self.last_epoch not in self.milestones:
            return self._group_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Decays the rate by gamma every epoch: `η_t = η_0 · gamma^t`.

    Args:
        optimizer: the optimizer whose parameter groups' 'lr' the scheduler sets.
        gamma: multiplicative factor.
        last_epoch: index of the last finished epoch when resuming; -1 (default) starts afresh.

    Example:
        >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1)
        >>> sched = minigrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
        ...     opt.step()  # one epoch of training
        ...     sched.step()
        >>> lrs
        [0.1, 0.05, 0.025, 0.0125]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> List[float]:
        """Current rates times gamma (unchanged by the constructor's step)."""
        if self._is_initial:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (SGDR without restarts) from the base rate η_0 down to eta_min over T_max epochs:

        η_t = eta_min + (η_0 - eta_min) · (1 + cos(π t / T_max)) / 2

    after which the rate rises again along the same cosine. Computed with PyTorch's recursive form,
    so rates changed from outside (e.g. by another scheduler) carry over.

    Args:
        optimizer: the optimizer whose parameter groups' 'lr' the scheduler sets.
        T_max: number of epochs of one half period.
        eta_min: the lowest rate. Default: 0.
        last_epoch: index of the last finished epoch when resuming; -1 (default) starts afresh.

    Example:
        >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1)
        >>> sched = minigrad.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
        ...     opt.step()  # one epoch of training
        ...     sched.step()
        >>> lrs
        [0.1, 0.085355, 0.05, 0.014645, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> List[float]:
        """The next rates by the recursive cosine formula."""
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and t > 0:  # resumed: start from the closed form
            return self._get_closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:  # the bottom of a period, where the ratio below is 0/0
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._group_lrs())]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        cos = math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * (1 + cos) / 2 for base in self.base_lrs]


class LambdaLR(LRScheduler):
    """Scales each group's base rate by a function of the epoch: `η_t = η_0 · lr_lambda(t)`.

    Args:
        optimizer: the optimizer whose parameter groups' 'lr' the scheduler sets.
        lr_lambda: a function of the epoch index, or a list of them, one per parameter group.
        last_epoch: index of the last finished epoch when resuming; -1 (default) starts afresh.

    Example:
        >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1)
        >>> sched = minigrad.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
        ...     opt.step()  # one epoch of training
        ...     sched.step()
        >>> lrs
        [0.1, 0.05, 0.033333, 0.025]
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Union[Callable[[int], float], List[Callable[[int], float]]],
                 last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got "
                                 f"{len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> List[float]:
        """Initial rates scaled by the lambdas at last_epoch."""
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> Dict[str, Any]:
        """Attributes except the optimizer; lambdas are kept only as the __dict__ of callable objects."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore attributes, and the state of callable-object lambdas."""
        state = dict(state_dict)
        saved = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)


class ReduceLROnPlateau(LRScheduler):
    """Multiplies the rate by factor once a metric has stopped improving for more than patience epochs.

    Call ``step(metric)`` once per epoch with the validation metric. In mode 'min' with
    threshold_mode 'rel', a value a improves on the best b when `a < b · (1 - threshold)`
    ('abs': `a < b - threshold`; mode 'max' mirrors both). After patience + 1 epochs without
    improvement every rate becomes `max(lr · factor, min_lr)` (changes smaller than eps are
    skipped), then cooldown epochs pass before bad epochs count again.

    Args:
        optimizer: the optimizer whose parameter groups' 'lr' the scheduler sets.
        mode: 'min' (default: lower is better, e.g. a loss) or 'max' (e.g. an accuracy).
        factor: multiplicative factor, < 1. Default: 0.1.
        patience: number of epochs without improvement to tolerate. Default: 10.
        threshold: the least change that counts as an improvement. Default: 1e-4.
        threshold_mode: 'rel' (default) or 'abs', see above.
        cooldown: epochs to wait after a reduction before counting again. Default: 0.
        min_lr: a lower bound on the rate, or a list of bounds, one per group. Default: 0.
        eps: the least change of the rate that is applied. Default: 1e-8.

    Example:
        >>> opt = minigrad.optim.SGD([nn.Parameter(minigrad.zeros(1))], lr=0.1)
        >>> sched = minigrad.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1)
        >>> lrs = []
        >>> for epoch in range(6):
        ...     lrs.append(round(opt.param_groups[0]["lr"], 6))
        ...     opt.step()  # one epoch of training
        ...     sched.step([1.0, 0.9, 0.9, 0.9, 0.9, 0.9][epoch])  # the validation loss
        >>> lrs
        [0.1, 0.1, 0.1, 0.1, 0.01, 0.01]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: Union[float, List[float]] = 0, eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        _check_optimizer(optimizer)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._group_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError("mode " + str(mode) + " is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("threshold mode " + str(threshold_mode) + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode

    @property
    def in_cooldown(self) -> bool:
        """True while the scheduler is waiting out its cooldown after a reduction."""
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric `a` improves on `best` by more than the threshold."""
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if rel else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if rel else best + self.threshold)

    def step(self, metrics: Any, epoch: Optional[int] = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the rates if it has plateaued."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._group_lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the optimizer ({len(groups)}) differs "
                                   f"from when ReduceLROnPlateau was created ({len(self.min_lrs)}); "
                                   f"set `min_lrs` to match")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore attributes saved by `state_dict`."""
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
