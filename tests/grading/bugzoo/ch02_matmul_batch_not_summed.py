"""matmul_backward forgets to sum over broadcast batch dimensions."""
import numpy as np

from solutions.ch02_autograd import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch02_autograd", "matmul_backward"
BUG = "G B^T and A^T G are returned with the broadcast batch shape"


def matmul_backward(grad, a, b):
    return grad @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ grad
