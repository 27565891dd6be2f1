"""conv2d_im2col flips the kernel: a true convolution, not PyTorch's cross-correlation."""
from solutions.ch03_algorithms import *  # noqa: F401,F403
from solutions.ch03_algorithms import conv2d_im2col as _right

CHAPTER, BREAKS = "ch03_algorithms", "conv2d_im2col"
BUG = "weight[..., ::-1, ::-1]"


def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    return _right(x, weight[..., ::-1, ::-1], bias, stride, padding)
