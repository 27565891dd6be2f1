"""Grad mode: whether ops record the graph. (Also the two other per-thread switches every op and
the engine read: the active dispatch modes, and anomaly mode.)

``no_grad`` turns recording off (evaluation, optimizer updates), ``enable_grad`` turns it back on
inside a ``no_grad`` block. Each is a context manager and a decorator. The flag is per thread,
like PyTorch's.
"""
from __future__ import annotations

import functools
import threading


class _State(threading.local):
    enabled = True


state = _State()


class _Dispatch(threading.local):
    modes: tuple = ()  # active TorchFunctionModes, innermost last (see edutorch/overrides.py)


dispatch_state = _Dispatch()


class _Anomaly(threading.local):
    enabled = False  # see anomaly_mode.py
    check_nan = True


anomaly_state = _Anomaly()


def is_grad_enabled() -> bool:
    return state.enabled


class _GradModeContext:
    """Base of the grad-mode managers: sets the flag on entry and restores it on exit."""
    _target: bool

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._target

    def __exit__(self, *exc):
        state.enabled = self._prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradModeContext):
    """Ops inside do not record the graph; results have ``requires_grad=False``."""
    _target = False


class enable_grad(_GradModeContext):
    """Re-enables recording inside ``no_grad``."""
    _target = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` is ``no_grad``; works as a call, a context or a decorator."""

    def __init__(self, mode: bool):
        self._prev = state.enabled
        self._target = bool(mode)
        state.enabled = self._target  # a plain call takes effect at once, as in PyTorch

    def __enter__(self):
        pass

    def __call__(self, fn):
        state.enabled = self._prev  # used as a decorator: undo the call-time switch
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = state.enabled
            state.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev
        return wrapper

    def clone(self):
        return set_grad_enabled(self._target)


class inference_mode(no_grad):
    """Like ``no_grad`` (edutorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self._target = not mode
