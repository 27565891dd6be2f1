"""``QuantStub`` and ``DeQuantStub`` mark where a model's quantized part begins and ends.

Before ``convert`` they pass values through (``QuantStub`` is observed, to learn the input's
range); ``convert`` replaces them by ``Quantize`` (floats to a quantized tensor) and
``DeQuantize`` (back to floats).
"""
from __future__ import annotations

from ..nn.modules.module import Module

__all__ = ["QuantStub", "DeQuantStub"]


class QuantStub(Module):
    def __init__(self, qconfig=None) -> None:
        super().__init__()
        if qconfig is not None:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class DeQuantStub(Module):
    def __init__(self, qconfig=None) -> None:
        super().__init__()
        if qconfig is not None:
            self.qconfig = qconfig

    def forward(self, x):
        return x
