"""matmul_backward relies on the reader's own sum_to_shape, which keeps stretched dimensions."""
import numpy as np

from solutions.ch02_autograd import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch02_autograd", "matmul_backward"
BUG = "its helper sum_to_shape does not sum stretched size-1 dimensions"


def sum_to_shape(grad, shape):
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    return grad


def matmul_backward(grad, a, b):
    grad_a = grad @ np.swapaxes(b, -1, -2)
    grad_b = np.swapaxes(a, -1, -2) @ grad
    return sum_to_shape(grad_a, a.shape), sum_to_shape(grad_b, b.shape)
