"""make_tensor checks the name but then lets edutorch infer the dtype from the data."""
import edutorch
from solutions.ch01_setup import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch01_setup", "make_tensor"
BUG = "the dtype is validated and then not passed to edutorch.tensor"


def make_tensor(data, dtype_name):
    if not isinstance(getattr(edutorch, dtype_name, None), edutorch.dtype):
        raise ValueError(f"make_tensor: {dtype_name!r} is not a dtype")
    return edutorch.tensor(data)
