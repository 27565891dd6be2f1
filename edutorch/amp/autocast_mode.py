"""``autocast``: run the ops that tolerate it in half precision, the rest in float32.

Inside ``with autocast("cuda"):`` each op call is looked up in three lists (PyTorch's):

- matmul-like ops (``linear``, ``matmul``, ``conv2d``, ...) get their floating inputs cast to
  ``dtype`` (float16): they are where the time goes, and their sums are short enough for it;
- ops whose results need range or precision (``exp``, ``log``, ``softmax``, losses, norms,
  sums) get float16 inputs cast back to float32;
- ops that combine several tensors (``cat``, ``stack``, ...) get them cast to the widest one.

Everything else runs in whatever dtype its inputs have. The casts are ordinary ``to`` ops, so
autograd sends float32 gradients back to float32 parameters. It is a ``TorchFunctionMode``:
it sees every op through the library's one dispatch point.
"""
from __future__ import annotations

import functools

from .. import float16, float32
from ..overrides import TorchFunctionMode
from ..tensor import Tensor

LOWER_PRECISION_OPS = {"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                       "conv_transpose3d", "matmul", "mm", "mv", "bmm", "addmm", "addmv",
                       "addbmm", "baddbmm", "linear", "prelu", "chain_matmul",
                       "scaled_dot_product_attention"}
FP32_OPS = {"acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
            "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "layer_norm",
            "group_norm", "batch_norm", "norm", "nll_loss", "cross_entropy", "mse_loss",
            "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy_with_logits",
            "kl_div", "cosine_similarity", "softmax", "log_softmax", "sum", "prod", "cumsum",
            "logsumexp", "dist", "cdist", "renorm", "mean", "var", "std"}
PROMOTE_OPS = {"addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "tensordot", "cat",
               "stack", "index_put", "scatter_add"}


def _cast(value, src: set, dtype, device_type: str):
    """``value`` with each floating tensor of a dtype in ``src`` on the device cast."""
    if isinstance(value, Tensor):
        if value.dtype in src and value.device.type == device_type:
            return value.to(dtype)
        return value
    if isinstance(value, (tuple, list)):
        return type(value)(_cast(v, src, dtype, device_type) for v in value)
    return value


def _floats(value) -> list:
    if isinstance(value, Tensor):
        return [value.dtype] if value.is_floating_point() else []
    if isinstance(value, (tuple, list)):
        return [d for v in value for d in _floats(v)]
    return []


class autocast(TorchFunctionMode):
    """``autocast(device_type, dtype=float16, enabled=True, cache_enabled=None)``: a context
    manager (or decorator) for mixed precision; ``edutorch.autocast`` is the same class."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if device_type not in ("cpu", "cuda"):
            raise RuntimeError(f"autocast: device_type must be 'cpu' or 'cuda', got "
                               f"{device_type!r}")
        self.device_type = device_type
        self.fast_dtype = float16 if dtype is None else dtype
        if not self.fast_dtype.is_floating_point:
            raise RuntimeError(f"autocast: dtype must be a floating type, got {self.fast_dtype}")
        self._enabled = enabled
        self._entered = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = func.__name__
        if func.is_backward:
            pass
        elif name in LOWER_PRECISION_OPS:
            src = {float32, _float64()}
            args = _cast(args, src, self.fast_dtype, self.device_type)
            kwargs = _cast(kwargs, src, self.fast_dtype, self.device_type)
        elif name in FP32_OPS:
            args = _cast(args, {self.fast_dtype}, float32, self.device_type)
            kwargs = _cast(kwargs, {self.fast_dtype}, float32, self.device_type)
        elif name in PROMOTE_OPS:
            dtypes = _floats(args)
            if len(set(dtypes)) > 1:
                widest = max(dtypes, key=lambda d: d.itemsize)
                args = _cast(args, set(dtypes) - {widest}, widest, self.device_type)
        return func(*args, **kwargs)

    def __enter__(self):
        self._entered = self._enabled
        if self._enabled:
            return super().__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._entered:
            super().__exit__(*exc)
            self._entered = False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with autocast(self.device_type, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)
        return wrapper


def _float64():
    from .. import float64
    return float64
