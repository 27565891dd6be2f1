"""Folding an inference-mode BatchNorm into the convolution before it (``torch.nn.utils.fusion``).

In eval mode batch norm is a fixed affine map per channel,
y = gamma (z - mean) / sqrt(var + eps) + beta, and z = W * x + b is linear in x, so the two are
one convolution with

    W' = W * s (per output channel),  b' = (b - mean) * s + beta,  s = gamma / sqrt(var + eps).
"""
from __future__ import annotations

import copy

from ...autograd import no_grad
from ..parameter import Parameter


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps: float, bn_w, bn_b,
                         transpose: bool = False):
    """(W', b') as Parameters; ``conv_b``, ``bn_w``, ``bn_b`` may be None (0, 1, 0)."""
    with no_grad():
        scale = (bn_rv + bn_eps).rsqrt()
        if bn_w is not None:
            scale = scale * bn_w
        shape = [1, -1] + [1] * (conv_w.dim() - 2) if transpose else \
            [-1] + [1] * (conv_w.dim() - 1)
        w = conv_w * scale.reshape(shape).to(conv_w.dtype)
        b = -bn_rm if conv_b is None else conv_b - bn_rm
        b = b * scale
        if bn_b is not None:
            b = b + bn_b
    return Parameter(w, conv_w.requires_grad), Parameter(b.to(conv_w.dtype), conv_w.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of ``conv`` that computes ``bn(conv(x))`` (both must be in eval mode)."""
    if conv.training or bn.training:
        raise AssertionError("fuse_conv_bn_eval: only eval mode can be fused (batch norm uses "
                             "the batch's own statistics in training)")
    if bn.running_mean is None:
        raise AssertionError("fuse_conv_bn_eval: the batch norm keeps no running statistics "
                             "(track_running_stats=False)")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused
