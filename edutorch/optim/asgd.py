"""ASGD: SGD with a decaying step that also keeps a running average of the iterates."""
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


class ASGD(Optimizer):
    r"""Averaged SGD (``torch.optim.ASGD``), Polyak and Juditsky, 1992.

    .. math::
        \theta &\leftarrow \theta(1 - \lambda\eta_t) - \eta_t g \\
        \bar\theta &\leftarrow \bar\theta + \mu_t(\theta - \bar\theta) \\
        \eta_{t+1} &= \frac{\text{lr}}{(1 + \lambda\,\text{lr}\,t)^\alpha}, \qquad
        \mu_{t+1} = \frac{1}{\max(1,\ t - t_0)}

    The average :math:`\bar\theta` (``state[p]["ax"]``) is what the method is named after;
    the parameters themselves follow plain decayed SGD. ``eta`` and ``mu`` are zero-dim tensors
    in the step counter's dtype, as in PyTorch (so they round the same way).
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize,
                        **implementation_flags("ASGD", foreach=foreach,
                                               differentiable=differentiable,
                                               capturable=capturable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One ASGD update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["eta"] = _new_step_counter().add_(lr)
                        state["mu"] = _new_step_counter().add_(1)
                        state["ax"] = zeros_like(p)
                    t = count_step(state)
                    g = with_weight_decay(p, g, group)
                    eta, mu, ax = state["eta"], state["mu"], state["ax"]
                    eta_value = eta.item()
                    p.mul_(1 - lambd * eta_value).add_(g, alpha=-eta_value)
                    if mu.item() != 1:
                        ax.add_(p.sub(ax).mul_(mu))
                    else:
                        ax.copy_(p)
                    eta.fill_(lr / ((1 + lambd * lr * t) ** alpha))
                    mu.fill_(1 / max(1, t - t0))
        return loss
