"""AdamW: Adam with weight decay applied to the weights directly, not through the gradient."""
from __future__ import annotations

from typing import Iterable

from .adam import Adam


class AdamW(Adam):
    r"""AdamW (``torch.optim.AdamW``), Loshchilov and Hutter, 2017.

    Each step first shrinks the weights, :math:`\theta \leftarrow \theta(1 - \text{lr}\,\lambda)`,
    then makes Adam's update with the raw gradient. In Adam with ``weight_decay`` the decay term
    is added to the gradient and so gets divided by :math:`\sqrt{v}` like everything else, which
    weakens it for parameters with large gradients; decoupling it keeps the decay uniform.
    The default ``weight_decay`` is 0.01.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def load_state_dict(self, state_dict) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # AdamW always decouples, whatever the file says
            group["decoupled_weight_decay"] = True
