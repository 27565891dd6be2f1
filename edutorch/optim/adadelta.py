"""Adadelta: a step size built from running averages of squared gradients and squared steps."""
from __future__ import annotations

from typing import Iterable

from .._ops.creation import zeros_like
from ..autograd import no_grad
from .optimizer import (
    Optimizer,
    _new_step_counter,
    count_step,
    implementation_flags,
    with_weight_decay,
)


class Adadelta(Optimizer):
    r"""Adadelta (``torch.optim.Adadelta``), Zeiler, 2012.

    With gradient :math:`g` (negated when ``maximize``) and decay :math:`\rho`:

    .. math::
        g &\leftarrow g + \lambda\theta \quad \text{(weight\_decay)} \\
        v &\leftarrow \rho v + (1-\rho) g^2 \\
        \Delta &= \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}}\, g \\
        u &\leftarrow \rho u + (1-\rho) \Delta^2 \\
        \theta &\leftarrow \theta - \text{lr}\,\Delta

    The ratio of the two running roots gives each coordinate a step in the units of
    :math:`\theta`, so ``lr=1`` is the natural default. State: ``step``, ``square_avg`` (v),
    ``acc_delta`` (u).
    """

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        **implementation_flags("Adadelta", capturable=capturable,
                                               foreach=foreach, differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adadelta update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, rho, eps = group["lr"], group["rho"], group["eps"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["square_avg"] = zeros_like(p)
                        state["acc_delta"] = zeros_like(p)
                    count_step(state)
                    g = with_weight_decay(p, g, group)
                    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                    square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)
                    delta = (acc_delta + eps).sqrt_().div_((square_avg + eps).sqrt_()).mul_(g)
                    acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                    p.add_(delta, alpha=-lr)
        return loss
