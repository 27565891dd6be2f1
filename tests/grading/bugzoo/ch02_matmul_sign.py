"""matmul_backward has a sign error in grad_b."""
from solutions.ch02_autograd import *  # noqa: F401,F403
from solutions.ch02_autograd import matmul_backward as _right

CHAPTER, BREAKS = "ch02_autograd", "matmul_backward"
BUG = "grad_b = -(A^T G)"


def matmul_backward(grad, a, b):
    grad_a, grad_b = _right(grad, a, b)
    return grad_a, -grad_b
