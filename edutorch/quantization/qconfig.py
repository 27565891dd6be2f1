"""A ``QConfig`` says how to observe a layer: which observer for its output (activation) and
which for its weight."""
from __future__ import annotations

from typing import NamedTuple

from .observer import (
    MinMaxObserver,
    default_observer,
    default_per_channel_weight_observer,
    default_weight_observer,
)
from .qtensor import quint8

__all__ = ["QConfig", "get_default_qconfig", "default_qconfig", "default_dynamic_qconfig"]


class QConfig(NamedTuple):
    activation: object
    weight: object


default_qconfig = QConfig(activation=default_observer, weight=default_weight_observer)
default_dynamic_qconfig = QConfig(activation=MinMaxObserver.with_args(dtype=quint8,
                                                                      reduce_range=True),
                                  weight=default_weight_observer)


def get_default_qconfig(backend: str = "x86") -> QConfig:
    """Per-channel symmetric qint8 weights and quint8 activations with ``reduce_range``
    (``"x86"``/``"fbgemm"``), or per-tensor weights and the full range (``"qnnpack"``).

    One difference from PyTorch: its activation observer is a ``HistogramObserver`` (which
    searches for the range that minimises the quantization error); edutorch uses the plain
    ``MinMaxObserver``, so its activation scales come out a little wider.
    """
    if backend in ("x86", "fbgemm"):
        return QConfig(activation=MinMaxObserver.with_args(reduce_range=True),
                       weight=default_per_channel_weight_observer)
    if backend == "qnnpack":
        return QConfig(activation=MinMaxObserver.with_args(reduce_range=False),
                       weight=default_weight_observer)
    raise ValueError(f"get_default_qconfig(): unknown backend {backend!r} (expected 'x86', "
                     f"'fbgemm' or 'qnnpack')")
