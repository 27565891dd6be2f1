"""Rprop: each coordinate moves by its own step size, grown or shrunk by the gradient's sign."""
from __future__ import annotations

from typing import Iterable

from .._ops.creation import full_like, zeros_like
from ..autograd import no_grad
from .optimizer import Optimizer, _new_step_counter, count_step, implementation_flags


class Rprop(Optimizer):
    r"""Resilient backpropagation (``torch.optim.Rprop``), Riedmiller and Braun, 1993.

    Only the *sign* of the gradient is used. Per coordinate, with :math:`s = g\,g_{prev}`:

    .. math::
        \delta &\leftarrow \operatorname{clamp}(\delta \cdot
            \{\eta_+ \text{ if } s>0,\ \eta_- \text{ if } s<0,\ 1 \text{ else}\},\
            \delta_{min}, \delta_{max}) \\
        g &\leftarrow 0 \quad \text{where } s < 0 \text{ (the sign flipped: skip, and forget)} \\
        \theta &\leftarrow \theta - \operatorname{sign}(g)\,\delta, \qquad g_{prev} \leftarrow g

    ``etas`` = :math:`(\eta_-, \eta_+)`, ``step_sizes`` = :math:`(\delta_{min}, \delta_{max})`;
    :math:`\delta` starts at ``lr``. State: ``step``, ``prev``, ``step_size``.
    """

    def __init__(self, params: Iterable, lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                        maximize=maximize,
                        **implementation_flags("Rprop", foreach=foreach,
                                               differentiable=differentiable,
                                               capturable=capturable))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Rprop update of every parameter with a gradient."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                eta_minus, eta_plus = group["etas"]
                lo, hi = group["step_sizes"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = _new_step_counter()
                        state["prev"] = zeros_like(p)
                        state["step_size"] = full_like(g, group["lr"])
                    count_step(state)
                    prev, step_size = state["prev"], state["step_size"]
                    s = g.mul(prev).sign()
                    factor = s.masked_fill(s > 0, eta_plus).masked_fill(s < 0, eta_minus) \
                        .masked_fill(s == 0, 1.0)
                    step_size.mul_(factor).clamp_(lo, hi)
                    g = g.masked_fill(factor == eta_minus, 0.0)
                    p.addcmul_(g.sign(), step_size, value=-1)
                    prev.copy_(g)
        return loss
