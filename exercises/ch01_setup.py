"""Chapter 1 exercises: setting up, and the first look at tensors, devices and NumPy.

Grade them with ``python -m edutorch.grade ch01``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

import edutorch


def make_tensor(data, dtype_name: str) -> edutorch.Tensor:
    """Build a tensor from nested Python data with the dtype named by a string.

    Task: ``make_tensor([[1, 2], [3, 4]], "float64")`` returns the 2x2 tensor of dtype
    ``edutorch.float64``. The name is one of edutorch's dtype names (``"float32"``,
    ``"float64"``, ``"int64"``, ``"bool"``, ...). A name that is not a dtype (``"float7"``,
    or ``"sum"``, which is a function) raises ``ValueError`` with the name in the message.

    Shapes: ``data`` is a number or a nested list, as ``edutorch.tensor`` takes; the result
    has the nesting's shape.

    Hint: ``getattr(edutorch, name, None)`` looks a name up; ``isinstance(x, edutorch.dtype)``
    tells a dtype from anything else.
    """
    raise NotImplementedError("make_tensor: your code here")


def pick_device(prefer_gpu: bool = True) -> edutorch.device:
    """The device to compute on: ``cuda`` when asked for and usable, else ``cpu``.

    Task: return ``edutorch.device("cuda")`` when ``prefer_gpu`` is true and
    ``edutorch.cuda.is_available()`` says a GPU can be used; ``edutorch.device("cpu")``
    otherwise. This is the one line at the top of most PyTorch scripts.

    Hint: call ``edutorch.cuda.is_available()`` each time (do not cache it in a global): the
    grader pretends to have, and not to have, a GPU.
    """
    raise NotImplementedError("pick_device: your code here")


def numpy_round_trip(a: np.ndarray) -> tuple[edutorch.Tensor, np.ndarray]:
    """Move a NumPy array into edutorch without copying, compute, and come back.

    Task: return ``(t, b)`` where

    - ``t`` is a tensor that *shares memory* with ``a`` (same shape, the dtype that matches
      ``a.dtype``; writing into ``a`` afterwards changes ``t``), and
    - ``b`` is the NumPy array of ``2 * t`` (same shape and dtype as ``a``).

    Shapes: ``a`` has any shape; ``t`` and ``b`` have the same.

    Hint: ``edutorch.tensor(a)`` copies; ``edutorch.from_numpy(a)`` does not. ``Tensor.numpy()``
    goes back.
    """
    raise NotImplementedError("numpy_round_trip: your code here")


def count_elements(shapes: Sequence[tuple[int, ...]]) -> int:
    """The total number of elements in tensors of the given shapes (a model's parameter count).

    Task: ``count_elements([(3, 4), (4,)]) == 16``. A shape's element count is the product of
    its sizes: :math:`\\prod_i s_i`. Mind the edge cases: the empty shape ``()`` is a scalar
    (one element), and a shape with a 0 in it has no elements.

    Hint: the product of an empty list is 1 (``math.prod``).
    """
    raise NotImplementedError("count_elements: your code here")


def tensor_bytes(shape: tuple[int, ...], dtype_name: str) -> int:
    """How many bytes the data of a tensor of this shape and dtype takes.

    Task: bytes = (number of elements) x (bytes per element); e.g. ``(1000, 1000)`` in
    ``"float32"`` is 4,000,000 bytes, in ``"float16"`` 2,000,000.

    Hint: ``edutorch.empty(0, dtype=d).element_size()`` is the size of one element of dtype
    ``d``; or know that float32 is 4 bytes, int64 8, bool 1, ...
    """
    raise NotImplementedError("tensor_bytes: your code here")
