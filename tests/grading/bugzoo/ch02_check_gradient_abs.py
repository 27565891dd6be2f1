"""check_gradient compares with a tolerance so loose that it passes wrong backwards."""
from solutions.ch02_autograd import *  # noqa: F401,F403
from solutions.ch02_autograd import check_gradient as _right

CHAPTER, BREAKS = "ch02_autograd", "check_gradient"
BUG = "rtol is taken as a percentage (rtol * 100), so a 1% error passes"


def check_gradient(fn, x, eps=1e-6, atol=1e-5, rtol=1e-3):
    return _right(fn, x, eps=eps, atol=atol, rtol=rtol * 100)
