"""one_hot_reverse_complement reverses the sequence but does not complement it."""
from solutions.ch05_applications import *  # noqa: F401,F403
from solutions.ch05_applications import one_hot_reverse_complement as _right

CHAPTER, BREAKS = "ch05_applications", "one_hot_reverse_complement"
BUG = "reverse without complementing"


def one_hot_reverse_complement(seq):
    x, _ = _right(seq)
    return x, x[:, ::-1].copy()
