"""Turning a float model into a quantized one.

* ``quantize_dynamic(model, {nn.Linear}, dtype=qint8)``: weights to int8 now, activations
  quantized on the fly at each call. No calibration data needed.
* Static post-training quantization, in three steps::

      model.qconfig = get_default_qconfig("x86")
      prepared = prepare(model)        # an observer after every quantizable layer
      for x in calibration_batches:    # calibration: the observers learn each output's range
          prepared(x)
      quantized = convert(prepared)    # layers swapped for quantized ones

  The model marks where quantized values begin and end with ``QuantStub``/``DeQuantStub``.
"""
from __future__ import annotations

import copy

from .. import nn
from . import modules as qnn
from .qconfig import default_dynamic_qconfig
from .qtensor import qint8
from .stubs import DeQuantStub, QuantStub

__all__ = ["quantize_dynamic", "prepare", "convert", "propagate_qconfig_"]

# float module type -> quantized module type, for static quantization
STATIC_MAPPING = {nn.Linear: qnn.Linear, nn.Conv2d: qnn.Conv2d, nn.ReLU: qnn.ReLU,
                  QuantStub: qnn.Quantize, DeQuantStub: qnn.DeQuantize}
OBSERVED = (nn.Linear, nn.Conv2d, QuantStub)  # whose output range is needed at convert


def quantize_dynamic(model: nn.Module, qconfig_spec=None, dtype=qint8,
                     mapping=None, inplace: bool = False) -> nn.Module:
    """A copy of ``model`` (or ``model`` itself with ``inplace``) whose layers of the types in
    ``qconfig_spec`` (default ``{nn.Linear}``) are dynamically quantized."""
    if dtype is not qint8:
        raise ValueError(f"quantize_dynamic(): dtype {dtype} is not supported (only qint8)")
    types = set(qconfig_spec or {nn.Linear})
    unsupported = {t for t in types if t is not nn.Linear}
    if unsupported:
        raise ValueError(f"quantize_dynamic(): cannot quantize "
                         f"{sorted(t.__name__ for t in unsupported)} dynamically (only Linear)")
    if not inplace:
        model = copy.deepcopy(model)

    def swap(module: nn.Module) -> nn.Module:
        if type(module) in types:
            return qnn.DynamicLinear.from_float(module, default_dynamic_qconfig.weight)
        for name, child in module.named_children():
            setattr(module, name, swap(child))
        return module
    return swap(model)


def propagate_qconfig_(module: nn.Module, qconfig=None) -> None:
    """Give every submodule its parent's ``qconfig`` unless it has its own."""
    qconfig = getattr(module, "qconfig", qconfig)
    if qconfig is not None:
        module.qconfig = qconfig
    for child in module.children():
        propagate_qconfig_(child, qconfig)


def _observe_output(module: nn.Module, inputs, output):
    module.activation_post_process(output)


def prepare(model: nn.Module, inplace: bool = False) -> nn.Module:
    """Attach an activation observer (``activation_post_process``) to every Linear, Conv2d
    and QuantStub that has a ``qconfig``; it records the layer's output range on each call."""
    if not inplace:
        model = copy.deepcopy(model)
    propagate_qconfig_(model)
    if getattr(model, "qconfig", None) is None:
        raise RuntimeError("prepare(): the model has no qconfig; set model.qconfig = "
                           "get_default_qconfig('x86') first")
    for module in model.modules():
        if isinstance(module, OBSERVED) and getattr(module, "qconfig", None) is not None:
            module.activation_post_process = module.qconfig.activation()
            module.register_forward_hook(_observe_output)
    return model


def convert(module: nn.Module, inplace: bool = False) -> nn.Module:
    """Swap each observed float layer (and stub, and ReLU) for its quantized version."""
    if not inplace:
        module = copy.deepcopy(module)

    def swap(m: nn.Module) -> nn.Module:
        target = STATIC_MAPPING.get(type(m))
        if target is None or getattr(m, "qconfig", None) is None:
            for name, child in m.named_children():
                setattr(m, name, swap(child))
            return m
        if target in (qnn.DeQuantize, qnn.ReLU):
            return target()
        observer = getattr(m, "activation_post_process", None)
        if observer is None or observer.min_val.numel() == 0 or \
                observer.min_val.item() == float("inf"):
            raise RuntimeError(f"convert(): {type(m).__name__} has not been calibrated (call "
                               f"prepare() and run some data through the model first)")
        scale, zero_point = observer.calculate_qparams()
        scale, zero_point = float(scale.item()), int(zero_point.item())
        if target is qnn.Quantize:
            return qnn.Quantize(scale, zero_point, observer.dtype)
        return target.from_float(m, m.qconfig.weight, scale, zero_point)
    return swap(module)
