"""conv_output_size rounds the number of strides up."""
import math

from solutions.ch05_applications import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch05_applications", "conv_output_size"
BUG = "ceil instead of floor"


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return math.ceil((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
