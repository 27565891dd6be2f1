"""Adam: momentum on the gradient plus a per-coordinate step size from its running square."""
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


class Adam(Optimizer):
    r"""Adam (``torch.optim.Adam``), Kingma and Ba, 2014.

    With gradient :math:`g` (negated when ``maximize``), step count :math:`t` and
    ``betas`` :math:`(\beta_1, \beta_2)`:

    .. math::
        g &\leftarrow g + \lambda\theta \quad \text{(weight\_decay, added to the gradient)} \\
        m &\leftarrow \beta_1 m + (1-\beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2 \\
        \hat v &= \max(\hat v, v) \ \text{(amsgrad)} \ \text{else} \ v \\
        \theta &\leftarrow \theta - \frac{\text{lr}}{1-\beta_1^t}\cdot
               \frac{m}{\sqrt{\hat v}/\sqrt{1-\beta_2^t} + \epsilon}

    ``m`` and ``v`` start at zero; dividing by :math:`1-\beta^t` removes the bias that gives them
    at the first steps. State: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad,
    ``max_exp_avg_sq``. ``decoupled_weight_decay=True`` gives AdamW's rule instead
    (:math:`\theta \leftarrow \theta(1 - \text{lr}\,\lambda)` before the update).
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        check_hyperparameters(lr, eps, betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        **implementation_flags(type(self).__name__, foreach=foreach, fused=fused,
                                               capturable=capturable,
                                               differentiable=differentiable),
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adam update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps = group["lr"], group["eps"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["exp_avg"] = zeros_like(p)
                        state["exp_avg_sq"] = zeros_like(p)
                        if group["amsgrad"]:
                            state["max_exp_avg_sq"] = zeros_like(p)
                    t = count_step(state)

                    g = with_weight_decay(p, g, group)

                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.lerp_(g, 1 - beta1)
                    exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)

                    step_size = lr / (1 - beta1 ** t)
                    bias_correction2_sqrt = (1 - beta2 ** t) ** 0.5
                    if group["amsgrad"]:
                        v = state["max_exp_avg_sq"]
                        v.copy_(maximum(v, exp_avg_sq))  # the running maximum
                    else:
                        v = exp_avg_sq
                    denom = (v.sqrt() / bias_correction2_sqrt).add_(eps)
                    p.addcdiv_(exp_avg, denom, value=-step_size)
        return loss
