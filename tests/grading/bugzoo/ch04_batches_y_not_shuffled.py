"""minibatches shuffles X but takes y in the original order: pairs no longer match."""
import edutorch
from solutions.ch04_training import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch04_training", "minibatches"
BUG = "X[idx] with y[start:stop]"


def minibatches(X, y, batch_size, shuffle=False, drop_last=False, generator=None):
    n = len(X)
    order = edutorch.randperm(n, generator=generator) if shuffle else edutorch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield X[order[start:start + batch_size]], y[start:start + batch_size]
