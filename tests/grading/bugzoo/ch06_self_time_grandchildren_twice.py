"""self_times subtracts every interval nested inside, not only the direct children."""
from solutions.ch06_tools import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch06_tools", "self_times"
BUG = "grandchildren are subtracted too (counted twice)"


def self_times(intervals):
    result = []
    for i, (s, e) in enumerate(intervals):
        inside = sum(e2 - s2 for j, (s2, e2) in enumerate(intervals)
                     if j != i and s <= s2 and e2 <= e and (s2, e2) != (s, e))
        result.append((e - s) - inside)
    return result
