"""``autograd.Function``: define an op by its forward and backward, as in PyTorch.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y

    y = Exp.apply(x)

``forward`` runs with grad mode off; ``apply`` records one node whose ``backward`` calls yours.
The ``ctx`` is that node (``ExpBackward``), so it carries ``saved_tensors`` and
``needs_input_grad`` like PyTorch's.
"""
from __future__ import annotations

from . import grad_mode
from .graph import Node, _FREED, FREED_MESSAGE, _sequence, raise_modified


class BackwardCFunction(Node):
    """The node recorded by ``Function.apply``; also the ``ctx`` passed to forward/backward."""
    __slots__ = ("_cls", "needs_input_grad", "n_outputs", "_non_diff", "_out_refs",
                 "_materialize", "_input_metas", "_dirty", "__dict__")

    def __init__(self, cls, inputs):
        from ..tensor import Tensor
        tensors = [a if isinstance(a, Tensor) else None for a in inputs]
        self.next_functions = tuple(
            (None, 0) if t is None else _edge(t) for t in tensors)
        self._saved = None
        self._out = None
        self._extras = None
        self._seq = next(_sequence)
        self._cls = cls
        self.needs_input_grad = tuple(e[0] is not None for e in self.next_functions)
        self._non_diff = set()
        self._out_refs = ()
        self._materialize = True
        self._dirty = ()
        self._input_metas = [None if t is None else (t._data.shape, t.dtype) for t in tensors]

    def name(self) -> str:
        return f"{self._cls.__name__}Backward"

    # ctx API -----------------------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        if saved is None:
            return ()
        out = []
        for i, (kind, item, version) in enumerate(saved):
            if kind == "output":  # rebuilt without a reference cycle (see Node.save_output)
                data, vc, nr = item
                if vc[0] != version:
                    raise_modified(None, self, i, version, vc[0], data.shape, data.dtype)
                from ..tensor import Tensor
                t = Tensor._wrap(data)
                t._vc = vc
                if grad_mode.state.enabled:
                    t._rg, t.grad_fn, t._output_nr = True, self, nr
                out.append(t)
            else:
                if item is not None and item._vc[0] != version:
                    raise_modified(item, self, i, version)
                out.append(item)
        return tuple(out)

    def _finish_save(self, outputs) -> None:
        to_save = getattr(self, "_to_save", None)
        if to_save is None:
            return
        del self._to_save
        by_id = {id(o): i for i, o in enumerate(outputs)}
        saved = []
        for t in to_save:
            if t is None:
                saved.append(("input", None, None))
            elif id(t) in by_id:
                o = outputs[by_id[id(t)]]
                saved.append(("output", (o._data, o._vc, o._output_nr), o._vc[0]))
            else:
                saved.append(("input", t, t._vc[0]))
        self._saved = saved

    # the chain rule ----------------------------------------------------------------------
    def apply(self, grads):
        from ..tensor import Tensor
        from .._ops.creation import zeros
        if self._materialize:
            grads = [g if g is not None else zeros(shape, dtype=dtype, device=dev)
                     for g, (shape, dtype, dev) in zip(grads, self._out_refs)]
        result = self._cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.next_functions)
        if len(result) < n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(result)})")
        if len(result) > n:
            if any(r is not None for r in result[n:]):
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n}, got {len(result)})")
            result = result[:n]
        checked = []
        for i, (g, m) in enumerate(zip(result, self._input_metas)):
            if g is None or m is None:
                checked.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type "
                                f"{type(g).__name__} at index {i}; expected a Tensor or None")
            shape, dtype = m
            if g._data.shape != shape:
                try:
                    g = g.sum_to_size(shape)
                except RuntimeError:
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at "
                                       f"index {i} - got {list(g._data.shape)} but expected "
                                       f"shape compatible with {list(shape)}") from None
            if g.dtype is not dtype:
                g = g.to(dtype)
            checked.append(g)
        return tuple(checked)


def _edge(t):
    from .graph import edge_of
    return edge_of(t)


class FunctionMeta(type):
    pass


class Function(metaclass=FunctionMeta):
    """Base class for a custom op: override ``forward`` and ``backward`` (static methods)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method (call Function.apply, do not instantiate it).")

    @classmethod
    def apply(cls, *args, **kwargs):
        from ..tensor import Tensor
        ctx = BackwardCFunction(cls, args)
        uses_setup = cls.setup_context is not Function.setup_context
        prev = grad_mode.state.enabled
        grad_mode.state.enabled = False
        try:
            if uses_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode.state.enabled = prev
        single = not isinstance(output, tuple)
        outputs = (output,) if single else output
        track = prev and any(ctx.needs_input_grad)
        wrapped = []
        for i, o in enumerate(outputs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                continue
            if any(o is d for d in ctx._dirty):  # modified in place: the input itself is the
                if prev and o._rg and o.grad_fn is None:  # output, and takes the new grad_fn
                    raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                       "in-place operation (marked dirty by "
                                       f"{cls.__name__}.forward).")
            elif any(o is a for a in args):  # returned an input as is: give a fresh alias
                alias = Tensor._wrap(o._data)
                alias._vc = o._vc
                o = alias
            wrapped.append(o)
        tensor_outs = [o for o in wrapped if isinstance(o, Tensor)]
        if track:
            ctx.n_outputs = len(wrapped)
            ctx._out_refs = [((o._data.shape, o.dtype, o.device) if isinstance(o, Tensor)
                              else ((), None, None)) for o in wrapped]
            for i, o in enumerate(wrapped):
                if isinstance(o, Tensor) and id(o) not in ctx._non_diff and \
                        o.is_floating_point():
                    o._rg, o.grad_fn, o._output_nr = True, ctx, i
            for d in ctx._dirty:
                d._vc[0] += 1
        ctx._finish_save(wrapped)
        del tensor_outs
        return wrapped[0] if single else tuple(wrapped)


class once_differentiable:
    """Decorator kept for compatibility: the backward it wraps runs with grad mode off."""

    def __new__(cls, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(ctx, *args):
            with grad_mode.no_grad():
                return fn(ctx, *args)
        return wrapper


FunctionCtx = BackwardCFunction
