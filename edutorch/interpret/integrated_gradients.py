"""Integrated gradients (Sundararajan et al., 2017), as Captum computes it.

For an input x, a baseline x' and the straight path x' + alpha (x - x'), alpha in [0, 1]:

    IG_i(x) = (x_i - x'_i) * int_0^1 dF(x' + alpha (x - x')) / dx_i  d alpha

The integral is a quadrature (``approximation_methods``): all n_steps points of the path go
through the model as one batch of n_steps * N examples (or in chunks of
``internal_batch_size``). Completeness, sum_i IG_i = F(x) - F(x'), holds for the exact integral;
``return_convergence_delta=True`` returns how far the quadrature is from it, per example.
"""
from __future__ import annotations

from .. import cat, tensor
from ..autograd import no_grad
from ._common import (
    compute_gradients,
    expand_additional_args,
    expand_target,
    format_baselines,
    format_inputs,
    format_output,
    run_forward,
    sum_rows,
)
from .approximation_methods import step_sizes_and_alphas


class IntegratedGradients:
    """``IntegratedGradients(forward_func, multiply_by_inputs=True)``."""

    def __init__(self, forward_func, multiply_by_inputs: bool = True) -> None:
        self.forward_func = forward_func
        self.multiplies_by_inputs = multiply_by_inputs

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  n_steps: int = 50, method: str = "gausslegendre",
                  internal_batch_size: int | None = None,
                  return_convergence_delta: bool = False):
        """Attributions shaped like ``inputs`` (a tensor or a tuple of tensors, batch first);
        with ``return_convergence_delta``, also a tensor of shape (N,)."""
        xs, is_tuple = format_inputs(inputs)
        bs = format_baselines(baselines, xs)
        steps, alphas = step_sizes_and_alphas(method, n_steps)
        n = xs[0].shape[0]
        # at most internal_batch_size path points per forward pass (at least one alpha each)
        per_chunk = n_steps if internal_batch_size is None else max(1, internal_batch_size // n)
        total = None
        for start in range(0, n_steps, per_chunk):
            part = self._path_integral(xs, bs, target, additional_forward_args,
                                       steps[start:start + per_chunk],
                                       alphas[start:start + per_chunk])
            total = part if total is None else tuple(a + b for a, b in zip(total, part))
        if self.multiplies_by_inputs:
            attributions = tuple(g * (x - b) for g, x, b in zip(total, xs, bs))
        else:
            attributions = total
        result = format_output(is_tuple, attributions)
        if not return_convergence_delta:
            return result
        delta = self.compute_convergence_delta(attributions, bs, xs, target,
                                               additional_forward_args)
        return result, delta

    def _path_integral(self, xs, bs, target, extra, steps, alphas) -> tuple:
        """sum_k steps[k] * grad F(b + alphas[k] (x - b)), for one chunk of path points."""
        k = len(alphas)
        path = tuple(cat([b + a * (x - b) for a in alphas], 0) for x, b in zip(xs, bs))
        grads = compute_gradients(self.forward_func, path, expand_target(target, k),
                                  expand_additional_args(extra, k))
        # Captum turns the step sizes into a float32 tensor before weighting: same numbers here
        w = tensor(steps).float()
        out = []
        for g in grads:
            flat = g.reshape(k, -1) * w.to(g.dtype).reshape(k, 1)
            out.append(flat.sum(0).reshape((g.shape[0] // k,) + tuple(g.shape[1:])))
        return tuple(out)

    def compute_convergence_delta(self, attributions, start_point, end_point, target=None,
                                  additional_forward_args=None):
        """sum of attributions - (F(end_point) - F(start_point)), per example: shape (N,)."""
        attributions = attributions if isinstance(attributions, tuple) else (attributions,)
        start_point, _ = format_inputs(start_point)
        end_point, _ = format_inputs(end_point)
        with no_grad():
            start = run_forward(self.forward_func, start_point, target, additional_forward_args)
            end = run_forward(self.forward_func, end_point, target, additional_forward_args)
            n = attributions[0].shape[0]
            attr_sum = sum(sum_rows(a) for a in attributions)
            return attr_sum - (end.reshape(n, -1).sum(1) - start.reshape(n, -1).sum(1)).to(
                attr_sum.dtype)
