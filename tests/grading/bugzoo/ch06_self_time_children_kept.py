"""self_times returns each interval's whole duration."""
from solutions.ch06_tools import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch06_tools", "self_times"
BUG = "the children's time is not subtracted"


def self_times(intervals):
    return [end - start for start, end in intervals]
