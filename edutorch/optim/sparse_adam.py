"""SparseAdam: Adam that touches only the entries a sparse gradient holds (embeddings)."""
from __future__ import annotations

import math
from typing import Iterable

from .._ops.creation import zeros_like
from ..autograd import no_grad
from .optimizer import Optimizer


class SparseAdam(Optimizer):
    r"""SparseAdam (``torch.optim.SparseAdam``): Adam's update, applied only where the
    gradient has entries; elsewhere the moments and the parameter stay as they are.

    On the entries :math:`S` of the gradient:

    .. math::
        m_S &\leftarrow m_S + (1-\beta_1)(g_S - m_S), \qquad
        v_S \leftarrow v_S + (1-\beta_2)(g_S^2 - v_S) \\
        \theta_S &\leftarrow \theta_S - \text{lr}\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,
            \frac{m_S}{\sqrt{v_S} + \epsilon}

    edutorch has no sparse tensors: a dense gradient stands for the sparse one whose stored
    entries are its *nonzero* elements (what PyTorch's ``grad.to_sparse()`` holds). So an
    embedding row that no input looked up (zero gradient) keeps its moments, as in PyTorch.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {b}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, maximize=maximize))

    def step(self, closure=None):
        """One SparseAdam update of the entries each gradient holds."""
        loss = self._evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                beta1, beta2 = group["betas"]
                lr, eps = group["lr"], group["eps"]
                for p, g, state in self._gradients(group):
                    if len(state) == 0:
                        state["step"] = 0
                        state["exp_avg"] = zeros_like(p)
                        state["exp_avg_sq"] = zeros_like(p)
                    state["step"] += 1
                    t = state["step"]
                    held = g != 0
                    if not bool(held.any()):
                        continue
                    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                    exp_avg.add_(((g - exp_avg) * (1 - beta1)).masked_fill_(~held, 0.0))
                    exp_avg_sq.add_(((g * g - exp_avg_sq) * (1 - beta2)).masked_fill_(~held, 0.0))
                    step_size = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                    update = exp_avg / exp_avg_sq.sqrt().add_(eps)
                    p.add_((update * -step_size).masked_fill_(~held, 0.0))
        return loss
