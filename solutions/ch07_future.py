"""Reference answers for chapter 7 (same names as exercises/ch07_future.py)."""
from __future__ import annotations

import numpy as np


def integrated_gradients(grad_fn, x, baseline, n_steps):
    alphas = (np.arange(n_steps) + 0.5) / n_steps
    shape = (n_steps,) + (1,) * x.ndim
    points = baseline + alphas.reshape(shape) * (x - baseline)
    grads = grad_fn(points)
    return (x - baseline) * grads.mean(axis=0)


def dp_sgd_gradient(per_sample_grads, max_grad_norm, noise_multiplier, expected_batch_size,
                    noise):
    n = per_sample_grads[0].shape[0]
    sq = sum((g.reshape(n, -1) ** 2).sum(axis=1) for g in per_sample_grads)
    factor = np.minimum(1.0, max_grad_norm / (np.sqrt(sq) + 1e-6))
    out = []
    for g, xi in zip(per_sample_grads, noise):
        clipped_sum = np.tensordot(factor, g, axes=1)
        out.append((clipped_sum + noise_multiplier * max_grad_norm * xi) / expected_batch_size)
    return out


def rdp_to_epsilon(orders, rdp, delta):
    orders = np.asarray(orders, dtype=float)
    eps = np.asarray(rdp) - (np.log(delta) + np.log(orders)) / (orders - 1) \
        + np.log((orders - 1) / orders)
    best = int(np.nanargmin(eps))
    return float(eps[best]), float(orders[best])


def fold_conv_bn(weight, bias, gamma, beta, running_mean, running_var, eps):
    scale = gamma / np.sqrt(running_var + eps)
    b = np.zeros_like(running_mean) if bias is None else bias
    return weight * scale.reshape(-1, 1, 1, 1), (b - running_mean) * scale + beta
