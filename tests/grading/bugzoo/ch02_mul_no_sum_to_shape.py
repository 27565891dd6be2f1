"""mul_backward returns the broadcast-shaped gradients: the missing sum-to-shape."""
from solutions.ch02_autograd import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch02_autograd", "mul_backward"
BUG = "grad * b is not summed back to a's shape"


def mul_backward(grad, a, b):
    return grad * b, grad * a
