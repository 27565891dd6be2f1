"""Normalisation layers as functions: shift and scale activations to mean 0, variance 1.

All compute (x - mean) / sqrt(var + eps), then an optional per-feature affine map
``* weight + bias``; they differ in which elements share a mean and variance:

- ``batch_norm``: per channel, over the batch and spatial positions (N, *);
- ``layer_norm``: per sample, over the last ``len(normalized_shape)`` dims;
- ``group_norm``: per sample and group of channels;
- ``instance_norm``: per sample and channel, over spatial positions.

The variance used to normalise is the biased one (divide by n), as in PyTorch.
"""
from __future__ import annotations

import math

from ...autograd import grad_mode
from ...tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "normalize"]


def _standardize(x: Tensor, dims: tuple, eps: float) -> Tensor:
    mean = x.mean(dims, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dims, keepdim=True)
    return centred * (var + eps).rsqrt()


def _channel_shape(x: Tensor) -> tuple:
    """Shape that broadcasts a per-channel vector (C,) against x of shape (N, C, *)."""
    return (1, x.shape[1]) + (1,) * (x.dim() - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of (N, C, *) input.

    Training: with the batch's mean and (biased) variance, and, if running statistics are given,
    update them in place: ``running = (1 - momentum) * running + momentum * batch_stat``, where
    the running variance uses the unbiased batch variance (divide by n - 1).
    Evaluation: with ``running_mean`` and ``running_var``.
    """
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *) with at least 2 "
                         f"dimensions, got shape {list(input.shape)}")
    C = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"batch_norm: {name} should contain {C} elements (one per "
                               f"channel of input of shape {list(input.shape)}), not "
                               f"{t.numel()}")
    dims = (0,) + tuple(range(2, input.dim()))
    shape = _channel_shape(input)
    if training and input.numel() == 0:
        # an empty batch: an empty output and the running statistics left alone, as PyTorch
        out = input.clone()
    elif training:
        n = math.prod(input.shape) // C
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        out = centred * (var + eps).rsqrt()
        with grad_mode.no_grad():
            if running_mean is not None:
                running_mean.mul_(1.0 - momentum).add_(mean.detach().reshape(C) * momentum)
            if running_var is not None:
                unbiased = var.detach().reshape(C) * (n / (n - 1))
                running_var.mul_(1.0 - momentum).add_(unbiased * momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when "
                               "training=False")
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise every (sample, channel) of (N, C, *) input over its spatial positions."""
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not supported by "
                                  "edutorch; use use_input_stats=True without running stats")
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected input of shape (N, C, *) with spatial "
                         f"dimensions, got shape {list(input.shape)}")
    out = _standardize(input, tuple(range(2, input.dim())), eps)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _check_normalized_shape(input: Tensor, normalized_shape, op: str) -> tuple:
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != normalized_shape:
        raise RuntimeError(f"{op}: Given normalized_shape={list(normalized_shape)}, expected "
                           f"input with shape [*, {', '.join(map(str, normalized_shape))}], but "
                           f"got input of size{list(input.shape)}")
    return normalized_shape


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims of each sample, then
    ``* weight + bias`` (both of shape ``normalized_shape``)."""
    normalized_shape = _check_normalized_shape(input, normalized_shape, "layer_norm")
    dims = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    out = _standardize(input, dims, eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the last dims (no centring), then ``* weight``.
    ``eps=None`` uses the dtype's machine epsilon, as PyTorch."""
    normalized_shape = _check_normalized_shape(input, normalized_shape, "rms_norm")
    if eps is None:
        eps = {2: 2.0 ** -10, 4: 2.0 ** -23, 8: 2.0 ** -52}[input.dtype.itemsize]
    dims = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    if weight is not None:
        out = out * weight
    return out


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the C channels of (N, C, *) input into ``num_groups`` groups and normalise each
    (sample, group) over its channels and positions; then a per-channel affine map."""
    if input.dim() < 2:
        raise RuntimeError(f"group_norm: expected input of shape (N, C, *), got shape "
                           f"{list(input.shape)}")
    N, C = input.shape[0], input.shape[1]
    if C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    grouped = input.reshape(N, num_groups, -1)
    out = _standardize(grouped, (2,), eps).reshape(tuple(input.shape))
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``: unit-length vectors."""
    if out is not None:
        raise TypeError("normalize(): the 'out' argument is not supported by edutorch")
    norm = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / norm
