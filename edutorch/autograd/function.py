"""``autograd.Function``: the one way an op is defined, the library's own ops included.

An op is a class with two static methods, its forward computation and its derivative::

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

``Function.apply`` does all the bookkeeping, once, for every op:

1. it offers the call to the active ``TorchFunctionMode``s (``edutorch.overrides``): the single
   dispatch point that the profiler, anomaly mode and the tracing JIT watch;
2. it runs ``forward`` with grad mode off;
3. if grad mode is on and some input requires grad, it records a node (the ``ctx`` itself, the
   result's ``grad_fn``) with one edge per positional input, the saved values with their
   version numbers, and each input's shape and dtype;
4. in backward, the engine calls the node, which calls ``backward`` and fits each gradient to
   its input: a broadcast input gets the sum over the broadcast dimensions, in its own dtype.

Positional arguments are the op's *operands* (tensors, or Python numbers, which get the edge
``(None, 0)`` as in PyTorch); keyword arguments are its parameters (dims, flags).

The library's built-in ops (``edutorch/_ops``) are Functions too, registered by the ``op``
decorator (``edutorch/_ops/registry.py``). One difference: their ``forward`` computes on the
tensors' arrays (NumPy or CuPy) directly, and their ``backward`` receives arrays too, except
under ``create_graph=True``, where it receives Tensors so that its formula is itself recorded.
The formula is written once, with operators and ``ctx.xp`` (the array module, or ``edutorch``
itself under ``create_graph``), so it serves both.
"""
from __future__ import annotations

from .. import backend
from . import grad_mode
from .graph import FREED, FREED_MESSAGE, Node, _sequence, edge_of, raise_modified

_ndarray = backend.ndarray
_NO_EDGE = (None, 0)
_xp_of = backend.xp_of
_numpy = backend.module_for("cpu")
_is_floating = backend.is_floating
_state = grad_mode.state


dispatch_state = grad_mode.dispatch_state
_anomaly = grad_mode.anomaly_state


