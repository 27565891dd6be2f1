"""Helpers shared by the op modules: wrapping results, promotion, devices, broadcasting."""
from __future__ import annotations

from numbers import Number

from .. import _dtype as dt
from .. import backend
from ..autograd import grad_mode
from ..tensor import Tensor

wrap = Tensor._wrap
_ndarray = backend.ndarray
state = grad_mode.state
xp_of = backend.xp_of

__all__ = ["Tensor", "wrap", "state", "xp_of", "promote", "check_devices", "as_tensor_like",
           "float_array", "normalize_dims", "wrap_dim", "device_error"]


def device_error(op: str, *tensors) -> RuntimeError:
    devs = ", ".join(str(t.device) for t in tensors)
    return RuntimeError(f"{op}: Expected all tensors to be on the same device, but found at "
                        f"least two devices ({devs})")


def check_devices(op: str, *tensors) -> None:
    first = tensors[0]._data
    for t in tensors[1:]:
        if type(t._data) is not type(first) or (
                not backend.is_numpy(first) and t._data.device != first.device):
            raise device_error(op, *tensors)


def check_broadcastable(a_shape: tuple, b_shape: tuple, op: str) -> None:
    """Raise PyTorch's error when two shapes cannot broadcast (NumPy's would name no op)."""
    n = max(len(a_shape), len(b_shape))
    for i in range(1, min(len(a_shape), len(b_shape)) + 1):
        x, y = a_shape[-i], b_shape[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"{op}: The size of tensor a ({x}) must match the size of tensor "
                               f"b ({y}) at non-singleton dimension {n - i} (shapes "
                               f"{list(a_shape)} and {list(b_shape)})")


def _as_number(x, op):
    t = type(x)
    if t is float or t is int or t is bool:
        return x
    if isinstance(x, Number):
        return x.item() if hasattr(x, "item") else x
    raise TypeError(f"{op}: expected a Tensor or a number, got {type(x).__name__}")


def float_array(a):
    """``a`` as floating point: integer and bool arrays become the default float dtype."""
    if backend.is_floating(a.dtype):
        return a
    return a.astype(dt.get_default_dtype().np)


def _wrap_int(b: int, dtype) -> int:
    """A Python int outside a small integer dtype's range wraps around, as in PyTorch
    (uint8 tensor + -3 adds 253)."""
    bits = 8 * dtype.itemsize
    lo = -(1 << (bits - 1)) if dtype.kind == "i" else 0
    if lo <= b < lo + (1 << bits) or not -(1 << 63) <= b < 1 << 63:
        return b  # in range; or beyond int64, where NumPy's OverflowError stands
    b &= (1 << bits) - 1
    return b - (1 << bits) if b >= lo + (1 << bits) else b


def as_tensor_like(x, ref: Tensor) -> Tensor:
    """A Python number as a zero-dim tensor on ``ref``'s device (for ops that need a tensor)."""
    if isinstance(x, Tensor):
        return x
    xp = xp_of(ref._data)
    d = dt.result_type(ref, x) if not isinstance(x, bool) else dt.bool_
    return wrap(xp.asarray(x, dtype=d.np))


def wrap_dim(dim: int, ndim: int, op: str = "") -> int:
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if not lo <= dim <= hi:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{lo}, {hi}], but got {dim})")
    return dim + ndim if dim < 0 and ndim else (0 if ndim == 0 else dim)


def normalize_dims(dim, ndim: int, op: str) -> tuple | None:
    """``dim`` (None, int, list or tuple) as a sorted tuple of non-negative axes."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        axes = tuple(sorted(wrap_dim(d, ndim, op) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{op}: dim {list(dim)} appears multiple times in the list of dims")
        return axes
    return (wrap_dim(dim, ndim, op),)


def _array_device_error(op: str, *arrays) -> RuntimeError:
    names = []
    for a in arrays:
        kind, index = backend.device_of(a)
        names.append(kind if index is None else f"{kind}:{index}")
    return RuntimeError(f"{op}: Expected all tensors to be on the same device, but found at "
                        f"least two devices ({', '.join(names)})")


def promote(A, B, op: str):
    """The operands of a binary op, as arrays of PyTorch's promoted dtype.

    ``A`` is an array; ``B`` an array or a Python number, which stays a number: the backends
    treat numbers as "weak", so ``float32 array * 2.5`` stays float32, as in PyTorch. Checks
    devices and broadcasting, with errors that name the op.
    """
    if type(B) is float and A.dtype.kind == "f":  # the most common case: tensor op 2.5
        # NumPy (2.x) treats a Python float as "weak", as PyTorch does: the result keeps A's
        # dtype. CuPy is given a scalar of A's dtype, which means the same everywhere.
        return A, (B if type(A) is _ndarray else A.dtype.type(B))
    if isinstance(B, _ndarray) or backend.is_gpu_array(B):
        if type(A) is not type(B) or (type(A) is not _ndarray and A.device != B.device):
            raise _array_device_error(op, A, B)
        if A.dtype != B.dtype:
            d = dt.result_type(_Operand(A), _Operand(B)).np
            if A.dtype != d:
                A = A.astype(d)
            if B.dtype != d:
                B = B.astype(d)
        if A.shape != B.shape:
            check_broadcastable(A.shape, B.shape, op)
        return A, B
    if type(B) is not float and type(B) is not int:
        B = _as_number(B, op)
    kind = A.dtype.kind
    if kind != "f" and backend.is_floating(A.dtype):
        kind = "f"
    if kind == "f":
        if type(B) is not bool:
            B = A.dtype.type(B)  # a scalar of A's own dtype: same result, cheaper per call
    elif isinstance(B, float):
        A = A.astype(dt.get_default_dtype().np)
    elif kind == "b" and not isinstance(B, bool):
        A = A.astype(dt.int64.np)
    elif kind in "iu" and type(B) is int:
        B = _wrap_int(B, A.dtype)
    return A, B


class _Operand:
    """An array seen as a tensor by ``dt.result_type`` (which reads ``_data``)."""
    __slots__ = ("_data",)

    def __init__(self, array):
        self._data = array
