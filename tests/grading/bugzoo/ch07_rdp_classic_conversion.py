"""rdp_to_epsilon uses Mironov's original conversion r + log(1/delta)/(alpha - 1), without the
log(alpha) and log((alpha-1)/alpha) terms of the tighter bound."""
from solutions.ch07_future import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch07_future", "rdp_to_epsilon"
BUG = "the classic (looser) conversion"


def rdp_to_epsilon(orders, rdp, delta):
    orders = np.asarray(orders, dtype=float)  # noqa: F405
    eps = np.asarray(rdp) - np.log(delta) / (orders - 1)  # noqa: F405
    best = int(np.nanargmin(eps))  # noqa: F405
    return float(eps[best]), float(orders[best])