class BackwardFunction(Node):
    """The node recorded by ``Function.apply``: the op's ``grad_fn``, and the ``ctx`` passed to
    its ``forward`` and ``backward``."""
    # slots for what every node holds (cheaper to set than a __dict__, which is made only if
    # an op stores more on its ctx, e.g. ``ctx.alpha``)
    __slots__ = ("next_functions", "_sequence_nr", "_cls", "needs_input_grad", "_input_metas",
                 "_saved", "_to_save")
    _array_module = _numpy  # the inputs' array module (``ctx.xp``); set when it is CuPy
    _out_metas = None
    _non_diff = _dirty = ()
    _materialize = True

    def __init__(self, cls, needs_input_grad: tuple):
        # The rest (edges, input shapes, saved values) is filled in by ``_record`` once forward
        # has run: forward only needs to know which inputs want a gradient.
        self._cls = cls
        self.needs_input_grad = needs_input_grad  # as in PyTorch: one bool per input
        self._saved = self._to_save = None

    def name(self) -> str:
        return self._cls._backward_name

    @property
    def xp(self):
        """The module a backward formula computes with: the array library (``numpy``/``cupy``),
        or ``edutorch`` itself when the formula must be recorded (``create_graph=True``)."""
        if _state.enabled:
            import edutorch
            return edutorch
        return self._array_module

    # -- the ctx API ---------------------------------------------------------------------------
    def save_for_backward(self, *values) -> None:
        self._to_save = values

    def mark_non_differentiable(self, *outputs) -> None:
        self._non_diff = tuple(id(o) for o in outputs)

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved, version-checked: arrays for a built-in op in a plain backward,
        Tensors otherwise (a saved output comes back with this node as its grad_fn)."""
        saved = self._saved
        if saved is FREED:
            raise RuntimeError(FREED_MESSAGE)
        if saved is None:
            return ()
        if _state.enabled or not self._cls._on_arrays:
            return tuple(_unpack(self, i, item, True) for i, item in enumerate(saved))
        arrays = []
        for i, item in enumerate(saved):  # a plain backward of a built-in op: just the arrays
            vc = item[2]
            if vc is not None and vc[0] != item[3]:
                _unpack(self, i, item, False)  # raises, naming what was modified
            arrays.append(item[4])
        return arrays

    # -- the chain rule ------------------------------------------------------------------------
    def apply(self, grads: list) -> tuple:
        """Gradients w.r.t. each positional input, given those w.r.t. each output."""
        cls = self._cls
        if not cls._on_arrays:
            grads = [g if g is None or hasattr(g, "_data") else _wrap(g) for g in grads]
        if len(grads) > 1 and self._materialize and any(g is None for g in grads):
            grads = [self._zeros_like_output(i) if g is None else g for i, g in enumerate(grads)]
        result = cls.backward(self, *grads)
        if type(result) is not tuple:
            result = (result,)
        metas = self._input_metas
        if len(result) == len(metas):
            for g, meta in zip(result, metas):
                if g is not None and meta is not None and not (
                        type(g) is _ndarray and g.shape == meta[0] and g.dtype == meta[1]):
                    return self._fit(result)
            return result  # the common case: every gradient already fits its input
        return self._fit(result)

    def _zeros_like_output(self, i):
        shape, dtype, xp = self._out_metas[i]
        z = xp.zeros(shape, dtype=dtype)
        return _wrap(z) if _state.enabled or not self._cls._on_arrays else z

    def _fit(self, result) -> tuple:
        """Check the number of gradients and fit each to its input: a broadcast input gets the
        sum over the broadcast dimensions, a promoted one its own dtype."""
        n = len(self.next_functions)
        if len(result) != n:
            if len(result) < n or any(r is not None for r in result[n:]):
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n}, got {len(result)})")
            result = result[:n]
        fitted = []
        for i, (g, meta) in enumerate(zip(result, self._input_metas)):
            if g is None or meta is None:
                fitted.append(None)
                continue
            shape, dtype = meta
            if type(g) is _ndarray and g.shape == shape and g.dtype == dtype:
                fitted.append(g)  # the common case: nothing to fit
                continue
            if hasattr(g, "_data"):
                if not _state.enabled:
                    g = g._data  # a reader's Function answered with a Tensor
            elif not isinstance(g, _ndarray) and not backend.is_gpu_array(g):
                if hasattr(g, "dtype"):  # a NumPy scalar, from arithmetic on 0-d arrays
                    g = backend.ensure_array(g, backend.xp_of(g))
                else:
                    raise TypeError(f"function {self.name()} returned a gradient of type "
                                    f"{type(g).__name__} at index {i}; expected a Tensor or "
                                    f"None")
            if g.shape != shape:
                g = _sum_to(g, shape, self.name(), i)
            if g.dtype != dtype:
                g = g.astype(dtype) if not hasattr(g, "_data") else g.to(_dtype_of(dtype))
            fitted.append(g)
        return tuple(fitted)


def _sum_to(g, shape, name, i):
    """A broadcast input was used many times: its gradient is the sum over those uses."""
    if hasattr(g, "_data"):
        try:
            return g.sum_to_size(shape)
        except RuntimeError:
            pass
    else:
        try:
            return backend.sum_to(g, shape)
        except ValueError:
            pass
    raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                       f"{list(g.shape)} but expected shape compatible with {list(shape)}")


def _unpack(node, i, item, as_tensors):
    kind, value, vc, version, _ = item
    if kind == "const":
        if as_tensors and (isinstance(value, _ndarray) or backend.is_gpu_array(value)):
            return _wrap(value)
        return value
    if vc[0] != version:
        if kind == "input":
            raise_modified(value, node, i, version)
        data = value[0]
        raise_modified(None, node, i, version, vc[0], shape=data.shape, dtype=data.dtype,
                       output=True)
    if kind == "input":
        return value if as_tensors else value._data
    data, nr = value
    if not as_tensors:
        return data
    t = _wrap(data)  # the output, rebuilt: storing the Tensor itself would make a cycle
    t._vc = vc
    if _state.enabled:
        t._rg, t.grad_fn, t._output_nr = True, node, nr
    return t


class _NoGradCtx:
    """The ``ctx`` when nothing is recorded: forward may set attributes on it; it saves
    nothing."""
    needs_input_grad = ()
    _dirty = ()

    def save_for_backward(self, *values):
        pass

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    mark_non_differentiable = set_materialize_grads = save_for_backward


class Function:
    """Base class of an op: override the static methods ``forward`` and ``backward``."""
    _on_arrays = False  # built-in ops compute on arrays (set by the ``op`` registration)
    differentiable = True  # False for ops with no gradient (comparisons): nothing is recorded
    is_view = False  # True for ops whose outputs may share the first input's memory
    _backward_name = "FunctionBackward"
    _op_name = None

    @classmethod
    def op_name(cls) -> str:
        """The op's public name (``"mul"``), or the class name for a reader's Function."""
        return cls._op_name or cls.__name__

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._backward_name = cls.__dict__.get("backward_name", f"{cls.__name__}Backward")

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
        """Run the op: forward, then record the node if autograd should see this call.

        A built-in op also accepts raw arrays (arrays in, arrays out, nothing recorded), so a
        backward formula may call other ops whether it is given arrays or Tensors.
        """
        if dispatch_state.modes:  # the dispatch point: free when no mode is active
            from ..overrides import dispatch
            return dispatch(cls, args, kwargs)
        if not cls._on_arrays:
            return _apply_tensor_function(cls, args, kwargs)
        arrays, needs = [], []
        for a in args:
            if isinstance(a, _Tensor):
                arrays.append(a._data)
                needs.append(a._rg)
            elif not arrays and (isinstance(a, _ndarray) or backend.is_gpu_array(a)):
                return cls.forward(_NoGradCtx(), *args, **kwargs)  # arrays in, arrays out
            else:
                arrays.append(a)
                needs.append(False)  # a Python number: nowhere to send a gradient
        if True in needs and _state.enabled and cls.differentiable:
            ctx = BackwardFunction(cls, tuple(needs))
        else:
            ctx = None
        raw = cls.forward(ctx or _NoGradCtx(), *arrays, **kwargs)
        if type(raw) is tuple:
            return _finish_several(cls, ctx, args, kwargs, raw)
        out = _Tensor._wrap(raw)  # the common case, one output: no tuples built
        if cls.is_view:
            _share_memory((out,), args[0], cls, kwargs)
        if ctx is not None:
            _record(ctx, args, (raw,), (out,))
        return out


def _finish_several(cls, ctx, args, kwargs, raw):
    """The end of ``apply`` for an op with several outputs (split, max(dim), ...)."""
    outputs = tuple(map(_Tensor._wrap, raw))
    if cls.is_view:
        _share_memory(outputs, args[0], cls, kwargs)
    if ctx is not None:
        _record(ctx, args, raw, outputs)
    return outputs


def _apply_tensor_function(cls, args, kwargs):
    """A reader's Function: forward gets the Tensors themselves, with grad mode off; returned
    inputs are handled as PyTorch does (aliased, or the input itself if marked dirty)."""
    needs = tuple(bool(getattr(a, "_rg", False)) for a in args)
    record = _state.enabled and True in needs
    ctx = BackwardFunction(cls, needs) if record else _NoGradCtx()
    outputs = _forward_tensors(cls, ctx, args, kwargs)
    single = type(outputs) is not tuple
    raw = (outputs,) if single else outputs
    outputs = tuple(_as_output(o, args, ctx._dirty) for o in raw)
    if record:
        _record(ctx, args, raw, outputs)
    else:
        for d in ctx._dirty:
            d._vc[0] += 1
    return outputs[0] if single else outputs


def _forward_tensors(cls, ctx, args, kwargs):
    """Run a reader's forward with grad mode off."""
    prev = _state.enabled
    _state.enabled = False
    try:
        if cls.setup_context is not Function.setup_context:
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, out)
            return out
        return cls.forward(ctx, *args, **kwargs)
    finally:
        _state.enabled = prev


