"""L-BFGS: a quasi-Newton optimizer that re-evaluates the loss through a closure, as torch.optim.LBFGS."""
from __future__ import annotations

from typing import Any, Callable, Optional
from .. import backend as B
from ..autograd import enable_grad
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, check

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """Limited-memory BFGS with PyTorch's update rule and stopping tests (fixed step, no line search).

    Each ``step(closure)`` runs up to `max_iter` iterations. An iteration turns the gradient g into
    a direction d = -H g, where H approximates the inverse Hessian from the last `history_size`
    pairs (s, y) = (parameter change, gradient change) by the two-loop recursion, then moves the
    parameters by t * d (t = lr; on the very first iteration t = lr * min(1, 1 / sum|g|)) and
    calls `closure` again for the new loss and gradient. It stops early when the gradient is
    below `tolerance_grad` (max |g|), or the step or the loss change is below `tolerance_change`.

    Args:
        params: the parameters (one group, as in PyTorch).
        lr: step length (default 1).
        max_iter: iterations per step() (default 20).
        max_eval: closure evaluations per step() (default max_iter * 5 / 4).
        tolerance_grad, tolerance_change: the stopping thresholds above (1e-7, 1e-9).
        history_size: how many (s, y) pairs to keep (default 100).
        line_search_fn: None. PyTorch's 'strong_wolfe' line search is not implemented in minigrad.

    Example:
        >>> model = nn.Linear(2, 1)
        >>> x, y = minigrad.randn(8, 2), minigrad.randn(8, 1)
        >>> opt = minigrad.optim.LBFGS(model.parameters(), lr=0.8)
        >>> def closure():
        ...     opt.zero_grad(); loss = F.mse_loss(model(x), y); loss.backward(); return loss
        >>> first_loss = opt.step(closure)
        >>> bool(closure() < first_loss)
        True
    """

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20,
                 max_eval: Optional[int] = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: Optional[str] = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        self._validate(defaults)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _validate(self, group):
        check(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        if group["line_search_fn"] == "strong_wolfe":
            raise NotImplementedError("LBFGS: the 'strong_wolfe' line search is not implemented in "
                                      "minigrad; use line_search_fn=None")
        if group["line_search_fn"] is not None:
            raise RuntimeError("only 'strong_wolfe' is supported")

    def _flat_grad(self):
        xp = B.get_array_module(self._params[0].array)
        parts = [p.grad.array.reshape(-1) if p.grad is not None else
                 xp.zeros(p.array.size, dtype=p.array.dtype) for p in self._params]
        return xp.concatenate(parts)

    def _move(self, t, d):
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += (t * d[offset:offset + n]).reshape(p.array.shape).astype(p.array.dtype)
            p._bump()
            offset += n

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Run up to max_iter L-BFGS iterations; `closure` re-evaluates and returns the loss."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure that re-evaluates the model and returns the loss")
        self._opt_called = True
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(abs(g).max()) <= tol_grad:
            return orig_loss

        d, t = _raw(state.get("d")), state.get("t")
        old_dirs = [_raw(v) for v in state.get("old_dirs", [])]
        old_stps = [_raw(v) for v in state.get("old_stps", [])]
        ro, h_diag = list(state.get("ro", [])), state.get("H_diag")
        prev_g, prev_loss = _raw(state.get("prev_flat_grad")), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -g, [], [], [], 1.0
            else:
                y, s = g - prev_g, d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only when the curvature is positive
                    if len(old_dirs) == group["history_size"]:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = self._direction(g, old_dirs, old_stps, ro, h_diag)
            prev_g, prev_loss = g.copy(), loss
            t = min(1.0, 1.0 / float(abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            if float(g @ d) > -tol_change:  # not a descent direction any more
                break
            self._move(t, d)
            if n_iter != max_iter:
                with enable_grad():
                    loss = float(closure())
                g = self._flat_grad()
                evals += 1
                state["func_evals"] += 1
            if n_iter == max_iter or evals >= max_eval or float(abs(g).max()) <= tol_grad:
                break
            if float(abs(d * t).max()) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=_wrap(d), t=t, old_dirs=[_wrap(v) for v in old_dirs],
                     old_stps=[_wrap(v) for v in old_stps], ro=ro, H_diag=h_diag,
                     prev_flat_grad=_wrap(prev_g), prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _direction(g, old_dirs, old_stps, ro, h_diag):
        """-H g by the two-loop recursion over the stored (s, y) pairs."""
        q = -g
        alphas = [0.0] * len(old_dirs)
        for i in range(len(old_dirs) - 1, -1, -1):
            alphas[i] = float(old_stps[i] @ q) * ro[i]
            q = q - alphas[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            beta = float(old_dirs[i] @ r) * ro[i]
            r = r + old_stps[i] * (alphas[i] - beta)
        return r


def _wrap(arr):
    return None if arr is None else Tensor._make(arr)


def _raw(value):
    return value.array if isinstance(value, Tensor) else value
