"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Iterable

from ..autograd import no_grad
from .optimizer import Optimizer, implementation_flags, with_weight_decay


class SGD(Optimizer):
    r"""Stochastic gradient descent (``torch.optim.SGD``).

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``):

    .. math::
        g &\leftarrow g + \lambda\theta                      && \text{(weight\_decay } \lambda) \\
        b &\leftarrow \mu b + (1-\tau) g                     && \text{(momentum } \mu,
                                                                 \text{ dampening } \tau) \\
        g &\leftarrow g + \mu b \ \text{(nesterov)} \quad\text{or}\quad g \leftarrow b \\
        \theta &\leftarrow \theta - \text{lr}\cdot g

    On the first step the buffer ``b`` starts as ``g`` itself (no dampening). The buffer is kept
    in ``state[p]["momentum_buffer"]``. Without momentum the update is plain gradient descent.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        defaults.update(implementation_flags("SGD", foreach=foreach,
                                             differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter with a gradient; returns the closure's loss, if any."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                lr, momentum = group["lr"], group["momentum"]
                dampening = group["dampening"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = with_weight_decay(p, -p.grad if group["maximize"] else p.grad, group)
                    if momentum != 0:  # plain SGD keeps no state, as in PyTorch
                        state = self.state[p]
                        buf = state.get("momentum_buffer")
                        if buf is None:
                            buf = g.detach().clone()
                            state["momentum_buffer"] = buf
                        else:
                            buf.mul_(momentum).add_(g, alpha=1 - dampening)
                        g = g.add(buf, alpha=momentum) if group["nesterov"] else buf
                    p.add_(g, alpha=-lr)
        return loss
