"""numpy_round_trip copies the array (``edutorch.tensor``) instead of sharing its memory."""
import edutorch
from solutions.ch01_setup import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch01_setup", "numpy_round_trip"
BUG = "edutorch.tensor(a) copies; the tensor must share a's memory (from_numpy)"


def numpy_round_trip(a):
    t = edutorch.tensor(a)
    return t, (2 * t).numpy()
