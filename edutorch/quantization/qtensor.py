"""Quantized tensors: integers plus the affine map back to real numbers.

A quantized tensor stores small integers ``q`` (8 bits: ``qint8`` in -128..127, ``quint8`` in
0..255) and a ``scale`` and ``zero_point`` that give the real value each integer stands for::

    x ≈ (q - zero_point) * scale          q = clamp(round(x / scale) + zero_point, qmin, qmax)

``round`` is round-half-to-even, as in PyTorch. *Per tensor*, one ``(scale, zero_point)``
serves every element; *per channel*, each slice along ``axis`` (a layer's output channel) has
its own, so a channel of small weights is not forced onto the grid of the largest one.

The arithmetic follows PyTorch's CPU kernels to the bit: ``x * float32(1 / scale) +
zero_point`` in float32, then rounding (tests compare ``int_repr`` with PyTorch's).
"""
from __future__ import annotations

from ..tensor import Tensor

__all__ = ["qdtype", "qint8", "quint8", "qint32", "per_tensor_affine", "per_channel_affine",
           "per_tensor_symmetric", "per_channel_symmetric", "QTensor", "quantize_per_tensor",
           "quantize_per_channel", "dequantize"]


class qdtype:
    """A quantized dtype: the integer type that holds ``q`` and its range."""

    def __init__(self, name: str, storage: str, qmin: int, qmax: int) -> None:
        self.name, self.storage, self.qmin, self.qmax = name, storage, qmin, qmax
        self.is_floating_point = False
        self.itemsize = {"int8": 1, "uint8": 1, "int32": 4}[storage]

    def __repr__(self) -> str:
        return f"edutorch.{self.name}"

    def __deepcopy__(self, memo):  # one object per dtype: compared with ``is``
        return self


qint8 = qdtype("qint8", "int8", -128, 127)
quint8 = qdtype("quint8", "uint8", 0, 255)
qint32 = qdtype("qint32", "int32", -2 ** 31, 2 ** 31 - 1)


class _QScheme:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"edutorch.{self.name}"

    def __deepcopy__(self, memo):
        return self


per_tensor_affine = _QScheme("per_tensor_affine")
per_channel_affine = _QScheme("per_channel_affine")
per_tensor_symmetric = _QScheme("per_tensor_symmetric")
per_channel_symmetric = _QScheme("per_channel_symmetric")


def _storage_dtype(dtype: qdtype):
    from .. import _dtype as dt
    return dt.to_dtype(dtype.storage)


def _check_dtype(dtype, op: str) -> qdtype:
    if not isinstance(dtype, qdtype):
        raise RuntimeError(f"{op}(): expected a quantized dtype (qint8, quint8, qint32), "
                           f"got {dtype}")
    return dtype


def _quantize(x: Tensor, scale: Tensor, zero_point: Tensor, dtype: qdtype) -> Tensor:
    """The integers for ``x`` (float32 maths as PyTorch's kernels; round half to even)."""
    from .. import float32, float64
    inv_scale = (1.0 / scale.to(float64)).to(float32)
    q = (x.to(float32) * inv_scale + zero_point.to(float32)).round()
    return q.clamp(dtype.qmin, dtype.qmax).to(_storage_dtype(dtype))


