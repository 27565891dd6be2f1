"""conv_output_size ignores dilation."""
from solutions.ch05_applications import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch05_applications", "conv_output_size"
BUG = "dilation ignored"


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - kernel) // stride + 1
