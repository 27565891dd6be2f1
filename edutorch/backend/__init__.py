"""Backends: which array library computes for a device.

``"cpu"`` tensors hold NumPy arrays, ``"cuda"`` tensors hold CuPy arrays. The two libraries share
one API, so an op asks ``xp_of(array)`` for the module and calls ``xp.exp``, ``xp.matmul``, ...
This module is the only place in edutorch that imports NumPy or CuPy to compute; it also holds
the few primitives that API lacks (scatter-add with repeated indices, sliding windows) and the
random number generators (see :mod:`edutorch.backend.random`) and the memory helpers
(:mod:`edutorch.backend.memory`).
"""
from __future__ import annotations

import os

import numpy as np

from . import memory

ndarray = np.ndarray
_cupy = None  # imported on first use: a CPU-only install never needs CuPy
# EDUTORCH_FAKE_CUDA=1: "cuda" runs on a stand-in CuPy made of NumPy (fake_cupy.py), so CI checks
# the GPU path on machines without a GPU. Read once, here.
FAKE_CUDA = os.environ.get("EDUTORCH_FAKE_CUDA", "0") not in ("", "0")

memory.keep_freed_memory()  # once, at import: large freed blocks stay reusable (memory.py)


def _silence_floating_point_warnings() -> None:
    """log(0) = -inf, 0/0 = nan, exp(1000) = inf: PyTorch returns these silently and so does
    edutorch. NumPy would print a RuntimeWarning from inside edutorch's ops; this filter drops
    only warnings raised in edutorch's own modules (a user's NumPy code still warns)."""
    import warnings
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"edutorch(\.|$)")


_silence_floating_point_warnings()


def _import_cupy():
    global _cupy
    if _cupy is None and FAKE_CUDA:
        from . import fake_cupy
        _cupy = fake_cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as e:  # noqa: F841 - message says what to do
            raise RuntimeError(
                "edutorch: device 'cuda' needs CuPy, which is not installed. "
                "Install it with `pip install edutorch[gpu]` (a CUDA-enabled GPU and driver are "
                "needed too), or use device='cpu'.") from None
        _cupy = cupy
    return _cupy


def _cupyx():
    """CuPy's companion package (``cupyx.scatter_add``, ``cupyx.scipy.special``)."""
    if FAKE_CUDA:
        return _import_cupy().cupyx
    import cupyx
    import cupyx.scipy.special  # noqa: F401 - a sub-package, imported on its own
    return cupyx


def cuda_is_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        cp = _import_cupy()
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def cuda_device_count() -> int:
    try:
        return _import_cupy().cuda.runtime.getDeviceCount()
    except Exception:
        return 0


def _require_cuda(index: int):
    cp = _import_cupy()
    try:
        n = cp.cuda.runtime.getDeviceCount()
    except Exception as e:
        raise RuntimeError(f"edutorch: device 'cuda' requested but CuPy cannot reach a CUDA "
                           f"device ({type(e).__name__}: {e}). Check the NVIDIA driver, or use "
                           f"device='cpu'.") from None
    if index >= n:
        raise RuntimeError(f"edutorch: device 'cuda:{index}' requested but only {n} CUDA "
                           f"device(s) are visible")
    return cp


def xp_of(array):
    """The array module (numpy or cupy) that owns ``array``."""
    if type(array) is np.ndarray or isinstance(array, np.generic):
        return np
    return _cupy


def module_for(device_type: str, index: int = 0):
    """The array module that serves a device type (``"cpu"`` or ``"cuda"``)."""
    if device_type == "cpu":
        return np
    return _require_cuda(index)


def device_of(array) -> tuple[str, int | None]:
    """(type, index) of the device that holds ``array``."""
    if type(array) is np.ndarray:
        return ("cpu", None)
    return ("cuda", int(array.device.id))


def is_gpu_array(x) -> bool:
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def is_numpy(array) -> bool:
    return type(array) is np.ndarray


def np_dtype(name: str):
    """The NumPy dtype object for one of edutorch's dtype names (CuPy uses the same)."""
    if name == "bfloat16":
        return _bfloat16()
    return np.dtype(name)


