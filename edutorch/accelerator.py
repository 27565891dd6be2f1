"""``edutorch.accelerator``: PyTorch's device-agnostic API for "the GPU, whichever it is".

pytorch/examples now write ``device = torch.accelerator.current_accelerator() if
torch.accelerator.is_available() else torch.device("cpu")``. edutorch has one kind of
accelerator, CUDA through CuPy; without it every answer is "none", as PyTorch's CPU build says.
"""
from __future__ import annotations

import contextlib

from . import backend
from ._device import device as _device

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    """Whether a CUDA device is usable (CuPy installed and a device present)."""
    return backend.cuda_is_available()


def current_accelerator(check_available: bool = False) -> _device | None:
    """``device("cuda")`` when CuPy can use a GPU, else None."""
    if check_available and not is_available():
        return None
    return _device("cuda") if is_available() else None


def device_count() -> int:
    return backend.cuda_device_count() if is_available() else 0


def _require() -> None:
    if not is_available():
        raise RuntimeError(_NONE)


def current_device_index() -> int:
    _require()
    return backend._import_cupy().cuda.Device().id


current_device_idx = current_device_index


def _index(dev) -> int:
    if dev is None:
        return current_device_index()
    if isinstance(dev, int):
        return dev
    d = _device(dev) if not isinstance(dev, _device) else dev
    if d.type != "cuda":
        raise ValueError(f"{d.type} doesn't match the current accelerator cuda.")
    return d.index or 0


def set_device_index(device, /) -> None:
    _require()
    backend._import_cupy().cuda.Device(_index(device)).use()


set_device_idx = set_device_index


@contextlib.contextmanager
def device_index(device, /):
    """Use accelerator ``device`` inside the block (``None`` changes nothing)."""
    if device is None:
        yield
        return
    _require()
    before = current_device_index()
    set_device_index(device)
    try:
        yield
    finally:
        set_device_index(before)


def synchronize(device=None, /) -> None:
    """Wait until the accelerator has finished its queued work."""
    _require()
    backend._import_cupy().cuda.Device(_index(device)).synchronize()


def empty_cache() -> None:
    """Give the GPU memory pool's unused blocks back (CuPy's default pool)."""
    if is_available():
        backend._import_cupy().get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None, /) -> int:
    """Bytes held by live GPU arrays (CuPy's default memory pool)."""
    _require()
    return int(backend._import_cupy().get_default_memory_pool().used_bytes())


def memory_reserved(device=None, /) -> int:
    _require()
    return int(backend._import_cupy().get_default_memory_pool().total_bytes())


__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "current_device_idx", "set_device_index", "set_device_idx", "device_index",
           "synchronize", "empty_cache", "memory_allocated", "memory_reserved"]
