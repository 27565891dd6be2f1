"""L-BFGS: a quasi-Newton method that builds its curvature from the last few steps.

The step direction is ``-H g``, where ``H`` approximates the inverse Hessian from the last
``history_size`` pairs (s = step taken, y = change of gradient), applied by the two-loop
recursion without ever forming a matrix. Each ``step(closure)`` runs up to ``max_iter``
iterations, so the closure (which recomputes the loss and its gradients) is required.

With ``line_search_fn="strong_wolfe"`` each iteration picks its step length by a line search
that brackets a point satisfying the strong Wolfe conditions (enough decrease, and a slope
flattened enough), zooming in by cubic interpolation (Nocedal and Wright, algorithms 3.5/3.6).
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

from .._ops.shape import cat
from ..autograd import enable_grad, no_grad
from .optimizer import Optimizer


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """Minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, kept within
    ``bounds`` (default: between x1 and x2); the midpoint when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate: Callable, t: float, d, f: float, g, gtd: float, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25):
    """Find a step ``t`` along ``d`` meeting the strong Wolfe conditions.

    ``evaluate(t)`` returns (loss, flat gradient) at x + t d. Phase 1 grows ``t`` until an
    interval [lo, hi] surely holds an acceptable point; phase 2 shrinks it by cubic
    interpolation. Returns (loss, gradient, t, evaluations).
    """
    d_norm = d.abs().max().item()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d).item()
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g.clone(), gtd
    done = False
    it = 0
    # phase 1: bracket
    while it < max_ls:
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.clone(), gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:  # both conditions hold: accept t
            bracket, done = [[t, f_new, g_new, gtd_new]], True
            break
        if gtd_new >= 0:  # the slope turned: a minimum lies behind
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.clone(), gtd_new]]
            break
        t_next = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.clone(), gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d).item()
        it += 1
    if it == max_ls:
        bracket = [[0.0, f, g, None], [t, f_new, g_new, None]]
    # phase 2: zoom (each bracket entry is [t, loss, gradient, slope])
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    stuck = False
    while not done and it < max_ls:
        a, b = bracket[0][0], bracket[1][0]
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(a, bracket[0][1], bracket[0][3], b, bracket[1][1], bracket[1][3])
        # keep t away from the ends: a point too close to one teaches nothing new
        lo_t, hi_t = min(a, b), max(a, b)
        margin = 0.1 * (hi_t - lo_t)
        if min(hi_t - t, t - lo_t) < margin:
            if stuck or t >= hi_t or t <= lo_t:
                t = hi_t - margin if abs(t - hi_t) < abs(t - lo_t) else lo_t + margin
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d).item()
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new.clone(), gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = list(bracket[low])
            bracket[low] = [t, f_new, g_new.clone(), gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    r"""L-BFGS (``torch.optim.LBFGS``), Liu and Nocedal, 1989; ``step`` needs a closure.

    Per iteration, with gradient :math:`g` and the stored pairs :math:`(s_i, y_i)`,
    :math:`\rho_i = 1/(y_i^\top s_i)`:

    .. math::
        q &= -g;\quad \alpha_i = \rho_i s_i^\top q,\ q \leftarrow q - \alpha_i y_i
            \quad (i = k-1, \dots, 0) \\
        r &= \gamma q,\ \gamma = \frac{s^\top y}{y^\top y};\quad
            r \leftarrow r + (\alpha_i - \rho_i y_i^\top r)\, s_i \quad (i = 0, \dots, k-1) \\
        \theta &\leftarrow \theta + t\, r

    The first step length is ``min(1, 1/|g|_1) * lr``, later ones ``lr`` (or the line
    search's). A pair is stored only when :math:`y^\top s > 10^{-10}` (curvature positive).
    Stops early when the gradient, the step or the loss change falls under the tolerances.
    All parameters form one flat vector: one parameter group only.
    """

    def __init__(self, params: Iterable, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # the parameters as one flat vector ---------------------------------------------------
    def _flat_grad(self):
        return cat([p.grad.reshape(-1) if p.grad is not None else p.new_zeros(p.numel())
                    for p in self._params])

    def _move(self, t: float, direction) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(direction[offset:offset + n].view_as(p), alpha=t)
            offset += n

    def _evaluate_along(self, closure, x0, direction):
        """``t -> (loss, gradient)`` at x0 + t d, leaving the parameters at x0 afterwards."""
        def evaluate(t):
            self._move(t, direction)
            with enable_grad():
                loss = float(closure())
            g = self._flat_grad()
            for p, saved in zip(self._params, x0):
                p.copy_(saved)
            return loss, g
        return evaluate

    def step(self, closure):
        """Up to ``max_iter`` L-BFGS iterations; ``closure()`` recomputes loss and gradients."""
        if closure is None:
            raise RuntimeError("LBFGS.step requires a closure that recomputes the loss "
                               "(optimizer.step(closure))")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history, line_search = group["history_size"], group["line_search_fn"]
        if line_search is not None and line_search != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        with no_grad():
            g = self._flat_grad()
            if g.abs().max().item() <= tol_grad:
                return orig_loss
            d, t = state.get("d"), state.get("t")
            old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
            H_diag, prev_g = state.get("H_diag"), state.get("prev_flat_grad")
            prev_loss = state.get("prev_loss")
            n_iter = 0
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d, old_dirs, old_stps, ro, H_diag = -g, [], [], [], 1.0
                else:
                    y, s = g - prev_g, d * t
                    ys = y.dot(s).item()
                    if ys > 1e-10:  # keep the pair only if the curvature is positive
                        if len(old_dirs) == history:
                            old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                        old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                        H_diag = ys / y.dot(y).item()
                    d = self._two_loop(g, old_dirs, old_stps, ro, H_diag)
                prev_g = g.clone()
                prev_loss = loss
                t = min(1.0, 1.0 / g.abs().sum().item()) * lr if state["n_iter"] == 1 else lr
                gtd = g.dot(d).item()
                if gtd > -tol_change:  # not a descent direction any more
                    break
                if line_search is not None:
                    x0 = [p.clone() for p in self._params]
                    loss, g, t, used = _strong_wolfe(self._evaluate_along(closure, x0, d), t, d,
                                                     loss, g, gtd, max_ls=max_eval - evals)
                    self._move(t, d)
                    converged = g.abs().max().item() <= tol_grad
                else:
                    self._move(t, d)
                    used, converged = 0, False
                    if n_iter != max_iter:  # the last iteration's loss is the next call's job
                        with enable_grad():
                            loss = float(closure())
                        g = self._flat_grad()
                        converged = g.abs().max().item() <= tol_grad
                        used = 1
                evals += used
                state["func_evals"] += used
                if n_iter == max_iter or evals >= max_eval or converged:
                    break
                if (d * t).abs().max().item() <= tol_change or abs(loss - prev_loss) < tol_change:
                    break
            state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                         prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _two_loop(g, old_dirs, old_stps, ro, H_diag):
        """``-H g`` from the stored pairs (the two-loop recursion)."""
        q = -g
        al = [0.0] * len(old_dirs)
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q).item() * ro[i]
            q = q.add(old_dirs[i], alpha=-al[i])
        r = q * H_diag
        for i in range(len(old_dirs)):
            be = old_dirs[i].dot(r).item() * ro[i]
            r = r.add(old_stps[i], alpha=al[i] - be)
        return r
