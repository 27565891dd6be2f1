"""mul_backward calls the reader's own sum_to_shape, which fails on a scalar operand."""
from solutions.ch02_autograd import *  # noqa: F401,F403
from solutions.ch02_autograd import sum_to_shape as _right_sum_to_shape

CHAPTER, BREAKS = "ch02_autograd", "mul_backward"
BUG = "a helper of its own (sum_to_shape) raises on a 0-dimensional shape, so mul_backward does"


def sum_to_shape(grad, shape):
    if len(shape) == 0:
        raise ValueError(f"cannot sum a gradient of shape {grad.shape} to shape ()")
    return _right_sum_to_shape(grad, shape)


def mul_backward(grad, a, b):
    return sum_to_shape(grad * b, a.shape), sum_to_shape(grad * a, b.shape)
