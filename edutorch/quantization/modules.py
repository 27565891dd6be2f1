"""Quantized layers, what ``convert`` and ``quantize_dynamic`` swap float layers for.

Weights are kept as int8 buffers (``weight_int8``, with ``weight_scale`` and
``weight_zero_point``), so ``state_dict()`` and ``edutorch.save`` store one byte per weight.

The products are computed on the integer values in float64: every product and partial sum of
8-bit integers is an integer far below 2**53, so float64 holds it exactly, and the result is
what an integer kernel would give. Then the scales are applied:
``y = sum_k (x_q - x_zp) * (w_q - w_zp) * x_scale * w_scale + bias``.
"""
from __future__ import annotations

from ..nn import functional as F
from ..nn.modules.module import Module
from ..tensor import Tensor
from .qtensor import QTensor, qint8, quantize_per_channel, quantize_per_tensor, quint8

__all__ = ["Quantize", "DeQuantize", "Linear", "Conv2d", "ReLU", "DynamicLinear"]


def _float64(x: QTensor) -> Tensor:
    """``q - zero_point`` as exact float64 integers."""
    from .. import float64
    _, zero_point = x._params_shaped()
    return x._int.to(float64) - zero_point.to(float64)


class _QuantizedWeight(Module):
    """Holds a float layer's weight as int8 (per tensor or per output channel) and its bias."""

    def _set_weight(self, weight_observer, weight: Tensor, bias: Tensor | None) -> None:
        observer = weight_observer()
        observer(weight)
        scale, zero_point = observer.calculate_qparams()
        if hasattr(observer, "ch_axis"):
            q = quantize_per_channel(weight, scale, zero_point, observer.ch_axis, qint8)
        else:
            q = quantize_per_tensor(weight, float(scale.item()), int(zero_point.item()), qint8)
        self.register_buffer("weight_int8", q._int)
        self.register_buffer("weight_scale", scale.reshape(-1))
        self.register_buffer("weight_zero_point", zero_point.reshape(-1))
        self.register_buffer("bias_", None if bias is None else bias.detach().clone())

    def weight(self) -> QTensor:
        """The quantized weight, as a quantized tensor."""
        per_channel = self.weight_scale.numel() > 1
        if per_channel:
            return QTensor(self.weight_int8, qint8, self.weight_scale, self.weight_zero_point, 0)
        return QTensor(self.weight_int8, qint8, float(self.weight_scale.item()),
                       int(self.weight_zero_point.item()), None)

    def _weight_float64(self) -> Tensor:
        return _float64(self.weight())

    def _weight_scale_shaped(self, ndim: int) -> Tensor:
        from .. import float64
        return self.weight_scale.to(float64).reshape([-1] + [1] * (ndim - 1))


class Quantize(Module):
    """Floats in, a quantized tensor out (``scale``, ``zero_point`` from the observer)."""

    def __init__(self, scale: float, zero_point: int, dtype=quint8) -> None:
        super().__init__()
        from .. import float32, tensor
        self.register_buffer("scale", tensor(float(scale), dtype=float32))
        self.register_buffer("zero_point", tensor(int(zero_point)))
        self.dtype = dtype

    def forward(self, x: Tensor) -> QTensor:
        return quantize_per_tensor(x, float(self.scale), int(self.zero_point), self.dtype)

    def extra_repr(self) -> str:
        return f"scale={self.scale.item():.6g}, zero_point={int(self.zero_point)}"


class DeQuantize(Module):
    def forward(self, x: QTensor) -> Tensor:
        return x.dequantize()


class _Requantized(_QuantizedWeight):
    """Static quantization: the output is quantized again, with the observed output range."""

    def _set_output(self, scale: float, zero_point: int) -> None:
        from .. import float32, tensor
        self.register_buffer("scale", tensor(float(scale), dtype=float32))
        self.register_buffer("zero_point", tensor(int(zero_point)))

    def _output(self, acc: Tensor, x: QTensor, channel_dim: int) -> QTensor:
        from .. import float32
        w_scale = self._weight_scale_shaped(acc.dim() - channel_dim)
        y = acc * (x.q_scale() * w_scale)
        if self.bias_ is not None:
            y = y + self.bias_.reshape([-1] + [1] * (acc.dim() - channel_dim - 1))
        return quantize_per_tensor(y.to(float32), float(self.scale), int(self.zero_point),
                                   quint8)


class Linear(_Requantized):
    """A quantized ``nn.Linear``: a quint8 tensor in, a quint8 tensor out."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features

    @classmethod
    def from_float(cls, mod, weight_observer, scale: float, zero_point: int) -> "Linear":
        q = cls(mod.in_features, mod.out_features)
        q._set_weight(weight_observer, mod.weight.detach(), mod.bias)
        q._set_output(scale, zero_point)
        return q

    def forward(self, x: QTensor) -> QTensor:
        acc = _float64(x) @ self._weight_float64().t()
        return self._output(acc, x, acc.dim() - 1)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"scale={self.scale.item():.6g}, zero_point={int(self.zero_point)}")


class Conv2d(_Requantized):
    """A quantized ``nn.Conv2d``: a quint8 tensor in, a quint8 tensor out."""

    def __init__(self, conv) -> None:
        super().__init__()
        for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                     "dilation", "groups"):
            setattr(self, name, getattr(conv, name))
        if getattr(conv, "padding_mode", "zeros") != "zeros":
            raise NotImplementedError(f"quantized Conv2d: padding_mode "
                                      f"{conv.padding_mode!r} is not supported (only 'zeros')")

    @classmethod
    def from_float(cls, mod, weight_observer, scale: float, zero_point: int) -> "Conv2d":
        q = cls(mod)
        q._set_weight(weight_observer, mod.weight.detach(), mod.bias)
        q._set_output(scale, zero_point)
        return q

    def forward(self, x: QTensor) -> QTensor:
        # padding with zeros in the (q - zero_point) domain is padding with the real value 0
        acc = F.conv2d(_float64(x), self._weight_float64(), None, self.stride, self.padding,
                       self.dilation, self.groups)
        return self._output(acc, x, 1)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, scale={self.scale.item():.6g}, "
                f"zero_point={int(self.zero_point)}")


class ReLU(Module):
    """ReLU on a quantized tensor: integers below the zero point (negative reals) become it."""

    def forward(self, x: QTensor) -> QTensor:
        from .. import maximum, tensor
        ints = maximum(x._int, tensor(x.q_zero_point(), dtype=x._int.dtype))
        return QTensor(ints, x.dtype, x._scale, x._zero_point, None)


class DynamicLinear(_QuantizedWeight):
    """Dynamic quantization: int8 weights; each input batch is quantized on the fly (quint8,
    its own min/max, ``reduce_range`` as PyTorch's x86 kernels), the output is float32."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features

    @classmethod
    def from_float(cls, mod, weight_observer) -> "DynamicLinear":
        q = cls(mod.in_features, mod.out_features)
        q._set_weight(weight_observer, mod.weight.detach(), mod.bias)
        return q

    def forward(self, x: Tensor) -> Tensor:
        from .. import float32
        from .observer import MinMaxObserver
        observer = MinMaxObserver(dtype=quint8, reduce_range=True)
        observer(x)
        scale, zero_point = observer.calculate_qparams()
        xq = quantize_per_tensor(x, float(scale.item()), int(zero_point.item()), quint8)
        acc = _float64(xq) @ self._weight_float64().t()
        y = acc * (xq.q_scale() * self._weight_scale_shaped(2).t())
        if self.bias_ is not None:
            y = y + self.bias_
        return y.to(float32)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"dtype=qint8")
