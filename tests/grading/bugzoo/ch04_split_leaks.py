"""train_val_split trains on everything: the validation rows are also training rows."""
from solutions.ch04_training import *  # noqa: F401,F403
from solutions.ch04_training import train_val_split as _right

CHAPTER, BREAKS = "ch04_training", "train_val_split"
BUG = "X_train is the whole data set (validation leaks into training)"


def train_val_split(X, y, val_fraction, generator=None):
    _, _, X_val, y_val = _right(X, y, val_fraction, generator)
    return X, y, X_val, y_val
