"""save_checkpoint saves the model but not the optimizer (momentum is lost on resume)."""
import edutorch
from solutions.ch04_training import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch04_training", "save_checkpoint"
BUG = "the optimizer's state_dict is not saved"


def save_checkpoint(path, model, optimizer, epoch):
    edutorch.save({"model": model.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer):
    checkpoint = edutorch.load(path)
    model.load_state_dict(checkpoint["model"])
    return checkpoint["epoch"]
