"""integrated_gradients samples the left end of each step (alpha = k/n) instead of its middle."""
from solutions.ch07_future import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch07_future", "integrated_gradients"
BUG = "left Riemann sum"


def integrated_gradients(grad_fn, x, baseline, n_steps):
    alphas = np.arange(n_steps) / n_steps  # noqa: F405
    points = baseline + alphas.reshape((n_steps,) + (1,) * x.ndim) * (x - baseline)
    return (x - baseline) * grad_fn(points).mean(axis=0)
