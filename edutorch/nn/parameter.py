"""``nn.Parameter`` and ``nn.Buffer``: tensors that a ``Module`` registers when assigned to it.

A Parameter is an ordinary tensor with one extra meaning: "this is a weight to learn". Writing
``self.weight = nn.Parameter(t)`` inside a module's ``__init__`` puts it in
``module.parameters()``, which is what an optimizer updates and what ``state_dict`` saves.
A Buffer is state that is saved but not learned (BatchNorm's running mean).
"""
from __future__ import annotations

from ..tensor import Tensor

__all__ = ["Parameter", "Buffer"]


def _source(data, cls_name: str):
    """The tensor a Parameter/Buffer wraps; ``None`` gives an empty float tensor."""
    if data is None:
        from .._ops.creation import empty
        return empty(0)
    if not isinstance(data, Tensor):
        raise TypeError(f"{cls_name}(): data must be a Tensor, got {type(data).__name__}")
    return data


class Parameter(Tensor):
    """A tensor that is a module's learnable weight (``requires_grad=True`` by default).

    ``Parameter(t)`` shares ``t``'s memory (no copy), as in PyTorch: changing one changes both.
    Results of ops on a Parameter are plain tensors.
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        src = _source(data, "Parameter")
        Tensor._init(self, src._data)
        self._vc = src._vc  # same memory, same version counter
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__


class Buffer(Tensor):
    """A tensor that a module keeps as state, not as a weight (``nn.Buffer``).

    ``self.running_mean = nn.Buffer(t)`` is ``self.register_buffer("running_mean", t)``;
    ``persistent=False`` keeps it out of ``state_dict``.
    """

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        src = _source(data, "Buffer")
        Tensor._init(self, src._data)
        self._vc = src._vc
        self._rg = src._rg and src.grad_fn is None
        self.persistent = persistent
