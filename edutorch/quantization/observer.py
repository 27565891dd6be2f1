"""Observers: modules that watch the values flowing through them and choose ``scale`` and
``zero_point`` for quantizing them (``calculate_qparams``).

All of them track a minimum and maximum (per tensor, or per channel), always widened to include
0 so that 0.0 is exactly representable (padding and ReLU outputs are full of zeros). Then:

* affine: ``scale = (max - min) / (qmax - qmin)``, ``zero_point = qmin - round(min / scale)``;
* symmetric: ``scale = max(|min|, max) / ((qmax - qmin) / 2)``, and ``zero_point`` is 0 for
  ``qint8`` (128 for ``quint8``). For ``qint8`` the divisor is 255 / 2 = 127.5, not 127: the
  grid's 256 steps span ``[-128, 127]``, which is what PyTorch uses.

``scale`` is at least ``eps`` (float32's machine epsilon), so an all-zero input still has one.
The arithmetic is float32, as PyTorch's, so the parameters agree to the bit.
"""
from __future__ import annotations

from ..nn.modules.module import Module
from ..tensor import Tensor
from .qtensor import (
    per_channel_affine,
    per_channel_symmetric,
    per_tensor_affine,
    per_tensor_symmetric,
    qdtype,
    qint8,
    quint8,
)

__all__ = ["ObserverBase", "MinMaxObserver", "MovingAverageMinMaxObserver",
           "PerChannelMinMaxObserver", "default_observer", "default_weight_observer",
           "default_per_channel_weight_observer"]


class _PartialConstructor:
    """What ``Observer.with_args(...)`` returns: calling it builds an observer."""

    def __init__(self, cls, kwargs) -> None:
        self.cls, self.kwargs = cls, kwargs

    def __call__(self, **more):
        return self.cls(**{**self.kwargs, **more})

    def with_args(self, **more):
        return _PartialConstructor(self.cls, {**self.kwargs, **more})

    def __repr__(self) -> str:
        return f"{self.cls.__name__}.with_args({self.kwargs})"


