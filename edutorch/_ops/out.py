"""``out=``: write an op's result into a tensor the caller already has.

    torch.add(x, y, out=buffer)       # buffer now holds x + y; the call returns buffer itself

One generic rule for every registered function (``registry.op`` routes ``out=`` here), so no op
implements it itself: compute the result as usual, then copy it into ``out``. PyTorch's rules:

- autograd cannot follow a write into ``out``, so ``out=`` is refused while grad mode is on and
  an argument requires grad;
- ``out``'s dtype must be able to hold the result (``"cast"``: an int result may go into a float
  tensor, a float result may not go into an int one), or must equal it (``"exact"``: matmul,
  sort's values and indices), or *is* the dtype the op computes in (``"dtype"``: ``sum``,
  ``cumsum``: ``out``'s dtype acts as their ``dtype=``);
- an ``out`` of another shape is resized (with a warning unless it was empty); an ``out`` of the
  right shape keeps its memory, strides included, so views of it see the result.
"""
from __future__ import annotations

import warnings

from .. import _dtype as dt
from .common import Tensor, device_error, state, xp_of
from .inplace import _write

# the C++ type names PyTorch's "Expected out tensor to have dtype ..." message uses
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def call_with_out(fn, name: str, rule: str, args: tuple, kwargs: dict, out):
    """``fn(*args, **kwargs)`` written into ``out`` (a Tensor, or a tuple of Tensors for an op
    with several results); returns ``out``."""
    multi = isinstance(out, (tuple, list))
    outs = tuple(out) if multi else (out,)
    if not multi and not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if state.enabled and any(_requires_grad(a) for a in (*args, *kwargs.values(), *outs)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")
    if rule == "dtype" and not multi:
        given = kwargs.get("dtype")
        if given is not None and given != out.dtype:
            raise RuntimeError(_exact_message(given, out.dtype))
        kwargs = {**kwargs, "dtype": out.dtype}
    result = fn(*args, **kwargs)
    results = tuple(result) if isinstance(result, tuple) else (result,)
    if multi != isinstance(result, tuple):  # only now is it known which the op returns
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}"
                        if multi else f"{name}(): argument 'out' must be tuple of Tensors, not "
                        f"Tensor")
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not "
                            f"{type(o).__name__}")
    if len(results) != len(outs):
        raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(results)} Tensors, "
                        f"got {len(outs)}")
    for r, o in zip(results, outs):
        _check_dtype(name, rule, r.dtype, o.dtype)
        if type(r._data) is not type(o._data):
            raise device_error(name, r, o)
        _write_resized(o, r._data, name)
    if not multi:
        return out
    return type(result)(*outs) if hasattr(result, "_fields") else outs


def _requires_grad(a) -> bool:
    if isinstance(a, Tensor):
        return a._rg
    if isinstance(a, (tuple, list)):  # cat([x, y], out=...)
        return any(isinstance(t, Tensor) and t._rg for t in a)
    return False


def _exact_message(expected, got) -> str:
    return (f"Expected out tensor to have dtype {_CPP_NAMES[expected.name]}, but got "
            f"{_CPP_NAMES[got.name]} instead")


def _check_dtype(name: str, rule: str, result, target) -> None:
    if result == target:
        return
    if rule == "exact":
        raise RuntimeError(_exact_message(result, target))
    if result.category > target.category:  # float -> int, int -> bool: values would be lost
        if rule == "cat":
            raise TypeError(f"torch.cat(): input types can't be cast to the desired output type "
                            f"{dt.scalar_type_name(target)}")
        raise RuntimeError(f"result type {dt.scalar_type_name(result)} can't be cast to the "
                           f"desired output type {dt.scalar_type_name(target)}")


def _write_resized(o: Tensor, array, name: str) -> None:
    """Copy ``array`` into ``o`` (cast to ``o``'s dtype), resizing ``o`` first if needed."""
    if o._data.shape != array.shape:
        if o._data.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(o._data.shape)}, which does not match the required output "
                          f"shape {list(array.shape)}. This behavior is deprecated, and in a "
                          f"future PyTorch release outputs will not be resized unless they have "
                          f"zero elements. You can explicitly reuse an out tensor t by resizing "
                          f"it, inplace, to zero elements with t.resize_(0).", UserWarning,
                          stacklevel=4)
        # new memory: a view given as ``out`` stops being a view, as a resized view does
        o._data = xp_of(array).empty(array.shape, dtype=o._data.dtype)
        o._base = o._view_fn = None
    _write(o, array, name)
