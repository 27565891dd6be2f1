"""Chapter 3 solutions: the maths of the core algorithms, written out in NumPy."""
from __future__ import annotations

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(z / 2))  # = 1 / (1 + e^-z), without overflow


def bce_with_logits(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy on logits, its mean, and its gradient."""
    z, t = logits, targets
    losses = np.maximum(z, 0) - z * t + np.logaddexp(0, -np.abs(z))
    return float(losses.mean()), (_sigmoid(z) - t) / z.size


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray
                          ) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy for classification, its mean, and its gradient."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp(shifted) <= 1
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_probs[rows, targets].mean()
    grad = np.exp(log_probs)
    grad[rows, targets] -= 1
    return float(loss), grad / n


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d_im2col(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                  stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                  ) -> np.ndarray:
    """A 2-D convolution (a cross-correlation) computed as one matrix product."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    n, c, _, _ = x.shape
    o, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    # every kh x kw window, then only those `stride` apart: (N, C, Ho, Wo, kH, kW)
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw]
    ho, wo = windows.shape[2:4]
    # columns: (N, C kH kW, Ho Wo); the weight as a matrix: (O, C kH kW)
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)
    out = (weight.reshape(o, -1) @ cols).reshape(n, o, ho, wo)
    if bias is not None:
        out = out + bias.reshape(1, o, 1, 1)
    return out


def sgd_momentum_step(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None,
                      lr: float, momentum: float, weight_decay: float = 0.0,
                      nesterov: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """One step of SGD with momentum, as ``edutorch.optim.SGD`` does it."""
    g = grad + weight_decay * param if weight_decay else grad
    buf = g.copy() if buf is None else momentum * buf + g
    direction = g + momentum * buf if nesterov else buf
    return param - lr * direction, buf


def linear_regression_closed_form(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares with an intercept, solved exactly."""
    A = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef[:-1], float(coef[-1])