class ObserverBase(Module):
    def __init__(self, dtype: qdtype = quint8, qscheme=per_tensor_affine,
                 reduce_range: bool = False, quant_min: int | None = None,
                 quant_max: int | None = None, eps: float = 1.1920928955078125e-07) -> None:
        super().__init__()
        if qscheme not in (per_tensor_affine, per_tensor_symmetric, per_channel_affine,
                           per_channel_symmetric):
            raise NotImplementedError(f"{type(self).__name__}: qscheme {qscheme} is not "
                                      f"supported")
        self.dtype, self.qscheme, self.reduce_range, self.eps = dtype, qscheme, reduce_range, eps
        if quant_min is None:
            # reduce_range: one bit less, as x86 kernels need to avoid overflow
            quant_min, quant_max = dtype.qmin, dtype.qmax
            if reduce_range:
                quant_min, quant_max = (quant_min // 2, quant_max // 2) if dtype is qint8 \
                    else (0, 127)
        self.quant_min, self.quant_max = quant_min, quant_max

    @classmethod
    def with_args(cls, **kwargs) -> _PartialConstructor:
        return _PartialConstructor(cls, kwargs)

    def _qparams(self, min_val: Tensor, max_val: Tensor) -> tuple[Tensor, Tensor]:
        from .. import float32, int64, maximum, minimum, tensor, zeros_like
        min_neg = minimum(min_val, zeros_like(min_val))
        max_pos = maximum(max_val, zeros_like(max_val))
        eps = tensor(self.eps, dtype=float32)
        qmin, qmax = self.quant_min, self.quant_max
        if self.qscheme in (per_tensor_symmetric, per_channel_symmetric):
            max_pos = maximum(-min_neg, max_pos)
            scale = maximum(max_pos / ((qmax - qmin) / 2), eps)
            zp = 0 if self.dtype is qint8 else (qmin + qmax + 1) // 2
            zero_point = zeros_like(scale, dtype=int64) + zp
        else:
            scale = maximum((max_pos - min_neg) / float(qmax - qmin), eps)
            zero_point = (qmin - (min_neg / scale).round()).to(int64).clamp(qmin, qmax)
        return scale, zero_point

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class MinMaxObserver(ObserverBase):
    """Per-tensor parameters from the smallest and largest value seen so far."""

    def __init__(self, dtype: qdtype = quint8, qscheme=per_tensor_affine,
                 reduce_range: bool = False, quant_min: int | None = None,
                 quant_max: int | None = None, eps: float = 1.1920928955078125e-07) -> None:
        super().__init__(dtype, qscheme, reduce_range, quant_min, quant_max, eps)
        from .. import tensor
        self.register_buffer("min_val", tensor(float("inf")))
        self.register_buffer("max_val", tensor(float("-inf")))

    def forward(self, x: Tensor) -> Tensor:
        if x.numel() == 0:
            return x
        from .. import maximum, minimum
        x_ = x.detach().float()
        self.min_val = minimum(self.min_val, x_.min())
        self.max_val = maximum(self.max_val, x_.max())
        return x

    def calculate_qparams(self) -> tuple[Tensor, Tensor]:
        scale, zero_point = self._qparams(self.min_val, self.max_val)
        return scale.reshape(1), zero_point.reshape(1)


class MovingAverageMinMaxObserver(MinMaxObserver):
    """Like MinMaxObserver, but min and max are exponential moving averages of each batch's
    (the first batch's values as they are): one outlier batch moves them only a little."""

    def __init__(self, averaging_constant: float = 0.01, dtype: qdtype = quint8,
                 qscheme=per_tensor_affine, reduce_range: bool = False,
                 quant_min: int | None = None, quant_max: int | None = None,
                 eps: float = 1.1920928955078125e-07) -> None:
        super().__init__(dtype, qscheme, reduce_range, quant_min, quant_max, eps)
        self.averaging_constant = averaging_constant

    def forward(self, x: Tensor) -> Tensor:
        if x.numel() == 0:
            return x
        x_ = x.detach().float()
        lo, hi = x_.min(), x_.max()
        if self.min_val.item() == float("inf") and self.max_val.item() == float("-inf"):
            self.min_val, self.max_val = lo, hi
        else:
            c = self.averaging_constant
            self.min_val = self.min_val + c * (lo - self.min_val)
            self.max_val = self.max_val + c * (hi - self.max_val)
        return x


class PerChannelMinMaxObserver(ObserverBase):
    """Min and max of each slice along ``ch_axis`` (for weights: each output channel)."""

    def __init__(self, ch_axis: int = 0, dtype: qdtype = quint8, qscheme=per_channel_affine,
                 reduce_range: bool = False, quant_min: int | None = None,
                 quant_max: int | None = None, eps: float = 1.1920928955078125e-07) -> None:
        super().__init__(dtype, qscheme, reduce_range, quant_min, quant_max, eps)
        if qscheme not in (per_channel_affine, per_channel_symmetric):
            raise RuntimeError(f"PerChannelMinMaxObserver: qscheme {qscheme} is not a "
                               f"per-channel scheme")
        self.ch_axis = ch_axis
        from .. import tensor
        self.register_buffer("min_val", tensor([]))
        self.register_buffer("max_val", tensor([]))

    def forward(self, x: Tensor) -> Tensor:
        if x.numel() == 0:
            return x
        from .. import maximum, minimum
        x_ = x.detach().float().movedim(self.ch_axis, 0).flatten(1)
        lo, hi = x_.min(dim=1).values, x_.max(dim=1).values
        if self.min_val.numel() == 0:
            self.min_val, self.max_val = lo, hi
        else:
            self.min_val, self.max_val = minimum(self.min_val, lo), maximum(self.max_val, hi)
        return x

    def calculate_qparams(self) -> tuple[Tensor, Tensor]:
        return self._qparams(self.min_val, self.max_val)


default_observer = MinMaxObserver.with_args(dtype=quint8, reduce_range=True)
default_weight_observer = MinMaxObserver.with_args(dtype=qint8, qscheme=per_tensor_symmetric)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(
    dtype=qint8, qscheme=per_channel_symmetric)
