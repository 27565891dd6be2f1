"""dp_sgd_gradient adds noise of std sigma, forgetting that it scales with the clip norm C."""
from solutions.ch07_future import *  # noqa: F401,F403
from solutions.ch07_future import dp_sgd_gradient as _right

CHAPTER, BREAKS = "ch07_future", "dp_sgd_gradient"
BUG = "noise std sigma instead of sigma * C"


def dp_sgd_gradient(per_sample_grads, max_grad_norm, noise_multiplier, expected_batch_size,
                    noise):
    scaled = [xi / max_grad_norm for xi in noise]
    return _right(per_sample_grads, max_grad_norm, noise_multiplier, expected_batch_size,
                  scaled)
