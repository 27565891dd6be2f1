"""matmul_backward forgets to sum over broadcast batch dimensions."""
from solutions.ch02_autograd import *  # noqa: F401,F403

import numpy as np

CHAPTER, BREAKS = "ch02_autograd", "matmul_backward"
BUG = "G B^T and A^T G are returned with the broadcast batch shape"


def matmul_backward(grad, a, b):
    return grad @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ grad
