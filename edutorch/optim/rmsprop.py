"""RMSprop: divide each gradient coordinate by a running root-mean-square of its history."""
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


class RMSprop(Optimizer):
    r"""RMSprop (``torch.optim.RMSprop``), Hinton's lecture notes, 2012.

    With gradient :math:`g` (negated when ``maximize``) and smoothing constant :math:`\alpha`:

    .. math::
        g &\leftarrow g + \lambda\theta \quad \text{(weight\_decay)} \\
        v &\leftarrow \alpha v + (1-\alpha) g^2 \\
        \bar g &\leftarrow \alpha \bar g + (1-\alpha) g \quad \text{(centered only)} \\
        d &= \sqrt{v - \bar g^2} + \epsilon \ \text{(centered)}, \quad
             \text{else} \ d = \sqrt{v} + \epsilon \\
        b &\leftarrow \mu b + g / d, \quad \theta \leftarrow \theta - \text{lr}\, b
            \quad \text{(momentum } \mu > 0) \\
        \theta &\leftarrow \theta - \text{lr}\, g / d \quad \text{(otherwise)}

    State: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b, with momentum) and
    ``grad_avg`` (:math:`\bar g`, when centered). Centering divides by an estimate of the
    gradient's variance rather than its raw second moment.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        defaults.update(implementation_flags("RMSprop", foreach=foreach, capturable=capturable,
                                             differentiable=differentiable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RMSprop update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
                momentum = group["momentum"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["square_avg"] = zeros_like(p)
                        if momentum > 0:
                            state["momentum_buffer"] = zeros_like(p)
                        if group["centered"]:
                            state["grad_avg"] = zeros_like(p)
                    count_step(state)
                    g = with_weight_decay(p, g, group)

                    square_avg = state["square_avg"]
                    square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                    if group["centered"]:
                        grad_avg = state["grad_avg"]
                        grad_avg.lerp_(g, 1 - alpha)
                        avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                    else:
                        avg = square_avg.sqrt()
                    avg = avg.add_(eps)

                    if momentum > 0:
                        buf = state["momentum_buffer"]
                        buf.mul_(momentum).addcdiv_(g, avg)
                        p.add_(buf, alpha=-lr)
                    else:
                        p.addcdiv_(g, avg, value=-lr)
        return loss
