"""rdp_to_epsilon forgets to divide log(delta) + log(alpha) by (alpha - 1)."""
from solutions.ch07_future import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch07_future", "rdp_to_epsilon"
BUG = "missing /(alpha - 1)"


def rdp_to_epsilon(orders, rdp, delta):
    orders = np.asarray(orders, dtype=float)  # noqa: F405
    eps = np.asarray(rdp) - (np.log(delta) + np.log(orders)) \
        + np.log((orders - 1) / orders)  # noqa: F405
    best = int(np.nanargmin(eps))  # noqa: F405
    return float(eps[best]), float(orders[best])
