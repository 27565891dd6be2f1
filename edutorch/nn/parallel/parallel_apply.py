"""``parallel_apply``: run each replica on its inputs, all at once, one thread per replica.

Threads suffice: the heavy work (NumPy's BLAS, CuPy's kernels) releases Python's GIL.
"""
from __future__ import annotations

import threading

from ...autograd import is_grad_enabled, set_grad_enabled

__all__ = ["parallel_apply"]


def parallel_apply(modules: list, inputs: list, kwargs_tup: list | None = None,
                   devices: list | None = None) -> list:
    """``[modules[i](*inputs[i], **kwargs_tup[i]) for i ...]``, computed in parallel threads.

    An exception in any replica is raised again here, naming the replica."""
    if len(modules) != len(inputs):
        raise ValueError(f"parallel_apply(): {len(modules)} modules but {len(inputs)} inputs")
    kwargs_tup = kwargs_tup or [{} for _ in modules]
    grad_enabled = is_grad_enabled()  # a new thread must record (or not) as its parent does
    results: list = [None] * len(modules)

    def work(i: int) -> None:
        args = inputs[i] if isinstance(inputs[i], (list, tuple)) else (inputs[i],)
        try:
            with set_grad_enabled(grad_enabled):
                results[i] = modules[i](*args, **kwargs_tup[i])
        except Exception as e:  # noqa: BLE001 - carried to the caller's thread
            results[i] = e

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(modules))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in enumerate(results):
        if isinstance(r, Exception):
            where = f" on device {devices[i]}" if devices else ""
            raise type(r)(f"Caught {type(r).__name__} in replica {i}{where}: {r}") from r
    return results
