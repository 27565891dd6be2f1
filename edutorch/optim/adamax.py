"""Adamax: Adam with the running root-mean-square replaced by a running maximum."""
from __future__ import annotations

from typing import Iterable

from .._ops.creation import zeros_like
from .._ops.pointwise import maximum
from ..autograd import no_grad
from .optimizer import (
    Optimizer,
    _new_step_counter,
    check_hyperparameters,
    count_step,
    implementation_flags,
    with_weight_decay,
)


class Adamax(Optimizer):
    r"""Adamax (``torch.optim.Adamax``), Kingma and Ba, 2014, section 7.

    .. math::
        g &\leftarrow g + \lambda\theta \quad \text{(weight\_decay)} \\
        m &\leftarrow \beta_1 m + (1-\beta_1) g \\
        u &\leftarrow \max(\beta_2 u,\ |g| + \epsilon) \\
        \theta &\leftarrow \theta - \frac{\text{lr}}{1-\beta_1^t}\,\frac{m}{u}

    The infinity norm :math:`u` needs no bias correction. State: ``step``, ``exp_avg`` (m),
    ``exp_inf`` (u).
    """

    def __init__(self, params: Iterable, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_hyperparameters(lr, eps, betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize,
                        **implementation_flags("Adamax", foreach=foreach,
                                               differentiable=differentiable,
                                               capturable=capturable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adamax update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps = group["lr"], group["eps"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["exp_avg"] = zeros_like(p)
                        state["exp_inf"] = zeros_like(p)
                    t = count_step(state)
                    g = with_weight_decay(p, g, group)
                    exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                    exp_avg.lerp_(g, 1 - beta1)
                    exp_inf.copy_(maximum(exp_inf.mul_(beta2), g.abs().add_(eps)))
                    p.addcdiv_(exp_avg, exp_inf, value=-lr / (1 - beta1 ** t))
        return loss
