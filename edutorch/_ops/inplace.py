"""In-place ops (``add_``, ``x += y``, ``x[i] = v``, ...) and how autograd stays correct.

Without autograd in the way (grad mode off, or nothing requires grad) an in-place op writes into
the tensor's own array: ``x += 1`` never allocates a new ``x``. With autograd, the op is computed
out of place from a snapshot of the old value, written back, and the tensor takes the result's
``grad_fn``. Either way the tensor's version counter goes up, which is how a backward that saved
the old value finds out that it was overwritten.

If the tensor is a view, its base is changed too: the base's new ``grad_fn`` (``CopySlices``)
routes the gradient of the written region to the new values and the rest to the old base.
"""
from __future__ import annotations

from .. import _dtype as dt
from ..autograd.function import Function, dispatch_state
from .common import Tensor, promote, state, wrap, xp_of
from .registry import builtin

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_MESSAGE = ("a view of a leaf Variable that requires grad is being used in an in-place "
                     "operation.")


def _check_target(x, result_dtype, result_shape, op):
    if result_shape != x._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(x._data.shape)} doesn't match the "
                           f"broadcast shape {list(result_shape)}")
    if result_dtype.category > dt._by_np[x._data.dtype].category:
        raise RuntimeError(f"{op}: result type {dt.scalar_type_name(result_dtype)} can't be "
                           f"cast to the desired output type {dt.scalar_type_name(x.dtype)}")


def _write(x, array, op):
    try:
        xp_of(x._data).copyto(x._data, array, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the "
                           f"written-to tensor refers to a single memory location (it is an "
                           f"expanded view). Please clone() the tensor before performing the "
                           f"operation.") from None
    x._vc[0] += 1


@builtin("copy_slices", backward_name="CopySlices")
class CopySlices(Function):
    """The base after an in-place op on one of its views. Inputs: the old base and the new
    values of the view; the gradient of the view's region goes to the new values, the rest to
    the old base. (``commit`` has already written the values; forward only hands back the
    base's memory.)"""

    @staticmethod
    def forward(ctx, base, values, steps=()):
        ctx.steps = steps
        return base

    @staticmethod
    def backward(ctx, grad):
        from ..tensor import _apply_view_steps
        G = grad._data if hasattr(grad, "_data") else grad
        outside = xp_of(G).ones(G.shape, dtype=bool)
        _apply_view_steps(outside, ctx.steps)[...] = False
        return (grad * (wrap(outside) if hasattr(grad, "_data") else outside),
                _apply_view_steps(grad, ctx.steps))


def commit(x: Tensor, result: Tensor, op: str) -> Tensor:
    """Write ``result`` (computed out of place) into ``x`` and rewire autograd."""
    _check_target(x, result.dtype, result._data.shape, op)
    if type(result._data) is not type(x._data):
        from .common import device_error
        raise device_error(op, x, result)
    _write(x, result._data, op)
    # Rewire even when ``result`` is a constant (random fills of a non-leaf): x's old graph must
    # stop receiving gradient for the overwritten values.
    if state.enabled and (result._rg or x._rg or (x._base is not None and x._base._rg)):
        old = (x.grad_fn, x._output_nr)
        if x._base is not None:
            base = x._base
            base_old = (base.grad_fn, base._output_nr)
            node = CopySlices.apply(base, result, steps=x._view_fn).grad_fn
            base.grad_fn, base._output_nr, base._rg = node, 0, True
            _move_retained_grad(base, *base_old)
            x._refresh_view_grad_fn()
        elif result._rg:
            x.grad_fn, x._output_nr, x._rg = result.grad_fn, result._output_nr, True
        else:
            x.grad_fn, x._output_nr = Overwritten.apply(x, value=x._data).grad_fn, 0
        _move_retained_grad(x, *old)
    return x


def _move_retained_grad(t: Tensor, old_fn, old_nr) -> None:
    """``retain_grad()`` follows the tensor to its new grad_fn: as in PyTorch, ``t.grad`` is
    the gradient of its latest value (hooks, by contrast, stay with the old value)."""
    extras = old_fn._extras if old_fn is not None else None
    if not extras or old_fn is t.grad_fn or t.grad_fn is None:
        return
    retained = extras.get("retain")
    ref = retained.get(old_nr) if retained else None
    if ref is not None and ref() is t:
        del retained[old_nr]
        t.grad_fn._extra("retain", dict)[t._output_nr] = ref


def _snapshot(x: Tensor) -> Tensor:
    """A copy of x's current value that keeps x's place in the graph (its grad_fn or leaf)."""
    from ..autograd.graph import edge_of
    fn, nr = edge_of(x)
    if fn is not None and x.grad_fn is None:
        return x.clone()  # a leaf: the copy's gradient flows to it
    s = wrap(x._data.copy())
    if fn is not None:
        s._rg, s.grad_fn, s._output_nr = True, fn, nr
    return s


def check_leaf(x: Tensor) -> None:
    if state.enabled:
        if x._rg and x.grad_fn is None:
            raise RuntimeError(LEAF_MESSAGE)
        if x._base is not None and x._base._rg and x._base.grad_fn is None:
            raise RuntimeError(VIEW_LEAF_MESSAGE)


