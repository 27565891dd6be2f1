"""assign_buckets walks the parameters in registration order, not in reverse."""
from solutions.ch08_faq import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch08_faq", "assign_buckets"
BUG = "forward instead of reverse order"


def assign_buckets(sizes, first_cap, cap):
    buckets, current, filled = [], [], 0
    for i in range(len(sizes)):
        current.append(i)
        filled += sizes[i]
        if filled >= (first_cap if not buckets else cap):
            buckets.append(current)
            current, filled = [], 0
    if current:
        buckets.append(current)
    return buckets
