"""Anomaly mode: stop at the first backward op that produces NaN, and say where it was created.

    with autograd.detect_anomaly():
        loss.backward()   # RuntimeError: Function 'DivBackward0' returned nan values ...

While it is on, every recorded node keeps the stack of the forward call that created it
(``Function.apply`` stores it in ``node.metadata["traceback_"]``), and the engine checks each
node's gradients as they come out. Both cost time, so it is off by default.
"""
from __future__ import annotations

from .function import _anomaly


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside it."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> "detect_anomaly":
        self._prev = (_anomaly.enabled, _anomaly.check_nan)
        _anomaly.enabled, _anomaly.check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc) -> None:
        _anomaly.enabled, _anomaly.check_nan = self._prev

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    """``set_detect_anomaly(True)``: on from this call (or only inside, used as a context)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (_anomaly.enabled, _anomaly.check_nan)
        _anomaly.enabled, _anomaly.check_nan = bool(mode), check_nan

    def __enter__(self) -> "set_detect_anomaly":
        return self


def is_anomaly_enabled() -> bool:
    return _anomaly.enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _anomaly.check_nan


def check_grads(node, grads) -> None:
    """Raise at the first NaN in ``node``'s output gradients, naming the op and where its
    forward was called (PyTorch's message, with the forward traceback appended)."""
    if not _anomaly.check_nan:
        return
    for i, g in enumerate(grads):
        if g is None:
            continue
        data = g._data if hasattr(g, "_data") else g
        if data.dtype.kind == "f" and bool((data != data).any()):
            stack = "".join((node._extras or {}).get("metadata", {}).get("traceback_", []))
            where = (f"\n\nTraceback of the forward call that caused the error:\n{stack}"
                     if stack else "")
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               f"output.{where}")
