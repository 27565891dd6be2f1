"""dp_sgd_gradient divides by the actual number of examples, not the expected batch size."""
from solutions.ch07_future import *  # noqa: F401,F403
from solutions.ch07_future import dp_sgd_gradient as _right

CHAPTER, BREAKS = "ch07_future", "dp_sgd_gradient"
BUG = "dividing by the actual batch size"


def dp_sgd_gradient(per_sample_grads, max_grad_norm, noise_multiplier, expected_batch_size,
                    noise):
    return _right(per_sample_grads, max_grad_norm, noise_multiplier,
                  per_sample_grads[0].shape[0], noise)
