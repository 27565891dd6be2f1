"""``DataParallel``: one process, the batch split across several devices.

Each forward: ``scatter`` the batch into one chunk per device, ``replicate`` the module onto
the devices, ``parallel_apply`` the replicas to their chunks (threads), ``gather`` the outputs
onto ``output_device``. Backward runs through all four (they are differentiable), so the
original module's parameters receive the sum of the replicas' gradients: the same gradient as
one forward over the whole batch.
"""
from __future__ import annotations

from ... import cuda
from ..modules.module import Module
from .parallel_apply import parallel_apply
from .replicate import replicate
from .scatter_gather import _device, gather, scatter_kwargs

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Split each batch along ``dim`` across ``device_ids``; the module must live on
    ``device_ids[0]``. ``device_ids`` defaults to every CUDA device; with none (a CPU-only
    machine) the module is simply called. Devices may be CUDA indices or devices such as
    ``"cpu"`` (several ``"cpu"`` entries run the replicas in parallel threads)."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        if device_ids is None:
            device_ids = list(range(cuda.device_count())) if cuda.is_available() else []
        self.device_ids = [_device(d) for d in device_ids]
        self.output_device = _device(output_device) if output_device is not None else \
            (self.device_ids[0] if self.device_ids else None)
        self.dim = dim
        if self.device_ids:
            first = self.device_ids[0]
            for name, t in list(module.named_parameters()) + list(module.named_buffers()):
                if (t.device.type, t.device.index or 0) != (first.type, first.index or 0):
                    raise RuntimeError(f"module must have its parameters and buffers on device "
                                       f"{first} (device_ids[0]) but found one of them on "
                                       f"device: {t.device} ({name})")

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        inputs, kwargs = scatter_kwargs(inputs, kwargs, self.device_ids, self.dim)
        if not inputs and not kwargs:  # a forward without arguments runs once
            inputs, kwargs = ((),), ({},)
        if len(self.device_ids) == 1:
            return self.module(*inputs[0], **kwargs[0])
        replicas = replicate(self.module, self.device_ids[:len(inputs)])
        outputs = parallel_apply(replicas, inputs, kwargs, self.device_ids)
        return gather(outputs, self.output_device, self.dim)