def is_floating(np_dtype) -> bool:
    """Whether an array dtype is floating point (ml_dtypes' bfloat16 has NumPy kind 'V')."""
    return np_dtype.kind == "f" or np_dtype.name == "bfloat16"


def _bfloat16():
    """NumPy has no bfloat16; the optional ``ml_dtypes`` package (Google's, used by JAX) adds
    one that NumPy's ufuncs understand. CuPy does not support it."""
    try:
        import ml_dtypes
    except ImportError:
        raise ModuleNotFoundError(
            "edutorch.bfloat16 needs the ml_dtypes package, because NumPy has no bfloat16: "
            "pip install ml_dtypes (or pip install 'edutorch[bfloat16]')") from None
    return np.dtype(ml_dtypes.bfloat16)


def dtype_name(array) -> str:
    return array.dtype.name


def asarray(obj, dtype=None, device_type: str = "cpu", index: int = 0, copy: bool = False):
    """Turn nested lists, scalars or arrays into an array on the device."""
    xp = module_for(device_type, index or 0)
    if xp is np:
        if _cupy is not None and isinstance(obj, _cupy.ndarray):
            obj = obj.get()
        return np.array(obj, dtype=dtype, copy=True) if copy else np.asarray(obj, dtype=dtype)
    with xp.cuda.Device(index or 0):
        return xp.array(obj, dtype=dtype, copy=copy) if copy else xp.asarray(obj, dtype=dtype)


def infer_dtype_name(obj) -> str:
    """The dtype name NumPy would give ``obj`` (used to apply PyTorch's defaults)."""
    return np.asarray(obj).dtype.name


def to_device(array, device_type: str, index: int | None = None):
    """Copy ``array`` to another device (returns it unchanged when already there)."""
    if device_type == "cpu":
        return array if type(array) is np.ndarray else array.get()
    cp = _require_cuda(index or 0)
    with cp.cuda.Device(index or 0):
        if isinstance(array, cp.ndarray) and array.device.id == (index or 0):
            return array
        return cp.asarray(array)


def to_numpy(array):
    if type(array) is np.ndarray:
        return array
    if isinstance(array, (np.ndarray, np.generic)):  # NumPy 2 scalars have .device too
        return np.asarray(array)
    return array.get()


def ensure_array(value, xp):
    """NumPy reductions on whole arrays return NumPy scalars; a tensor always holds an array."""
    if xp is np and type(value) is not np.ndarray:
        return np.asarray(value)
    return value


def is_view_of(out, inp) -> bool:
    """Whether ``out`` shares ``inp``'s memory as a view (NumPy and CuPy record ``.base``)."""
    base = out.base
    return base is not None and (base is inp or base is inp.base)


def has_overlap(array) -> bool:
    """True for views in which several elements share memory (broadcasts, stride 0)."""
    if type(array) is np.ndarray and not array.flags.writeable:
        return True
    return 0 in array.strides and array.size > 1


def reshape_view(array, shape):
    """Reshape without copying; raise ValueError when only a copy could give that shape."""
    if type(array) is np.ndarray:
        return np.reshape(array, shape, copy=False)
    out = array.view()
    out.shape = shape  # CuPy raises AttributeError when a copy would be needed
    return out



def sum_axes(from_shape: tuple, to_shape: tuple) -> tuple:
    """The axes to sum so that an array of ``from_shape`` (a broadcast of ``to_shape``) comes
    back to ``to_shape``: the extra leading ones, and those where ``to_shape`` has a 1."""
    lead = len(from_shape) - len(to_shape)
    if lead < 0:
        raise ValueError(f"shape {list(to_shape)} is not expandable to {list(from_shape)}")
    axes = list(range(lead))
    for i, s in enumerate(to_shape):
        if s == 1 and from_shape[lead + i] != 1:
            axes.append(lead + i)
        elif s != from_shape[lead + i]:
            raise ValueError(f"shape {list(to_shape)} is not expandable to {list(from_shape)}")
    return tuple(axes)


def sum_to(array, shape: tuple):
    """Undo broadcasting: sum ``array`` down to ``shape`` (the gradient of a broadcast input)."""
    axes = sum_axes(array.shape, shape)
    return array.sum(axis=axes, keepdims=True).reshape(shape)

