"""Activation functions: the nonlinearities between layers, as plain functions.

Each is written with differentiable tensor ops, so autograd derives its gradient. Where a
formula would overflow for some inputs (``exp`` of a large number), the input of the risky
branch is clamped first: ``where`` picks the safe branch's value, and the clamp keeps the
unused branch from producing ``inf * 0 = nan`` in the backward pass.
"""
from __future__ import annotations

import math
import warnings

from ..._ops.activation import log_softmax as _log_softmax
from ..._ops.activation import softmax as _softmax
from ..._ops.pointwise import where as _where
from ...tensor import Tensor

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu",
           "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_", "relu6", "hardsigmoid",
           "hardswish", "softplus", "softsign", "logsigmoid", "tanhshrink", "threshold",
           "softmax", "softmin", "log_softmax", "glu"]


def _check(input, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")


def _inplace(input: Tensor, value: Tensor) -> Tensor:
    """Write ``value`` into ``input`` (for the ``inplace=True`` variants)."""
    return input.copy_(value)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x), elementwise."""
    _check(input, "relu")
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    _check(input, "leaky_relu")
    out = _where(input > 0, input, input * negative_slope)
    return _inplace(input, out) if inplace else out


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    _check(input, "elu")
    neg = input.clamp(max=0.0).expm1() * alpha  # clamp: exp of large x would overflow
    out = _where(input > 0, input, neg)
    return _inplace(input, out) if inplace else out


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    out = elu(input, _SELU_ALPHA) * _SELU_SCALE
    return _inplace(input, out) if inplace else out


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    neg = (input.clamp(max=0.0) / alpha).expm1() * alpha
    out = _where(input > 0, input, neg)
    return _inplace(input, out) if inplace else out


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt 2)).

    ``approximate='tanh'``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    """
    _check(input, "gelu")
    if approximate == "none":
        return input * 0.5 * (1.0 + (input * (1.0 / math.sqrt(2.0))).erf())
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (1.0 + inner.tanh())
    raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got "
                       f"'{approximate}'")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    _check(input, "silu")
    out = input * input.sigmoid()
    return _inplace(input, out) if inplace else out


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    out = input * softplus(input).tanh()
    return _inplace(input, out) if inplace else out


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]; gradient 1 strictly inside, 0 on and outside the edges
    (as PyTorch; ``clamp`` lets the gradient through at the edges)."""
    _check(input, "hardtanh")
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    out = _where(input <= min_val, min_val, _where(input >= max_val, max_val, input))
    return _inplace(input, out) if inplace else out


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: a cheap piecewise-linear sigmoid."""
    out = _where(input <= -3.0, 0.0, _where(input >= 3.0, 1.0, input / 6.0 + 0.5))
    return _inplace(input, out) if inplace else out


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    out = _where(input <= -3.0, 0.0, _where(input >= 3.0, input, input * (input + 3.0) / 6.0))
    return _inplace(input, out) if inplace else out


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, a smooth relu; returns x where beta x > threshold (there
    the two agree to float precision)."""
    _check(input, "softplus")
    z = input * beta
    smooth = z.clamp(max=threshold).exp().log1p() / beta
    return _where(z > threshold, input, smooth)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1.0)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed without overflow."""
    return -softplus(-input)


def tanhshrink(input: Tensor) -> Tensor:
    return input - input.tanh()


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    out = _where(input > threshold, input, value)
    return _inplace(input, out) if inplace else out


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    if input.size(dim) % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {dim} is size "
                           f"{input.size(dim)}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def _softmax_dim(ndim: int, name: str) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (computed with the max subtracted first)."""
    _check(input, "softmax")
    if dim is None:
        dim = _softmax_dim(input.dim(), "softmax")
    return _softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x)."""
    if dim is None:
        dim = _softmax_dim(input.dim(), "softmin")
    return _softmax(-input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """x_i - logsumexp(x) along ``dim``: log-probabilities without exp overflowing."""
    _check(input, "log_softmax")
    if dim is None:
        dim = _softmax_dim(input.dim(), "log_softmax")
    return _log_softmax(input, dim, dtype)