def apply_tracked(x: Tensor, fn, op: str) -> Tensor:
    """``x <- fn(x)`` where autograd must record it."""
    check_leaf(x)
    if x._base is not None and x._view_version != x._vc[0]:
        x._refresh_view_grad_fn()
    snap = _snapshot(x)
    result = fn(snap)
    if not result._rg and snap._rg:
        # the new value does not depend on the old one (fill_, x[i] = 5): x stays in the graph,
        # and its old history gets a zero gradient
        result = Overwritten.apply(snap, value=result._data)
    return commit(x, result, op)


@builtin("overwritten", backward_name="OverwrittenBackward")
class Overwritten(Function):
    """The old value of a tensor overwritten by a constant: it gets a zero gradient."""

    @staticmethod
    def forward(ctx, old, value=None):
        return value

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def _tracked(x, args, kwargs) -> bool:
    if not state.enabled:
        return False
    if x._rg or (x._base is not None and x._base._rg):
        return True
    for a in args:
        if isinstance(a, Tensor) and a._rg:
            return True
    for a in kwargs.values():
        if isinstance(a, Tensor) and a._rg:
            return True
    return False


def make_inplace(fn, name: str):
    """The in-place method ``name`` (e.g. ``exp_``) from the out-of-place op ``fn``."""
    def method(self, *args, **kwargs):
        if _tracked(self, args, kwargs):
            return apply_tracked(self, lambda old: fn(old, *args, **kwargs), name)
        prev = state.enabled
        state.enabled = False
        try:
            result = fn(self, *args, **kwargs)
        finally:
            state.enabled = prev
        _check_target(self, result.dtype, result._data.shape, name)
        _write(self, result._data, name)
        return self
    method.__name__ = name
    method.__doc__ = f"In-place version of ``{name[:-1]}``."
    return method


def make_fast_binary_inplace(fn, ufunc_name: str, name: str):
    """``add_``/``sub_``/``mul_``/``div_``: straight into the array when autograd is not involved
    (optimizer steps, ``x += 1``), with PyTorch's dtype rules."""
    slow = make_inplace(fn, name)

    def method(self, other, *, alpha=1, **kwargs):
        # an active TorchFunctionMode must see the op too (optimizer steps): the slow path
        # goes through Function.apply, the dispatch point
        if kwargs or dispatch_state.modes or _tracked(self, (other,), {}):
            if alpha != 1:
                kwargs["alpha"] = alpha
            return slow(self, other, **kwargs)
        A, B = promote(self._data, other._data if isinstance(other, Tensor) else other, name)
        if A is not self._data:  # promotion changed our dtype: only fine if it casts back
            res = dt.result_type(self, other)
            _check_target(self, res, self._data.shape, name)
        if alpha != 1:
            B = B * alpha
        xp = xp_of(self._data)
        shape = self._data.shape
        if hasattr(B, "shape") and B.shape != shape and xp.broadcast_shapes(B.shape, shape) != \
                shape:
            raise RuntimeError(f"{name}: output with shape {list(shape)} doesn't match the "
                               f"broadcast shape {list(xp.broadcast_shapes(B.shape, shape))}")
        if ufunc_name == "true_divide" and self._data.dtype.kind != "f":
            raise RuntimeError(f"{name}: result type Float can't be cast to the desired output "
                               f"type {dt.scalar_type_name(self.dtype)}")
        try:
            getattr(xp, ufunc_name)(self._data, B, out=self._data, casting="unsafe")
        except ValueError:
            raise RuntimeError(f"{name}: unsupported operation: more than one element of the "
                               f"written-to tensor refers to a single memory location. Please "
                               f"clone() the tensor before performing the operation.") from None
        self._vc[0] += 1
        return self
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}`` (``x {name}`` keeps x's memory)."
    return method


def copy_(x: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values into ``x`` (broadcasting, converting dtype and device)."""
    if not isinstance(src, Tensor):
        from .creation import tensor as make
        src = make(src, dtype=x.dtype, device=x.device)  # x's dtype: a float64 keeps precision

    def value(old):
        s = src
        if type(s._data) is not type(old._data):
            s = s.to(old.device)
        if s._data.dtype != old._data.dtype:
            s = s.to(old.dtype)
        return s.expand(old._data.shape) if s._data.shape != old._data.shape else \
            (s.clone() if s._rg else s)
    if _tracked(x, (src,), {}):
        return apply_tracked(x, value, "copy_")
    s = src
    if type(s._data) is not type(x._data):
        s = s.to(x.device)
    _check_shape_broadcast(x, s, "copy_")
    _write(x, s._data, "copy_")
    return x


def _check_shape_broadcast(x, s, op):
    xp = xp_of(x._data)
    try:
        ok = xp.broadcast_shapes(s._data.shape, x._data.shape) == x._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{op}: the size of the source {list(s._data.shape)} must be "
                           f"broadcastable to the destination {list(x._data.shape)}")


def fill_(x: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        return copy_(x, value)
    if state.enabled and x._rg:
        return apply_tracked(x, lambda old: old * 0 + value, "fill_")
    x._data[...] = value
    x._vc[0] += 1
    return x


def zero_(x: Tensor) -> Tensor:
    return fill_(x, 0)
