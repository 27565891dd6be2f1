"""Adagrad: per-coordinate step sizes that shrink with the sum of all past squared gradients."""
from __future__ import annotations

from typing import Iterable

from .._ops.creation import full_like
from ..autograd import no_grad
from .optimizer import (
    Optimizer,
    _new_step_counter,
    count_step,
    implementation_flags,
    with_weight_decay,
)


class Adagrad(Optimizer):
    r"""Adagrad (``torch.optim.Adagrad``), Duchi et al., 2011.

    With gradient :math:`g` (negated when ``maximize``) at step :math:`t`:

    .. math::
        g &\leftarrow g + \lambda\theta \quad \text{(weight\_decay)} \\
        \eta_t &= \frac{\text{lr}}{1 + (t-1)\,\text{lr\_decay}} \\
        s &\leftarrow s + g^2 \\
        \theta &\leftarrow \theta - \eta_t \frac{g}{\sqrt{s} + \epsilon}

    ``s`` (``state[p]["sum"]``) starts at ``initial_accumulator_value``. Unlike the other
    optimizers, Adagrad creates its state for every parameter when it is constructed.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        defaults.update(implementation_flags("Adagrad", foreach=foreach,
                                             differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _new_step_counter()
                state["sum"] = full_like(p, group["initial_accumulator_value"])

    def step(self, closure=None):
        """One Adagrad update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, lr_decay = group["lr"], group["lr_decay"]
                eps = group["eps"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:  # a group added after construction
                        state["step"] = _new_step_counter()
                        state["sum"] = full_like(p, group["initial_accumulator_value"])
                    t = count_step(state)
                    g = with_weight_decay(p, g, group)
                    clr = lr / (1 + (t - 1) * lr_decay)
                    state["sum"].addcmul_(g, g, value=1)
                    std = state["sum"].sqrt().add_(eps)
                    p.addcdiv_(g, std, value=-clr)
        return loss
