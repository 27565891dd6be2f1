"""Renyi differential privacy of the sampled Gaussian mechanism, and its conversion to
(epsilon, delta): the analysis behind Opacus's ``RDPAccountant``, in plain Python (no SciPy).

One DP-SGD step adds N(0, sigma^2 C^2) noise to a sum of gradients clipped to norm C, over a
batch in which each example was included with probability q (Poisson sampling). Its RDP at
order alpha is (Mironov, Talwar and Zhang, 2019, section 3.3)

    rdp(alpha) = log(A_alpha) / (alpha - 1),
    A_alpha = sum_{i=0}^{alpha} C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2))

for integer alpha (a two-sided series with erfc terms for fractional alpha). RDP adds up over
steps; the conversion to (epsilon, delta) takes the best order (Balle et al., 2020, thm. 21):

    epsilon = min_alpha  rdp(alpha) - (log delta + log alpha) / (alpha - 1) + log((alpha-1)/alpha)
"""
from __future__ import annotations

import math
import warnings

DEFAULT_ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))


def _log_add(logx: float, logy: float) -> float:
    """log(exp(logx) + exp(logy)) without overflow."""
    a, b = min(logx, logy), max(logx, logy)
    if a == -math.inf:
        return b
    return math.log1p(math.exp(a - b)) + b


def _log_sub(logx: float, logy: float) -> float:
    """log(exp(logx) - exp(logy)), for logx >= logy."""
    if logx < logy:
        raise ValueError("The result of subtraction must be non-negative.")
    if logy == -math.inf:
        return logx
    if logx == logy:
        return -math.inf
    try:
        return math.log(math.expm1(logx - logy)) + logy
    except OverflowError:
        return logx


def log_erfc(x: float) -> float:
    """log(erfc(x)), accurate where erfc(x) underflows (x up to hundreds).

    For x < 5, ``math.erfc``; beyond, the continued fraction
    erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))).
    """
    if x < 5:
        return math.log(math.erfc(x))
    t = x
    for k in range(80, 0, -1):
        t = x + (k / 2) / t
    return -x * x - 0.5 * math.log(math.pi) - math.log(t)


def _log_a_int(q: float, sigma: float, alpha: int) -> float:
    log_a = -math.inf
    for i in range(alpha + 1):
        log_coef = (math.log(math.comb(alpha, i)) + i * math.log(q)
                    + (alpha - i) * math.log(1 - q))
        log_a = _log_add(log_a, log_coef + (i * i - i) / (2 * sigma ** 2))
    return log_a


def _log_a_frac(q: float, sigma: float, alpha: float) -> float:
    """The series split at z0 into two halves, each with a Gaussian tail (erfc) term."""
    log_a0, log_a1 = -math.inf, -math.inf
    z0 = sigma ** 2 * math.log(1 / q - 1) + 0.5
    coef = 1.0  # C(alpha, i), by C(alpha, i) = C(alpha, i-1) (alpha - i + 1) / i
    i = 0
    while True:
        log_coef = math.log(abs(coef))
        j = alpha - i
        log_t0 = log_coef + i * math.log(q) + j * math.log(1 - q)
        log_t1 = log_coef + j * math.log(q) + i * math.log(1 - q)
        log_e0 = math.log(0.5) + log_erfc((i - z0) / (math.sqrt(2) * sigma))
        log_e1 = math.log(0.5) + log_erfc((z0 - j) / (math.sqrt(2) * sigma))
        log_s0 = log_t0 + (i * i - i) / (2 * sigma ** 2) + log_e0
        log_s1 = log_t1 + (j * j - j) / (2 * sigma ** 2) + log_e1
        if coef > 0:
            log_a0, log_a1 = _log_add(log_a0, log_s0), _log_add(log_a1, log_s1)
        else:
            log_a0, log_a1 = _log_sub(log_a0, log_s0), _log_sub(log_a1, log_s1)
        i += 1
        coef *= (alpha - i + 1) / i
        if max(log_s0, log_s1) < -30:
            break
    return _log_add(log_a0, log_a1)


def rdp_of_one_step(q: float, sigma: float, alpha: float) -> float:
    """RDP at order ``alpha`` of one sampled Gaussian step (sampling rate q, noise sigma)."""
    if q == 0:
        return 0.0
    if sigma == 0:
        return math.inf
    if q == 1.0:
        return alpha / (2 * sigma ** 2)
    if math.isinf(alpha):
        return math.inf
    log_a = (_log_a_int(q, sigma, int(alpha)) if float(alpha).is_integer()
             else _log_a_frac(q, sigma, alpha))
    return log_a / (alpha - 1)


def compute_rdp(*, q: float, noise_multiplier: float, steps: int, orders) -> list[float]:
    """RDP of ``steps`` sampled Gaussian steps at each order (RDP composes by addition)."""
    return [rdp_of_one_step(q, noise_multiplier, a) * steps for a in orders]


def get_privacy_spent(*, orders, rdp, delta: float) -> tuple[float, float]:
    """(epsilon, best order) for ``delta``, from RDP values at several orders."""
    orders, rdp = list(orders), list(rdp)
    if len(orders) != len(rdp):
        raise ValueError(f"get_privacy_spent: {len(orders)} orders but {len(rdp)} RDP values")
    eps = []
    for a, r in zip(orders, rdp):
        e = r - (math.log(delta) + math.log(a)) / (a - 1) + math.log((a - 1) / a)
        eps.append(math.nan if math.isnan(e) else e)
    finite = [(e, a) for e, a in zip(eps, orders) if not math.isnan(e)]
    if not finite:
        return math.inf, math.nan
    best = min(range(len(eps)), key=lambda k: math.inf if math.isnan(eps[k]) else eps[k])
    if best in (0, len(eps) - 1):
        warnings.warn(f"Optimal order is the {'smallest' if best == 0 else 'largest'} alpha. "
                      f"Please consider expanding the range of alphas to get a tighter privacy "
                      f"bound.", stacklevel=2)
    return eps[best], orders[best]
