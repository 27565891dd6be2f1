"""minibatches always drops the last, partial batch (an off-by-one in the range)."""
import edutorch
from solutions.ch04_training import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch04_training", "minibatches"
BUG = "range(0, n - batch_size + 1, batch_size) loses the tail even without drop_last"


def minibatches(X, y, batch_size, shuffle=False, drop_last=False, generator=None):
    n = len(X)
    order = edutorch.randperm(n, generator=generator) if shuffle else edutorch.arange(n)
    for start in range(0, n - batch_size + 1, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
