"""ring_allreduce returns the sum: it forgets to divide by the number of ranks."""
from solutions.ch08_faq import *  # noqa: F401,F403
from solutions.ch08_faq import ring_allreduce as _right

CHAPTER, BREAKS = "ch08_faq", "ring_allreduce"
BUG = "the sum, not the mean"


def ring_allreduce(vectors):
    return [v * len(vectors) for v in _right(vectors)]
