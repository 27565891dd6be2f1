"""fold_conv_bn divides by sqrt(var), dropping batch norm's eps."""
from solutions.ch07_future import *  # noqa: F401,F403
from solutions.ch07_future import fold_conv_bn as _right

CHAPTER, BREAKS = "ch07_future", "fold_conv_bn"
BUG = "dropping eps"


def fold_conv_bn(weight, bias, gamma, beta, running_mean, running_var, eps):
    return _right(weight, bias, gamma, beta, running_mean, running_var, 0.0)
