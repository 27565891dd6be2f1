"""numerical_gradient uses the one-sided difference (f(x+eps) - f(x)) / eps."""
import numpy as np

from solutions.ch02_autograd import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch02_autograd", "numerical_gradient"
BUG = "forward difference: error O(eps) instead of O(eps^2)"


def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        g[i] = (f(x) - base) / eps
        x[i] = old
    return g
