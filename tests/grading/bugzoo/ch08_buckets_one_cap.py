"""assign_buckets ignores first_cap: every bucket gets the large cap."""
from solutions.ch08_faq import *  # noqa: F401,F403
from solutions.ch08_faq import assign_buckets as _right

CHAPTER, BREAKS = "ch08_faq", "assign_buckets"
BUG = "the first bucket's smaller cap is ignored"


def assign_buckets(sizes, first_cap, cap):
    return _right(sizes, cap, cap)