def _as_output(o, args, dirty):
    """A forward result as a fresh Tensor (an input returned as is gets a new alias, unless
    forward modified it in place and said so with ``mark_dirty``)."""
    if not hasattr(o, "_data"):
        if hasattr(o, "dtype"):  # an array, or the NumPy scalar a full reduction returns
            return _wrap(o)
        return o  # a Python value (e.g. a count) passes through
    for a in args:
        if o is a and not any(o is d for d in dirty):
            alias = _wrap(o._data)
            alias._vc = o._vc
            return alias
    return o


def _share_memory(outputs, base, cls, kwargs) -> None:
    """Outputs that are views of ``base``'s memory share its version counter, and remember
    how to be made again from the base (for in-place ops on views; see ``_ops/inplace.py``)."""
    for nr, o in enumerate(outputs):
        if backend.is_view_of(o._data, base._data):
            step = (cls, kwargs, nr if len(outputs) > 1 else None)
            if base._base is None:
                o._base, o._view_fn = base, (step,)
            else:
                o._base, o._view_fn = base._base, base._view_fn + (step,)
            o._vc = base._vc
            o._view_version = base._vc[0]


def _record(ctx, args, raw, outputs) -> None:
    """Make ``ctx`` the node of this call: one edge per positional input (where its gradient
    goes; a Python number gets ``(None, 0)``), each tensor input's shape and dtype (to fit its
    gradient), the saved values with their versions (``_pack``), and the differentiable
    outputs' ``grad_fn``."""
    edges, metas = [], []
    data = None
    for a in args:
        if isinstance(a, _Tensor):
            data = a._data
            metas.append((data.shape, data.dtype))
            fn = a.grad_fn
            if fn is not None and a._base is None:  # edge_of, inlined for the common case
                edges.append((fn, a._output_nr))
            else:
                edges.append(edge_of(a))
        else:
            metas.append(None)
            edges.append(_NO_EDGE)
    ctx.next_functions = tuple(edges)
    ctx._sequence_nr = next(_sequence)  # after the inputs' edges: newer than every input
    ctx._input_metas = metas
    if type(data) is not _ndarray and data is not None:
        ctx._array_module = _xp_of(data)  # the module of the inputs' device, for ``ctx.xp``
    if len(outputs) == 1 and not ctx._dirty and not ctx._non_diff:
        out = outputs[0]  # the common case: one output, fresh from forward
        if out._data.dtype.kind == "f" or _is_floating(out._data.dtype):
            out._rg, out.grad_fn, out._output_nr = True, ctx, 0
    else:
        _record_outputs(ctx, outputs)
    if ctx._to_save is not None:
        ctx._saved = _pack(ctx._to_save, args, raw, outputs)
        ctx._to_save = None
    if _anomaly.enabled:
        import traceback
        ctx.metadata["traceback_"] = traceback.format_stack()[:-3]


