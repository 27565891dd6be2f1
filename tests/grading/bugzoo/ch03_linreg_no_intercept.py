"""linear_regression_closed_form fits no intercept (b = 0)."""
import numpy as np

from solutions.ch03_algorithms import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch03_algorithms", "linear_regression_closed_form"
BUG = "the column of ones is missing"


def linear_regression_closed_form(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0], 0.0
