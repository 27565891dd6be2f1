"""``edutorch.quantization``: 8-bit models, with ``torch.ao.quantization``'s API.

Quantized tensors (``quantize_per_tensor``, ``quantize_per_channel``, ``dequantize``,
``int_repr``), observers that choose their parameters, dynamic quantization
(``quantize_dynamic``) and static post-training quantization (``QuantStub``, ``DeQuantStub``,
``get_default_qconfig``, ``prepare``, calibration, ``convert``) for Linear, Conv2d and ReLU.
"""
from . import modules  # noqa: F401
from .observer import (
    MinMaxObserver,
    MovingAverageMinMaxObserver,
    ObserverBase,
    PerChannelMinMaxObserver,
    default_observer,
    default_per_channel_weight_observer,
    default_weight_observer,
)
from .qconfig import QConfig, default_dynamic_qconfig, default_qconfig, get_default_qconfig
from .qtensor import (
    QTensor,
    dequantize,
    per_channel_affine,
    per_channel_symmetric,
    per_tensor_affine,
    per_tensor_symmetric,
    qdtype,
                      qint8,
                      qint32,
    quantize_per_channel,
    quantize_per_tensor,
                      quint8,
)
from .quantize import convert, prepare, propagate_qconfig_, quantize_dynamic
from .stubs import DeQuantStub, QuantStub

__all__ = ["QTensor", "dequantize", "quantize_per_tensor", "quantize_per_channel", "qdtype",
           "qint8", "quint8", "qint32", "per_tensor_affine", "per_tensor_symmetric",
           "per_channel_affine", "per_channel_symmetric", "MinMaxObserver",
           "MovingAverageMinMaxObserver", "PerChannelMinMaxObserver", "ObserverBase",
           "default_observer", "default_weight_observer",
           "default_per_channel_weight_observer", "QConfig", "default_qconfig",
           "default_dynamic_qconfig", "get_default_qconfig", "QuantStub", "DeQuantStub",
           "prepare", "convert", "propagate_qconfig_", "quantize_dynamic"]
