"""Gradient attributions: how much each input feature would move the target if nudged.

``Saliency``: |d target / d x| (Simonyan et al., 2013). ``InputXGradient``: x * d target / d x,
the first-order Taylor term of the target around zero.
"""
from __future__ import annotations

from ._common import compute_gradients, format_inputs, format_output


class Saliency:
    """``Saliency(forward_func).attribute(inputs, target=None, abs=True)``: the gradient of the
    target output w.r.t. each input (its absolute value by default), shaped like the input."""

    def __init__(self, forward_func) -> None:
        self.forward_func = forward_func

    def attribute(self, inputs, target=None, abs: bool = True, additional_forward_args=None):
        xs, is_tuple = format_inputs(inputs)
        grads = compute_gradients(self.forward_func, xs, target, additional_forward_args)
        return format_output(is_tuple, tuple(g.abs() if abs else g for g in grads))


class InputXGradient:
    """``InputXGradient(forward_func).attribute(inputs, target=None)``: input * gradient."""

    def __init__(self, forward_func) -> None:
        self.forward_func = forward_func

    def attribute(self, inputs, target=None, additional_forward_args=None):
        xs, is_tuple = format_inputs(inputs)
        grads = compute_gradients(self.forward_func, xs, target, additional_forward_args)
        return format_output(is_tuple, tuple(g * x for g, x in zip(grads, xs)))