def _record_outputs(ctx, outputs) -> None:
    """``_record`` for several outputs, or a forward that marked some dirty or
    non-differentiable."""
    if len(outputs) > 1:
        ctx.n_outputs = len(outputs)
        ctx._out_metas = [(o._data.shape, o._data.dtype, ctx._array_module)
                          if isinstance(o, _Tensor) else ((), None, None) for o in outputs]
    dirty, non_diff = ctx._dirty, ctx._non_diff
    for d in dirty:
        _check_dirty_leaf(ctx, d)
    for nr, o in enumerate(outputs):
        if isinstance(o, _Tensor) and (o._data.dtype.kind == "f" or _is_floating(o._data.dtype)) \
                and (not non_diff or id(o) not in non_diff):
            o._rg, o.grad_fn, o._output_nr = True, ctx, nr
    for d in dirty:
        d._vc[0] += 1


def _pack(values, inputs, raw, outputs) -> tuple:
    """Each saved value as ``(kind, value, version counter, version, array)``: an input or an
    output keeps its version counter and the version it had, so that backward can tell whether
    an in-place op changed it since; anything else (a number, a temporary) is a constant."""
    packed = []
    for value in values:
        if value is None or type(value) is float or type(value) is int:
            packed.append(("const", value, None, None, value))
            continue
        for t in inputs:  # an input (forward saw its array)?
            if isinstance(t, _Tensor) and (value is t._data or value is t):
                vc = t._vc
                packed.append(("input", t, vc, vc[0], t._data))
                break
        else:
            for nr, (r, o) in enumerate(zip(raw, outputs)):  # an output?
                if value is r or value is o:
                    vc = o._vc
                    packed.append(("output", (o._data, nr), vc, vc[0], o._data))
                    break
            else:
                packed.append(("const", value, None, None, value))
    return tuple(packed)


def _check_dirty_leaf(ctx, t) -> None:
    if t._rg and t.grad_fn is None:
        raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place "
                           f"operation (marked dirty by {ctx._cls.__name__}.forward).")


_Tensor = None  # edutorch.Tensor, set by tensor.py (which imports this module)


def _wrap(array):
    """An array (or a NumPy scalar, which becomes a 0-d array) as a new Tensor."""
    return _Tensor._wrap(array)


def _dtype_of(np_dtype):
    from .._dtype import _by_np
    return _by_np[np_dtype]


class once_differentiable:
    """Decorator kept for compatibility: the backward it wraps runs with grad mode off."""

    def __new__(cls, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(ctx, *args):
            with grad_mode.no_grad():
                return fn(ctx, *args)
        return wrapper


FunctionCtx = BackwardFunction