def scatter_add(target, key, values) -> None:
    """``target[key] += values`` where repeated indices in ``key`` all add (unbuffered)."""
    if type(target) is np.ndarray:
        np.add.at(target, key, values)
    else:
        _cupyx().scatter_add(target, key, values)


def sliding_windows(array, window_shape, axis):
    """A read-only strided view of every window of ``window_shape`` along ``axis`` (no copy).

    For an array of shape (N, C, H, W), windows (kh, kw) over axes (2, 3) give shape
    (N, C, H-kh+1, W-kw+1, kh, kw): the im2col of convolution without a Python loop.
    """
    if type(array) is np.ndarray:
        return np.lib.stride_tricks.sliding_window_view(array, window_shape, axis=axis)
    return _cupy.lib.stride_tricks.sliding_window_view(array, window_shape, axis=axis)


def as_strided(array, shape, strides):
    if type(array) is np.ndarray:
        return np.lib.stride_tricks.as_strided(array, shape, strides, writeable=False)
    return _cupy.lib.stride_tricks.as_strided(array, shape, strides)


def array_str(array, formatter, separator: str, prefix: str, threshold: int = 1000,
              edgeitems: int = 3, linewidth: int = 80) -> str:
    """Text of an array for ``repr`` (always through NumPy)."""
    return np.array2string(to_numpy(array), formatter=formatter, separator=separator,
                           prefix=prefix, threshold=threshold, edgeitems=edgeitems,
                           max_line_width=linewidth)


def finite_values(array):
    """NumPy array of the finite values of ``array`` (for choosing a print format)."""
    a = to_numpy(array)
    return a[np.isfinite(a)] if a.dtype.kind == "f" else a


def is_integral(array) -> bool:
    return bool(np.all(np.floor(array) == array))


def erf(array):
    """The error function, vectorised (NumPy has none; CuPy ships one).

    |x| < 2.5: the Taylor series 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), 45 terms;
    |x| >= 2.5: 1 - erfc(x) with erfc from its continued fraction
    erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), 60 levels.
    Both are accurate to about 1e-14 in float64.
    """
    if type(array) is not np.ndarray:
        return _cupyx().scipy.special.erf(array)
    x = array.astype(np.float64)
    out = np.empty_like(x)
    ax = np.abs(x)
    small = ax < 2.5
    xs = x[small]
    x2 = xs * xs
    term = xs.copy()
    total = xs.copy()
    for n in range(1, 46):
        term *= -x2 / n
        total += term / (2 * n + 1)
    out[small] = total * (2 / np.sqrt(np.pi))
    xl = ax[~small]
    t = xl.copy()
    for k in range(60, 0, -1):
        t = xl + (k / 2) / t
    erfc = np.exp(-xl * xl) / (np.sqrt(np.pi) * t)
    out[~small] = np.sign(x[~small]) * (1 - erfc)
    return out.astype(array.dtype, copy=False)


def qr(array):
    """QR decomposition ``(q, r)`` of a matrix (reduced mode), used by ``nn.init.orthogonal_``."""
    if type(array) is np.ndarray:
        return np.linalg.qr(array)
    return _cupy.linalg.qr(array)


def float_info(name: str):
    if name == "bfloat16":
        import ml_dtypes
        return ml_dtypes.finfo(_bfloat16())
    return np.finfo(np.dtype(name))


def int_info(name: str):
    return np.iinfo(np.dtype(name if name != "bool" else "uint8"))


def _threadpool_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        raise ImportError("set_num_threads/get_num_threads need the threadpoolctl package: pip "
                          "install threadpoolctl (it pins the threads of NumPy's BLAS)") from None
    return ThreadpoolController()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the BLAS/OpenMP libraries NumPy computes with."""
    if not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    _threadpool_controller().limit(limits=n)


def get_num_threads() -> int:
    """How many threads NumPy's BLAS uses (the largest of its thread pools)."""
    pools = _threadpool_controller().info()
    return max((p["num_threads"] for p in pools), default=1)
