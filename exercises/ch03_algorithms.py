"""Chapter 3 exercises: the maths of the core algorithms, written out in NumPy.

Each function is what an edutorch building block does inside: the grader compares yours with
``edutorch.nn.functional`` (losses, ``conv2d``), with autograd's gradients, and with
``edutorch.optim.SGD``, on random inputs of several shapes.

Grade them with ``python -m edutorch.grade ch03``.
"""
from __future__ import annotations

import numpy as np


def bce_with_logits(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy on logits (sigmoid + log loss), its mean, and its gradient.

    Task: return ``(loss, grad)`` where ``loss`` is the mean over all elements of
    :math:`\\ell(z, t) = -[t \\log \\sigma(z) + (1-t) \\log(1-\\sigma(z))]` and
    ``grad`` = d(loss)/d(logits). This is ``F.binary_cross_entropy_with_logits(z, t)``.

    Shapes: ``logits`` and ``targets`` (floats in [0, 1]) have the same, any, shape (N
    elements in all); ``loss`` is a Python float; ``grad`` has the shape of ``logits``.

    Maths: :math:`\\ell = \\max(z, 0) - z t + \\log(1 + e^{-|z|})` is the same function,
    written so that nothing overflows (the grader uses logits up to ±100, where
    :math:`\\log \\sigma(z)` computed naively is ``log(0)``). The gradient is simply
    :math:`(\\sigma(z) - t) / N`.

    Hint: ``np.logaddexp(0, -np.abs(z))`` is :math:`\\log(1 + e^{-|z|})`; for
    :math:`\\sigma` use ``0.5 * (1 + np.tanh(z / 2))``, which never overflows.
    """
    raise NotImplementedError("bce_with_logits: your code here")


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray
                          ) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy for classification, its mean, and its gradient.

    Task: return ``(loss, grad)``: ``loss`` is the mean over the batch of
    :math:`-\\log \\mathrm{softmax}(z_n)_{t_n}`, ``grad`` = d(loss)/d(logits). This is
    ``F.cross_entropy(z, t)``.

    Shapes: ``logits`` is ``(N, C)``, ``targets`` holds ``N`` class indices in ``[0, C)``;
    ``grad`` is ``(N, C)``.

    Maths: :math:`\\log \\mathrm{softmax}(z)_c = z_c - \\log \\sum_k e^{z_k}`; subtract
    :math:`\\max_k z_k` first so that ``exp`` cannot overflow (the grader uses logits of size
    1000). The gradient is :math:`(\\mathrm{softmax}(z_n) - \\mathrm{onehot}(t_n)) / N`.

    Hint: ``probs[np.arange(N), targets]`` picks each row's target.
    """
    raise NotImplementedError("softmax_cross_entropy: your code here")


def conv2d_im2col(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                  stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                  ) -> np.ndarray:
    """A 2-D convolution (PyTorch's: a cross-correlation) computed as one matrix product.

    Task: return ``F.conv2d(x, weight, bias, stride, padding)``:
    :math:`y_{n,o,i,j} = b_o + \\sum_{c,p,q} w_{o,c,p,q}\\,
    x^{pad}_{n,c,\\, i s_h + p,\\, j s_w + q}` (no kernel flip).

    Shapes: ``x`` is ``(N, C, H, W)``, ``weight`` is ``(O, C, kH, kW)``, ``bias`` is ``(O,)``
    or ``None``; ``stride`` and ``padding`` are an int or a pair (height, width). The output is
    ``(N, O, H_out, W_out)`` with :math:`H_{out} = \\lfloor (H + 2 p_h - kH) / s_h \\rfloor + 1`
    (the same for W).

    Maths (im2col): zero-pad ``x``; gather every ``kH x kW`` window (``H_out * W_out`` of them,
    ``stride`` apart) into the columns of a matrix of shape ``(C kH kW, H_out W_out)`` per
    image; then the convolution is ``weight.reshape(O, C kH kW) @ columns``.

    Hint: ``np.lib.stride_tricks.sliding_window_view(xp, (kH, kW), axis=(2, 3))`` gives all
    windows at stride 1, shape ``(N, C, H', W', kH, kW)``; take every ``s``-th with
    ``[:, :, ::s_h, ::s_w]``. ``np.pad`` pads.
    """
    raise NotImplementedError("conv2d_im2col: your code here")


def sgd_momentum_step(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None,
                      lr: float, momentum: float, weight_decay: float = 0.0,
                      nesterov: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """One step of SGD with momentum, exactly as ``edutorch.optim.SGD`` (and PyTorch) does it.

    Task: return ``(new_param, new_buf)``. ``buf`` is the momentum buffer from the previous
    step, ``None`` on the first step. You may update the arrays in place or return new ones;
    the grader uses what you return, over several steps.

    Shapes: ``param``, ``grad`` and ``buf`` have the same shape.

    Maths (dampening 0):

    .. math::
        g &\\leftarrow g + \\lambda \\theta \\quad (\\text{weight decay } \\lambda) \\\\
        b &\\leftarrow g \\text{ on the first step, else } \\mu b + g \\\\
        d &\\leftarrow g + \\mu b \\text{ if nesterov, else } b \\\\
        \\theta &\\leftarrow \\theta - \\text{lr}\\, d

    Hint: the first buffer is a *copy* of ``g`` (not zeros times momentum).
    """
    raise NotImplementedError("sgd_momentum_step: your code here")


def linear_regression_closed_form(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares with an intercept, solved exactly.

    Task: return ``(w, b)`` minimising the mean squared error
    :math:`\\frac1N \\sum_n (x_n \\cdot w + b - y_n)^2`.

    Shapes: ``X`` is ``(N, D)`` (full column rank), ``y`` is ``(N,)``; ``w`` is ``(D,)``,
    ``b`` a float.

    Maths: append a column of ones, :math:`\\tilde X = [X, 1]`; the minimiser solves the normal
    equations :math:`\\tilde X^\\top \\tilde X \\tilde w = \\tilde X^\\top y`. The grader
    checks that autograd's gradient of the MSE at your ``(w, b)`` is zero.

    Hint: ``np.linalg.lstsq(A, y, rcond=None)[0]`` solves it more stably than inverting
    :math:`\\tilde X^\\top \\tilde X`.
    """
    raise NotImplementedError("linear_regression_closed_form: your code here")
