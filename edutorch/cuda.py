"""``edutorch.cuda``: is a GPU usable (through CuPy)?"""
from __future__ import annotations

from . import backend
from .backend import random as _rnd


def is_available() -> bool:
    """True when CuPy is installed and sees a CUDA device."""
    return backend.cuda_is_available()


def device_count() -> int:
    return backend.cuda_device_count()


def manual_seed(seed: int) -> None:
    _rnd.default_generator("cuda").manual_seed(seed)


manual_seed_all = manual_seed


def synchronize() -> None:
    if is_available():
        backend._import_cupy().cuda.Device().synchronize()


def current_device() -> int:
    if not is_available():
        raise RuntimeError("edutorch.cuda: no CUDA device is available")
    return backend._import_cupy().cuda.Device().id
