"""count_elements treats the scalar shape ``()`` as empty (0 elements, not 1)."""
import math

from solutions.ch01_setup import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch01_setup", "count_elements"
BUG = "the product over an empty shape is taken as 0"


def count_elements(shapes):
    return sum(math.prod(s) if s else 0 for s in shapes)
