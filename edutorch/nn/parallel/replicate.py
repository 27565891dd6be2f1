"""``replicate``: one copy of a module per device, whose parameters lead back to the original's.

A replica is a shallow copy of every submodule with its own parameter dict. Its parameters are
``p.to(device)`` of the original's: not leaves but results of a (differentiable) copy, so the
gradients the replicas receive flow back into the original parameters' ``.grad``. On the
device the original already lives on, ``to`` returns the parameter itself.
"""
from __future__ import annotations

from ..modules.module import Module
from .scatter_gather import _device

__all__ = ["replicate"]


def replicate(network: Module, devices: list, detach: bool = False) -> list[Module]:
    """``len(devices)`` replicas of ``network``, replica ``i`` on ``devices[i]``."""
    return [_replica(network, _device(d), detach, {}) for d in devices]


def _replica(module: Module, device, detach: bool, copies: dict[int, Module]) -> Module:
    """A shallow copy of ``module`` and its submodules on ``device``. ``copies`` maps the ids of
    the modules copied so far to their replicas, so that a submodule shared by two parents stays
    shared."""
    if id(module) in copies:
        return copies[id(module)]
    replica = module.__new__(type(module))
    replica.__dict__.update(module.__dict__)
    for registry in ("_parameters", "_buffers", "_modules"):
        object.__setattr__(replica, registry, dict(module.__dict__[registry]))
    for name, p in module._parameters.items():
        if p is not None:
            moved = p.to(device)
            replica._parameters[name] = moved.detach() if detach else moved
    for name, b in module._buffers.items():
        if b is not None:
            replica._buffers[name] = b.to(device)
    for name, child in module._modules.items():
        if child is not None:
            replica._modules[name] = _replica(child, device, detach, copies)
    copies[id(module)] = replica
    return replica
