"""NAdam: Adam with Nesterov momentum (the update looks one momentum step ahead)."""
from __future__ import annotations

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


class NAdam(Optimizer):
    r"""NAdam (``torch.optim.NAdam``), Dozat, 2016.

    The momentum coefficient warms up, :math:`\mu_t = \beta_1(1 - \tfrac12 0.96^{t\psi})`
    (:math:`\psi` = ``momentum_decay``), and the step mixes the current gradient with the
    momentum of the *next* step:

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2, \qquad
        d = \sqrt{v / (1-\beta_2^t)} + \epsilon \\
        \theta &\leftarrow \theta
            - \text{lr}\,\frac{1-\mu_t}{1-\prod_{i\le t}\mu_i}\,\frac{g}{d}
            - \text{lr}\,\frac{\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i}\,\frac{m}{d}

    Weight decay is added to the gradient, or with ``decoupled_weight_decay`` shrinks
    :math:`\theta` first (NAdamW). State: ``step``, ``mu_product`` (a zero-dim tensor kept in
    the step counter's dtype, as PyTorch), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params: Iterable, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_hyperparameters(lr, eps, betas, weight_decay=weight_decay,
                              momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        **implementation_flags("NAdam", foreach=foreach, capturable=capturable,
                                               differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One NAdam update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps = group["lr"], group["eps"]
                psi = group["momentum_decay"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["mu_product"] = _new_step_counter().add_(1)
                        state["exp_avg"] = zeros_like(p)
                        state["exp_avg_sq"] = zeros_like(p)
                    t = count_step(state)
                    g = with_weight_decay(p, g, group)
                    mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                    mu_product = state["mu_product"].mul_(mu).item()
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.lerp_(g, 1 - beta1)
                    exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                    denom = exp_avg_sq.div(1 - beta2 ** t).sqrt().add_(eps)
                    p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
                    p.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product * mu_next))
        return loss
