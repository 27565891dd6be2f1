"""integrated_gradients returns the averaged path gradient without the (x - baseline) factor."""
from solutions.ch07_future import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch07_future", "integrated_gradients"
BUG = "no (x - baseline) factor"


def integrated_gradients(grad_fn, x, baseline, n_steps):
    alphas = (np.arange(n_steps) + 0.5) / n_steps  # noqa: F405
    points = baseline + alphas.reshape((n_steps,) + (1,) * x.ndim) * (x - baseline)
    return grad_fn(points).mean(axis=0)
