"""Sampling indices from weights: ``multinomial``.

With replacement each draw is independent: a uniform number ``u`` lands in one interval of the
cumulative weights, and that interval is the category. Without replacement we use the
*exponential race*: give category ``i`` an arrival time ``E_i / w_i`` with ``E_i ~ Exp(1)``; the
categories in order of arrival are distributed exactly as drawing one, removing it,
renormalising and drawing again. Both are one vectorised pass over all rows.

The numbers differ from PyTorch's (its random streams cannot be reproduced), the distribution
does not.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Function
from ..backend import random as rnd
from .common import Tensor, xp_of
from .registry import builtin, op


def _check(probs, num_samples, replacement) -> None:
    if not isinstance(probs, Tensor):
        raise TypeError(f"multinomial(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(probs).__name__}")
    if not isinstance(num_samples, int) or isinstance(num_samples, bool):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    if probs.dim() not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim (got a tensor of shape "
                           f"{list(probs.shape)})")
    if not probs.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{probs.dtype}")
    if num_samples <= 0:
        raise RuntimeError("multinomial: cannot sample n_sample <= 0 samples")
    n = probs.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement (n_sample={num_samples}, size {n})")
    if n == 0:
        raise RuntimeError("multinomial: the distribution has no categories (size(-1) == 0)")


@builtin("multinomial")
class Multinomial(Function):
    """Draws are integers and have no gradient: nothing is recorded."""
    differentiable = False

    @staticmethod
    def forward(ctx, weights, num_samples=1, replacement=False, generator=None):
        W = weights.astype("float64")
        rows = W.reshape(-1, W.shape[-1])
        xp = xp_of(W)
        _check_weights(rows, xp)
        device = "cpu" if backend.is_numpy(W) else "cuda"
        shape = (rows.shape[0], num_samples)
        if replacement:
            cdf = xp.cumsum(rows, axis=1)
            cdf = cdf / cdf[:, -1:]  # the last edge is exactly 1, so every u < 1 lands inside
            u = rnd.uniform(shape, "float64", device, generator)
            picks = xp.stack([xp.searchsorted(c, r, side="right") for c, r in zip(cdf, u)]) \
                if rows.shape[0] else xp.zeros(shape, "int64")
            picks = xp.minimum(picks, rows.shape[1] - 1)
        else:
            u = rnd.uniform(rows.shape, "float64", device, generator)
            with_weight = rows > 0
            # arrival time E / w, E = -log(1 - u) ~ Exp(1); weight 0 arrives never (inf): last
            arrival = xp.where(with_weight, -xp.log1p(-u) / xp.where(with_weight, rows, 1.0),
                               xp.inf)
            picks = xp.argsort(arrival, axis=1, kind="stable")[:, :num_samples]
        return picks.astype("int64").reshape(W.shape[:-1] + (num_samples,))


def _check_weights(rows, xp) -> None:
    if rows.shape[0]:
        if not bool(xp.isfinite(rows).all()) or bool((rows < 0).any()):
            raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` "
                               "or element < 0")
        if bool((rows.sum(axis=1) <= 0).any()):
            raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                               "probabilities <= 0)")


@op("multinomial")
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """``num_samples`` category indices per row of ``input`` (weights ``(n,)`` or ``(rows, n)``).

    Weights must be finite and non-negative with a positive sum per row; they need not sum to
    1. Returns int64 of shape ``(num_samples,)`` or ``(rows, num_samples)``.
    """
    _check(input, num_samples, replacement)
    return Multinomial.apply(input, num_samples=num_samples, replacement=bool(replacement),
                             generator=generator)


__all__ = ["multinomial"]
