"""Where integrated gradients samples the straight path, and how much each sample weighs.

``step_sizes(n)`` and ``alphas(n)`` as Captum's ``approximation_methods``: the integral
``int_0^1 g(alpha) d alpha`` is approximated by ``sum_k step_sizes[k] * g(alphas[k])``.

- ``riemann_left|right|middle``: n equal steps of 1/n, sampled at the left end, right end or
  middle of each step.
- ``riemann_trapezoid``: n points from 0 to 1, the two ends weighted half (Captum keeps the
  weights 1/n, so they sum to (n-1)/n; we keep Captum's numbers).
- ``gausslegendre``: the n-point Gauss-Legendre rule mapped from [-1, 1] to [0, 1]; exact for
  polynomials of degree 2n-1, so it converges far faster than any Riemann sum.
"""
from __future__ import annotations

import math

SUPPORTED_RIEMANN_METHODS = ["riemann_left", "riemann_right", "riemann_middle",
                             "riemann_trapezoid"]
SUPPORTED_METHODS = SUPPORTED_RIEMANN_METHODS + ["gausslegendre"]


def legendre_and_derivative(n: int, x: float) -> tuple[float, float]:
    """P_n(x) and P_n'(x) by Bonnet's recurrence (k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}."""
    p_prev, p = 1.0, x
    for k in range(1, n):
        p_prev, p = p, ((2 * k + 1) * x * p - k * p_prev) / (k + 1)
    # P_n'(x) = n (x P_n - P_{n-1}) / (x^2 - 1); the nodes are never at +-1
    return p, n * (x * p - p_prev) / (x * x - 1)


def gauss_legendre(n: int) -> tuple[list[float], list[float]]:
    """Nodes (ascending) and weights of the n-point Gauss-Legendre rule on [-1, 1].

    Each node is a root of P_n, found by Newton's method from the Chebyshev-like guess
    cos(pi (k - 1/4) / (n + 1/2)); the weight is 2 / ((1 - x^2) P_n'(x)^2).
    """
    if n < 1:
        raise ValueError(f"gauss_legendre: the number of points must be at least 1, got {n}")
    nodes, weights = [], []
    for k in range(1, n + 1):
        x = math.cos(math.pi * (k - 0.25) / (n + 0.5))
        for _ in range(100):
            p, dp = legendre_and_derivative(n, x)
            step = p / dp
            x -= step
            if abs(step) < 1e-16:
                break
        p, dp = legendre_and_derivative(n, x)
        nodes.append(x)
        weights.append(2.0 / ((1 - x * x) * dp * dp))
    order = sorted(range(n), key=nodes.__getitem__)
    return [nodes[i] for i in order], [weights[i] for i in order]


def _linspace32(start: float, end: float, n: int) -> list[float]:
    """Captum builds its Riemann alphas with ``torch.linspace`` in float32; so do we (the two
    linspaces may differ in the last float32 bit, about 6e-8)."""
    from .. import linspace
    return linspace(start, end, n).tolist()


def step_sizes_and_alphas(method: str, n: int) -> tuple[list[float], list[float]]:
    """The quadrature of ``method`` with ``n`` points: (step_sizes, alphas)."""
    if method == "gausslegendre":
        if n < 1:
            raise ValueError(f"gausslegendre: n_steps must be at least 1, got {n}")
        x, w = gauss_legendre(n)
        return [0.5 * wi for wi in w], [0.5 * (1 + xi) for xi in x]
    if method not in SUPPORTED_RIEMANN_METHODS:
        raise ValueError(f"Invalid integral approximation method name: {method!r} (expected "
                         f"one of {SUPPORTED_METHODS})")
    if n < 2:
        raise ValueError(f"{method}: the number of steps has to be larger than one, got {n}")
    steps = [1 / n] * n
    kind = method.split("_")[1]
    if kind == "trapezoid":
        steps[0] /= 2
        steps[-1] /= 2
        return steps, _linspace32(0, 1, n)
    if kind == "left":
        return steps, _linspace32(0, 1 - 1 / n, n)
    if kind == "right":
        return steps, _linspace32(1 / n, 1, n)
    return steps, _linspace32(1 / (2 * n), 1 - 1 / (2 * n), n)
