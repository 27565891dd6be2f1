"""Chapter 7 exercises: the maths inside interpretability, privacy and inference speed-ups.

Each function is what an edutorch chapter-7 module does inside: the grader compares yours with
``edutorch.interpret.IntegratedGradients``, ``edutorch.privacy.DPOptimizer``, the RDP
accountant in ``edutorch.privacy.rdp`` and ``edutorch.nn.functional`` (convolution followed
by batch norm), on several cases each. NumPy is all you need.

Grade them with ``python -m edutorch.grade ch07``.
"""
from __future__ import annotations

import numpy as np


def integrated_gradients(grad_fn, x: np.ndarray, baseline: np.ndarray,
                         n_steps: int) -> np.ndarray:
    """Integrated gradients of one input, by the midpoint rule.

    Task: return :math:`(x - x') \\odot \\frac{1}{n} \\sum_{k=0}^{n-1} \\nabla F(x' + \\alpha_k
    (x - x'))` with :math:`\\alpha_k = (k + 1/2) / n` (Captum's ``method="riemann_middle"``).

    Shapes: ``x`` and ``baseline`` have the same shape S; ``grad_fn(points)`` takes an array of
    shape (k, *S) (k points on the path) and returns the gradients of F at them, shape
    (k, *S). The result has shape S.

    Hint: build all n path points at once with broadcasting, call ``grad_fn`` once.
    """
    raise NotImplementedError("integrated_gradients: your code here")


def dp_sgd_gradient(per_sample_grads: list[np.ndarray], max_grad_norm: float,
                    noise_multiplier: float, expected_batch_size: int,
                    noise: list[np.ndarray]) -> list[np.ndarray]:
    """One DP-SGD gradient from per-sample gradients: clip, sum, add noise, average.

    Task: for each example n, its norm over *all* parameters together,
    :math:`\\|g_n\\| = \\sqrt{\\sum_p \\|g_{n,p}\\|^2}`, gives the factor
    :math:`c_n = \\min(1, C / (\\|g_n\\| + 10^{-6}))`. Return, for each parameter p,
    :math:`(\\sum_n c_n g_{n,p} + \\sigma C \\xi_p) / B` where :math:`\\xi_p` is ``noise[p]``
    (standard normal, given so that the answer is deterministic), C is ``max_grad_norm``,
    :math:`\\sigma` is ``noise_multiplier`` and B is ``expected_batch_size`` (not the actual
    number of examples: with Poisson sampling that number is random and must not leak).

    Shapes: ``per_sample_grads[p]`` is (N, *shape_p); ``noise[p]`` is shape_p; the result is a
    list of arrays of shape shape_p. This is what ``edutorch.privacy.DPOptimizer`` does.
    """
    raise NotImplementedError("dp_sgd_gradient: your code here")


def rdp_to_epsilon(orders: np.ndarray, rdp: np.ndarray, delta: float) -> tuple[float, float]:
    """Convert Renyi DP to (epsilon, delta)-DP, taking the best order.

    Task: for each order :math:`\\alpha` with RDP value :math:`r(\\alpha)`,
    :math:`\\varepsilon(\\alpha) = r(\\alpha) - \\frac{\\log\\delta + \\log\\alpha}{\\alpha - 1}
    + \\log\\frac{\\alpha - 1}{\\alpha}` (Balle et al. 2020, as Opacus uses); return
    ``(min epsilon, the order that gives it)`` as Python floats.

    Shapes: ``orders`` and ``rdp`` are 1-d arrays of the same length (orders > 1).
    """
    raise NotImplementedError("rdp_to_epsilon: your code here")


def fold_conv_bn(weight: np.ndarray, bias: np.ndarray | None, gamma: np.ndarray,
                 beta: np.ndarray, running_mean: np.ndarray, running_var: np.ndarray,
                 eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Fold an inference-mode BatchNorm2d into the Conv2d before it.

    Task: return ``(w', b')`` such that ``conv2d(x, w', b')`` equals
    ``batch_norm(conv2d(x, weight, bias))`` in eval mode, where batch norm computes
    :math:`\\gamma (y - \\mu) / \\sqrt{v + \\epsilon} + \\beta` per output channel.

    Shapes: ``weight`` (C_out, C_in, kh, kw); ``bias`` (C_out,) or None (no bias: zero);
    ``gamma``, ``beta``, ``running_mean``, ``running_var`` (C_out,). Returns arrays of shapes
    (C_out, C_in, kh, kw) and (C_out,).
    """
    raise NotImplementedError("fold_conv_bn: your code here")
