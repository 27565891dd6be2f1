"""dp_sgd_gradient clips each parameter's per-sample gradient to C on its own."""
from solutions.ch07_future import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch07_future", "dp_sgd_gradient"
BUG = "clipping each parameter separately"


def dp_sgd_gradient(per_sample_grads, max_grad_norm, noise_multiplier, expected_batch_size,
                    noise):
    n = per_sample_grads[0].shape[0]
    out = []
    for g, xi in zip(per_sample_grads, noise):
        norm = np.sqrt((g.reshape(n, -1) ** 2).sum(axis=1))  # noqa: F405
        factor = np.minimum(1.0, max_grad_norm / (norm + 1e-6))  # noqa: F405
        out.append((np.tensordot(factor, g, axes=1)  # noqa: F405
                    + noise_multiplier * max_grad_norm * xi) / expected_batch_size)
    return out
