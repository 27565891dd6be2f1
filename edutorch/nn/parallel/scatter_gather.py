"""``scatter`` splits a batch across devices; ``gather`` joins the per-device outputs again.

Both are differentiable: the backward of ``scatter`` joins the gradients of the chunks, the
backward of ``gather`` splits the output's gradient (``chunk``/``cat`` and ``Tensor.to`` do it).
"""
from __future__ import annotations

from ..._device import device as Device
from ...tensor import Tensor

__all__ = ["scatter", "scatter_kwargs", "gather"]


def _device(d) -> Device:
    return Device("cuda", d) if isinstance(d, int) else Device(d)


def scatter(inputs, target_gpus: list, dim: int = 0) -> list:
    """Split every tensor in ``inputs`` (nested in tuples, lists and dicts) into
    ``len(target_gpus)`` chunks along ``dim``, chunk ``i`` moved to device ``i``; anything else
    is passed to every device as it is. Returns one structure per device (fewer if the batch
    has fewer rows than there are devices)."""
    devices = [_device(d) for d in target_gpus]

    def split(obj):
        if isinstance(obj, Tensor):
            return [c.to(d) for c, d in zip(obj.chunk(len(devices), dim), devices)]
        if isinstance(obj, tuple) and obj:
            return [type(obj)(parts) if not hasattr(obj, "_fields") else type(obj)(*parts)
                    for parts in zip(*map(split, obj))]
        if isinstance(obj, list) and obj:
            return [list(parts) for parts in zip(*map(split, obj))]
        if isinstance(obj, dict) and obj:
            return [type(obj)(zip(obj.keys(), parts)) for parts in zip(*map(split, obj.values()))]
        return [obj for _ in devices]
    return split(inputs)


def scatter_kwargs(inputs: tuple, kwargs: dict | None, target_gpus: list, dim: int = 0):
    """``scatter`` for positional and keyword arguments together, padded to equal length."""
    scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    n = max(len(scattered_inputs), len(scattered_kwargs))
    scattered_inputs += [() for _ in range(n - len(scattered_inputs))]
    scattered_kwargs += [{} for _ in range(n - len(scattered_kwargs))]
    return tuple(scattered_inputs), tuple(scattered_kwargs)


def gather(outputs: list, target_device, dim: int = 0):
    """Join per-device outputs (tensors, nested in tuples, lists and dicts) on
    ``target_device`` by concatenating along ``dim``."""
    from ..._ops.shape import cat
    device = _device(target_device)
    first = outputs[0]
    if isinstance(first, Tensor):
        return cat([o.to(device) for o in outputs], dim)
    if first is None:
        return None
    if isinstance(first, dict):
        return type(first)((k, gather([o[k] for o in outputs], device, dim)) for k in first)
    if isinstance(first, (tuple, list)):
        parts = [gather(list(p), device, dim) for p in zip(*outputs)]
        return type(first)(*parts) if hasattr(first, "_fields") else type(first)(parts)
    return first
