"""train_val_split takes the last rows as validation, without shuffling."""
import math

from solutions.ch04_training import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch04_training", "train_val_split"
BUG = "no random permutation before splitting"


def train_val_split(X, y, val_fraction, generator=None):
    n_train = len(X) - math.floor(len(X) * val_fraction)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