class QTensor:
    """A quantized tensor: ``int_repr()`` (the stored integers), ``dequantize()`` (floats), and
    its parameters (``q_scale()``/``q_zero_point()``, or ``q_per_channel_*()``)."""

    is_quantized = True

    def __init__(self, int_repr: Tensor, dtype: qdtype, scale, zero_point, axis: int | None,
                 symmetric: bool = False) -> None:
        self._int = int_repr
        self.dtype = dtype
        self._scale, self._zero_point, self._axis = scale, zero_point, axis
        self._symmetric = symmetric

    # -- what it is -------------------------------------------------------------------------
    @property
    def shape(self):
        return self._int.shape

    def size(self, dim: int | None = None):
        return self._int.size(dim)

    def dim(self) -> int:
        return self._int.dim()

    def numel(self) -> int:
        return self._int.numel()

    def element_size(self) -> int:
        return self.dtype.itemsize

    @property
    def device(self):
        return self._int.device

    def int_repr(self) -> Tensor:
        """The stored integers (int8, uint8 or int32)."""
        return self._int.clone()

    def qscheme(self) -> _QScheme:
        return per_tensor_affine if self._axis is None else per_channel_affine

    def q_scale(self) -> float:
        self._need_per_tensor("q_scale")
        return float(self._scale)

    def q_zero_point(self) -> int:
        self._need_per_tensor("q_zero_point")
        return int(self._zero_point)

    def q_per_channel_scales(self) -> Tensor:
        self._need_per_channel("q_per_channel_scales")
        return self._scale.clone()

    def q_per_channel_zero_points(self) -> Tensor:
        self._need_per_channel("q_per_channel_zero_points")
        return self._zero_point.clone()

    def q_per_channel_axis(self) -> int:
        self._need_per_channel("q_per_channel_axis")
        return self._axis

    def _need_per_tensor(self, op: str) -> None:
        if self._axis is not None:
            raise RuntimeError(f"{op}(): expected a per-tensor quantized tensor, this one is "
                               f"quantized per channel (axis {self._axis})")

    def _need_per_channel(self, op: str) -> None:
        if self._axis is None:
            raise RuntimeError(f"{op}(): expected a per-channel quantized tensor, this one is "
                               f"quantized per tensor")

    def _params_shaped(self):
        """scale and zero_point as tensors that broadcast against the integers."""
        from .. import float32, tensor
        if self._axis is None:
            return tensor(self._scale, dtype=float32), tensor(self._zero_point)
        shape = [1] * self._int.dim()
        shape[self._axis] = -1
        return self._scale.to(float32).reshape(shape), self._zero_point.reshape(shape)

    def dequantize(self) -> Tensor:
        """``(q - zero_point) * scale`` as float32 (per channel: computed in float64 with the
        float64 scales, then rounded to float32, as PyTorch's kernel does)."""
        from .. import float32, float64
        scale, zero_point = self._params_shaped()
        if self._axis is not None:
            scale = self._scale.reshape(scale.shape)
            return ((self._int.to(float64) - zero_point.to(float64)) * scale).to(float32)
        return (self._int.to(float32) - zero_point.to(float32)) * scale

    # -- shape changes keep per-tensor parameters ----------------------------------------------
    def _same_params(self, ints: Tensor) -> "QTensor":
        self._need_per_tensor("reshape")
        return QTensor(ints, self.dtype, self._scale, self._zero_point, None)

    def reshape(self, *shape) -> "QTensor":
        return self._same_params(self._int.reshape(*shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "QTensor":
        return self._same_params(self._int.flatten(start_dim, end_dim))

    def __repr__(self) -> str:
        if self._axis is None:
            params = f"scale={self.q_scale()}, zero_point={self.q_zero_point()}"
        else:
            params = (f"scale={self._scale}, zero_point={self._zero_point}, "
                      f"axis={self._axis}")
        values = repr(self.dequantize())[len("tensor("):-1]
        return (f"tensor({values}, size={tuple(self.shape)}, dtype={self.dtype}, "
                f"quantization_scheme={self.qscheme()}, {params})")


def quantize_per_tensor(input: Tensor, scale: float, zero_point: int, dtype: qdtype) -> QTensor:
    """Quantize ``input`` with one ``scale`` and ``zero_point`` for every element."""
    _check_dtype(dtype, "quantize_per_tensor")
    if not input.is_floating_point():
        raise RuntimeError(f"quantize_per_tensor(): expected a floating-point input, got "
                           f"{input.dtype}")
    from .. import float64, tensor
    ints = _quantize(input.detach(), tensor(float(scale), dtype=float64),
                     tensor(int(zero_point)), dtype)
    return QTensor(ints, dtype, float(scale), int(zero_point), None)


def quantize_per_channel(input: Tensor, scales: Tensor, zero_points: Tensor, axis: int,
                         dtype: qdtype) -> QTensor:
    """Quantize each slice ``input.select(axis, c)`` with ``scales[c]``, ``zero_points[c]``."""
    _check_dtype(dtype, "quantize_per_channel")
    if not -input.dim() <= axis < input.dim():
        raise IndexError(f"quantize_per_channel(): axis {axis} is out of range for a "
                         f"{input.dim()}-d input")
    axis %= input.dim()
    n = input.shape[axis]
    if scales.numel() != n or zero_points.numel() != n:
        raise RuntimeError(f"quantize_per_channel(): input has {n} channels along axis {axis} "
                           f"but {scales.numel()} scales and {zero_points.numel()} zero points")
    from .. import float64, int64
    scales, zero_points = scales.detach().to(float64), zero_points.detach().to(int64)
    shape = [1] * input.dim()
    shape[axis] = -1
    ints = _quantize(input.detach(), scales.reshape(shape), zero_points.reshape(shape), dtype)
    return QTensor(ints, dtype, scales, zero_points, axis)


def dequantize(qtensor: QTensor) -> Tensor:
    """The float32 values a quantized tensor stands for."""
    if not isinstance(qtensor, QTensor):
        raise TypeError(f"dequantize(): expected a quantized tensor, got "
                        f"{type(qtensor).__name__}")
    return qtensor.dequantize()
