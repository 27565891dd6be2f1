"""Chapter 1 solutions: setting up, and the first look at tensors, devices and NumPy."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

import edutorch


def make_tensor(data, dtype_name: str) -> edutorch.Tensor:
    """Build a tensor from nested Python data with the dtype named by a string."""
    dtype = getattr(edutorch, dtype_name, None)
    if not isinstance(dtype, edutorch.dtype):
        raise ValueError(f"make_tensor: {dtype_name!r} is not an edutorch dtype name")
    return edutorch.tensor(data, dtype=dtype)


def pick_device(prefer_gpu: bool = True) -> edutorch.device:
    """The device to compute on: ``cuda`` when asked for and usable, else ``cpu``."""
    use_gpu = prefer_gpu and edutorch.cuda.is_available()
    return edutorch.device("cuda" if use_gpu else "cpu")


def numpy_round_trip(a: np.ndarray) -> tuple[edutorch.Tensor, np.ndarray]:
    """Move a NumPy array into edutorch without copying, compute, and come back."""
    t = edutorch.from_numpy(a)  # shares a's memory
    return t, (2 * t).numpy()


def count_elements(shapes: Sequence[tuple[int, ...]]) -> int:
    """The total number of elements in tensors of the given shapes."""
    return sum(math.prod(shape) for shape in shapes)


def tensor_bytes(shape: tuple[int, ...], dtype_name: str) -> int:
    """How many bytes the data of a tensor of this shape and dtype takes."""
    dtype = getattr(edutorch, dtype_name)
    return math.prod(shape) * edutorch.empty(0, dtype=dtype).element_size()
