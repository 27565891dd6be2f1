"""Occlusion (Zeiler and Fergus, 2014): slide a window over the input, replace what it covers
by the baseline, and charge the drop in the target output to every feature under the window.
A feature's attribution is the mean drop over the windows that covered it."""
from __future__ import annotations

import itertools
import math

from ..autograd import no_grad
from ._common import format_baselines, format_inputs, format_output, run_forward


def _per_dim(value, ndim: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * ndim
    value = tuple(value)
    if len(value) != ndim:
        raise ValueError(f"Occlusion: {name} {value} must have one entry per input dimension "
                         f"after the batch ({ndim})")
    return value


class Occlusion:
    """``Occlusion(forward_func).attribute(inputs, sliding_window_shapes, strides=None,
    baselines=None, target=None)``, Captum's arguments and numbers."""

    def __init__(self, forward_func) -> None:
        self.forward_func = forward_func

    def attribute(self, inputs, sliding_window_shapes, strides=None, baselines=None,
                  target=None, additional_forward_args=None, perturbations_per_eval: int = 1,
                  show_progress: bool = False):
        xs, is_tuple = format_inputs(inputs)
        if not is_tuple:
            sliding_window_shapes = (sliding_window_shapes,)
            strides = (strides,)
        elif strides is None:
            strides = (None,) * len(xs)
        bs = format_baselines(baselines, xs)
        with no_grad():
            base = run_forward(self.forward_func, xs, target, additional_forward_args)
            out = []
            for i, (x, b) in enumerate(zip(xs, bs)):
                window = _per_dim(sliding_window_shapes[i], x.dim() - 1, "sliding_window_shapes")
                stride = _per_dim(1 if strides[i] is None else strides[i], x.dim() - 1,
                                  "strides")
                out.append(self._occlude(xs, i, b, window, stride, base, target,
                                         additional_forward_args))
        return format_output(is_tuple, tuple(out))

    def _occlude(self, xs, i, baseline, window, stride, base, target, extra):
        x = xs[i]
        sizes = x.shape[1:]
        for s, w in zip(sizes, window):
            if w > s:
                raise AssertionError(f"Sliding window dimensions {window} cannot exceed input "
                                     f"dimensions {tuple(sizes)}.")
        # as many shifts as needed to reach the end; the last window may stick out (clipped)
        counts = [math.ceil((s - w) / st) + 1 for s, w, st in zip(sizes, window, stride)]
        total = x.new_zeros(x.shape)
        weight = x.new_zeros(sizes)
        for offsets in itertools.product(*(range(c) for c in counts)):
            region = tuple(slice(o * st, o * st + w) for o, st, w in zip(offsets, stride, window))
            mask = x.new_zeros(sizes)
            mask[region] = 1
            occluded = x * (1 - mask) + baseline * mask
            inputs = xs[:i] + (occluded,) + xs[i + 1:]
            drop = base - run_forward(self.forward_func, inputs, target, extra)
            total = total + drop.reshape((-1,) + (1,) * len(sizes)) * mask
            weight = weight + mask
        return total / weight
