"""``TorchFunctionMode``: the one place where every op call can be watched.

Every op of the library is an ``autograd.Function``, and every Function call goes through
``Function.apply`` (``edutorch/autograd/function.py``). When no mode is active, ``apply`` costs
one check of an empty tuple. Inside ``with mode:``, each call is handed to the mode instead::

    class CountOps(TorchFunctionMode):
        def __init__(self):
            self.counts = collections.Counter()

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.counts[func.__name__] += 1
            return func(*args, **(kwargs or {}))   # run the op (outer modes still see it)

``func`` is an ``Op``: calling it runs the op; ``func.__name__`` is its name (``"mul"``,
``"conv2d"``); ``func.function`` is the Function class, whose ``forward`` a tracer may replay.
The backward engine hands each node to the modes too, as an ``Op`` with ``is_backward=True``
named after the node (``"MulBackward0"``): the profiler times backward ops this way.

The profiler (``edutorch.profiler``), the tracing JIT (``edutorch.jit``) and autocast
(``edutorch.amp``) are all modes.
"""
from __future__ import annotations

from .autograd.function import dispatch_state

__all__ = ["TorchFunctionMode", "Op"]


class TorchFunctionMode:
    """Subclass and override ``__torch_function__``; use as a context manager."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        dispatch_state.modes = dispatch_state.modes + (self,)
        return self

    def __exit__(self, *exc) -> None:
        modes = dispatch_state.modes
        if not modes or modes[-1] is not self:
            raise RuntimeError(f"{type(self).__name__}: modes must be exited in the reverse "
                               f"order they were entered")
        dispatch_state.modes = modes[:-1]


class Op:
    """What a mode receives as ``func``: a callable for one op call, named after the op."""
    __slots__ = ("__name__", "function", "is_backward", "_run", "_below")

    def __init__(self, name, function, run, below, is_backward=False):
        self.__name__, self.function, self.is_backward = name, function, is_backward
        self._run, self._below = run, below

    def __call__(self, *args, **kwargs):
        """Run the op with only the outer modes active (they see it in turn)."""
        modes = dispatch_state.modes
        dispatch_state.modes = self._below
        try:
            if self.is_backward and self._below:
                return _through(self._below, self, args, kwargs)
            return self._run(*args, **kwargs)
        finally:
            dispatch_state.modes = modes

    def __repr__(self) -> str:
        return f"<op {self.__name__}>"


def _through(modes, op, args, kwargs):
    """Offer the call to the innermost mode; it decides whether and how the op runs."""
    mode = modes[-1]
    inner = Op(op.__name__, op.function, op._run, modes[:-1], op.is_backward)
    dispatch_state.modes = modes[:-1]
    try:
        return mode.__torch_function__(inner, _types(args), args, kwargs)
    finally:
        dispatch_state.modes = modes


def _types(args) -> tuple:
    from .tensor import Tensor
    return tuple({type(a) for a in args if isinstance(a, Tensor)})


def dispatch(cls, args, kwargs):
    """Called by ``Function.apply`` when a mode is active."""
    op = Op(cls.op_name(), cls, cls.apply, dispatch_state.modes)
    return _through(dispatch_state.modes, op, args, kwargs)


def dispatch_backward(node, grads, run=None):
    """Called by the engine for each node when a mode is active; ``args`` are the incoming
    gradients (a list), the result the node's gradients w.r.t. its inputs. ``run`` replaces
    ``node.apply`` (a leaf's ``AccumulateGrad``, which writes ``.grad``)."""
    op = Op(node.name(), getattr(node, "_cls", None),
            run or (lambda *g: node.apply(list(g))), dispatch_state.modes, is_backward=True)
    return _through(dispatch_state.modes, op, tuple(grads), {})
