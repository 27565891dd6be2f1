"""edutorch: a small, readable, PyTorch-compatible deep learning library on NumPy and CuPy.

``import edutorch as torch`` and PyTorch's tensor and autograd code runs, with the same numbers.
"""
from __future__ import annotations

__version__ = "0.1.0"

from . import backend
from .backend import get_num_threads, set_num_threads
from ._dtype import (bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64,
                     bfloat16, dtype, get_default_dtype, set_default_dtype, promote_types, finfo,
                     iinfo)
from ._device import device
from .tensor import Tensor, Size
from .autograd import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from . import autograd
from .backend.random import Generator
from ._ops.creation import *  # noqa: F401,F403
from ._ops.pointwise import *  # noqa: F401,F403
from ._ops.reduction import *  # noqa: F401,F403
from ._ops.shape import *  # noqa: F401,F403
from ._ops.indexing import (gather, scatter, scatter_add, index_select, index_add, masked_fill,
                            masked_select, nonzero, argwhere, tril, triu, diagonal,
                            take_along_dim)
from ._ops.linalg import *  # noqa: F401,F403
from ._ops.activation import softmax, log_softmax
from ._ops.registry import FUNCTIONS as _FUNCTIONS
from . import cuda

globals().update(_FUNCTIONS)  # every registered op: edutorch.exp, edutorch.add, ...

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

from ._dtype import result_type as _result_type  # noqa: E402


def result_type(a, b) -> dtype:
    """The dtype PyTorch's promotion gives ``a op b``."""
    return _result_type(a, b)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    return x.numel()


def is_floating_point(x: Tensor) -> bool:
    return x.is_floating_point()


def clamp_(x, min=None, max=None):
    return x.clamp_(min, max)


def relu_(x):
    return x.relu_()




def _tensor_first(fn):
    """``edutorch.exp([1, 2])`` should say what is wrong, as PyTorch does, not fail deep inside
    with an AttributeError. The try costs nothing until something goes wrong."""
    import functools

    @functools.wraps(fn)
    def op(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (AttributeError, TypeError):
            if args and not isinstance(args[0], Tensor):
                raise TypeError(f"{fn.__name__}(): argument 'input' (position 1) must be "
                                f"Tensor, not {type(args[0]).__name__}") from None
            raise
    return op


def _guard_functions() -> None:
    from ._ops import activation, linalg, pointwise, reduction, shape
    takes_other_first = {"cat", "concat", "concatenate", "stack", "hstack", "vstack", "einsum",
                         "meshgrid", "broadcast_shapes", "where", "view_result"}
    names = set()
    for module in (pointwise, reduction, shape, linalg, activation):
        names.update(module.__all__)
    for name in names - set(_FUNCTIONS):  # registered ops have the guard already (registry)
        obj = globals().get(name)
        if callable(obj) and not isinstance(obj, type) and name not in takes_other_first:
            globals()[name] = _tensor_first(obj)


_guard_functions()

# The layers above the core, importable as attributes like PyTorch's (``torch.nn.Linear``).
from . import nn, optim, utils  # noqa: E402,F401
from .utils import data as _data  # noqa: E402,F401  (edutorch.utils.data, as in PyTorch)

from .serialization import save, load  # noqa: E402
from . import accelerator, compiler, onnx  # noqa: E402,F401
from .compiler import compile  # noqa: E402 - PyTorch's name shadows the builtin
from .functional import stft, istft, hann_window, hamming_window  # noqa: E402


_QUANTIZED_NAMES = ("qint8", "quint8", "qint32", "quantize_per_tensor", "quantize_per_channel",
                    "dequantize", "per_tensor_affine", "per_tensor_symmetric",
                    "per_channel_affine", "per_channel_symmetric")


def __getattr__(name: str):
    """``edutorch.autocast`` (and ``edutorch.jit``, ``amp``, ...) without importing chapter 7's
    modules at ``import edutorch``: they load on first use."""
    if name == "autocast":
        from .amp import autocast
        return autocast
    if name in ("jit", "amp", "interpret", "privacy", "quantization", "distributed"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    if name in _QUANTIZED_NAMES:  # PyTorch's top-level quantized dtypes and functions
        from . import quantization
        return getattr(quantization, name)
    raise AttributeError(f"module 'edutorch' has no attribute '{name}'")

del annotations, _data  # not part of the API (``from __future__``, a module import)
