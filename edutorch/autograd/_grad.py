"""Clearing gradients: shared by ``Module.zero_grad`` and ``Optimizer.zero_grad`` (it lives in
autograd, below both, so that optimizers need not know ``nn``)."""
from __future__ import annotations

from typing import Iterable

from ..tensor import Tensor


def zero_grads(parameters: Iterable[Tensor], set_to_none: bool = True) -> None:
    """``set_to_none=True`` (PyTorch's default) sets ``.grad = None``, which frees the memory
    and lets an optimizer skip parameters that got no gradient; ``False`` fills with zeros
    (after cutting the gradient from any graph it carries)."""
    for p in parameters:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()
