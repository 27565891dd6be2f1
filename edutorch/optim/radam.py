"""RAdam: Adam whose adaptive step is switched on only once its variance estimate is usable."""
from __future__ import annotations

import math
from typing import Iterable

from .._ops.creation import zeros_like
from ..autograd import no_grad
from .optimizer import (
    Optimizer,
    _new_step_counter,
    check_hyperparameters,
    count_step,
    implementation_flags,
    with_weight_decay,
)


class RAdam(Optimizer):
    r"""RAdam (``torch.optim.RAdam``), Liu et al., 2019.

    With :math:`\rho_\infty = 2/(1-\beta_2) - 1` and
    :math:`\rho_t = \rho_\infty - 2t\beta_2^t/(1-\beta_2^t)` (the length of the simple moving
    average that the running :math:`v` approximates):

    .. math::
        \hat m &= m / (1-\beta_1^t) \\
        \theta &\leftarrow \theta - \text{lr}\,\hat m\, r_t\,
            \frac{\sqrt{1-\beta_2^t}}{\sqrt{v} + \epsilon}
            \quad \text{if } \rho_t > 5, \qquad
        r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}} \\
        \theta &\leftarrow \theta - \text{lr}\,\hat m \quad \text{otherwise (plain momentum SGD)}

    Weight decay as in :class:`NAdam`. State: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_hyperparameters(lr, eps, betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay,
                        **implementation_flags("RAdam", foreach=foreach, capturable=capturable,
                                               differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RAdam update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps = group["lr"], group["eps"]
                rho_inf = 2 / (1 - beta2) - 1
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["exp_avg"] = zeros_like(p)
                        state["exp_avg_sq"] = zeros_like(p)
                    t = count_step(state)
                    g = with_weight_decay(p, g, group)
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.lerp_(g, 1 - beta1)
                    exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                    bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
                    m_hat = exp_avg / bc1
                    rho_t = rho_inf - 2 * t * (beta2 ** t) / bc2
                    if rho_t > 5.0:
                        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                        adaptive = math.sqrt(bc2) / exp_avg_sq.sqrt().add_(eps)
                        p.add_(m_hat * lr * adaptive * rect, alpha=-1.0)
                    else:
                        p.add_(m_hat * lr, alpha=-1.0)
        return loss
