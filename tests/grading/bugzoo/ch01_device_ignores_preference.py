"""pick_device ignores ``prefer_gpu``: a GPU is used whenever one is there."""
import edutorch
from solutions.ch01_setup import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch01_setup", "pick_device"
BUG = "prefer_gpu=False still picks cuda when it is available"


def pick_device(prefer_gpu=True):
    return edutorch.device("cuda" if edutorch.cuda.is_available() else "cpu")
