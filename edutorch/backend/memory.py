"""Memory helpers: keeping big freed arrays for reuse instead of paying page faults again.

A training step allocates the same large arrays every time (im2col columns, a recurrent
layer's saved gates, activations, gradients). Memory given back to the operating system when
an array is freed must be faulted in again, page by page, when the next step writes its twin,
which can cost more than the arithmetic itself. Two remedies, both CPU-only (CuPy has its own
memory pool):

- ``keep_freed_memory``: ask glibc's malloc to keep large freed blocks (run once at import);
- ``scratch``: a small pool of big arrays that the hottest ops write into when nothing else
  references them any more.
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np

__all__ = ["keep_freed_memory", "scratch"]


def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep large freed blocks for reuse instead of returning them.

    By default glibc hands blocks above a threshold back to the OS as soon as they are freed,
    and the next step pays a page fault for every 4 KiB page of them again: on an LSTM step
    that is about a sixth of the time. Raising the two thresholds makes freed memory reusable,
    as a caching allocator would. Peak memory does not grow (the same blocks are reused); the
    process only gives memory back later. Set EDUTORCH_MALLOC_TUNING=0 to leave malloc alone.
    """
    if not sys.platform.startswith("linux") or os.environ.get("EDUTORCH_MALLOC_TUNING") == "0":
        return
    try:
        import ctypes
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    mallopt(M_MMAP_THRESHOLD, 32 * 2 ** 20)  # blocks up to 32 MiB come from the reusable heap
    mallopt(M_TRIM_THRESHOLD, 256 * 2 ** 20)  # keep up to 256 MiB of free heap for reuse


# The scratch pool. The columns of a convolution are the biggest arrays a CNN step allocates
# (k_h*k_w times its input); a recurrent layer's saved gates come next. Allocated afresh every
# step, every page of them is faulted in again on first write (measured: a quarter of a LeNet-5
# step on a virtual machine). So ``scratch`` keeps the last few big arrays and hands out one
# that nothing references any more (its reference count says so: an array saved for a backward
# that has not run yet, or held by the user, stays untouched).
_KEEP = 16                     # arrays kept, at most
_BUDGET = 128 << 20            # bytes kept, at most
_MIN_BYTES = 128 << 10         # smaller arrays come from the heap without page faults
_MAX_BYTES = 32 << 20          # larger ones: the arithmetic dwarfs the page faults
_kept: list = []


def scratch(shape, dtype, xp):
    """An uninitialised array of ``shape`` from array module ``xp``, reusing a kept one when
    one is free (NumPy only; other modules get a plain ``xp.empty``)."""
    if xp is not np:
        return xp.empty(shape, dtype)
    n = math.prod(shape)
    if not _MIN_BYTES <= n * np.dtype(dtype).itemsize <= _MAX_BYTES:
        return np.empty(shape, dtype)
    spare = None
    for i in range(len(_kept)):
        # 2 references: the list's and getrefcount's own argument; a view in use adds one
        if sys.getrefcount(_kept[i]) == 2:
            if _kept[i].size == n and _kept[i].dtype == dtype:
                return _kept[i].reshape(shape)
            spare = i
    fresh = np.empty(n, dtype)
    total = sum(a.nbytes for a in _kept)
    if len(_kept) < _KEEP and total + fresh.nbytes <= _BUDGET:
        _kept.append(fresh)
    elif spare is not None and total - _kept[spare].nbytes + fresh.nbytes <= _BUDGET:
        _kept[spare] = fresh  # replace a free array of another size
    return fresh.reshape(shape)
