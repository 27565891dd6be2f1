"""bce_with_logits returns the gradient with the wrong sign."""
from solutions.ch03_algorithms import *  # noqa: F401,F403
from solutions.ch03_algorithms import bce_with_logits as _right

CHAPTER, BREAKS = "ch03_algorithms", "bce_with_logits"
BUG = "gradient (t - sigmoid(z)) / N instead of (sigmoid(z) - t) / N"


def bce_with_logits(logits, targets):
    loss, grad = _right(logits, targets)
    return loss, -grad
