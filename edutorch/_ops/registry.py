"""One registration for every op: its function, its Tensor method and its in-place variant.

    @op("exp", inplace=True)
    class Exp(Function):
        ...

declares ``edutorch.exp(x)``, ``x.exp()`` and ``x.exp_()`` at once. Decorating a plain function
(one that prepares arguments, then calls a Function) registers it the same way. ``edutorch``'s
namespace and ``Tensor``'s methods are filled from these tables (``edutorch/__init__.py``,
``edutorch/tensor.py``), so there is no second list to keep in step.
"""
from __future__ import annotations

import sys

from ..autograd.function import Function

FUNCTIONS: dict = {}  # name -> callable, exported as edutorch.<name>
METHODS: dict = {}  # name -> callable, attached as Tensor.<name>
INPLACE: list = []  # names whose ``name_`` in-place method is derived from the out-of-place op


def op(name: str, *, function: bool = True, method: bool = True, inplace: bool = False,
       aliases: tuple = (), backward_name: str | None = None):
    """Register a built-in op under ``name`` (and ``aliases``).

    On a Function class: marks it as computing on arrays, names its node (``ExpBackward0``,
    PyTorch's names; ``backward_name`` overrides) and registers ``cls.apply``.
    """
    def register(obj):
        fn = obj
        if isinstance(obj, type) and issubclass(obj, Function):
            obj._on_arrays = True
            obj._op_name = name
            obj._backward_name = backward_name or f"{obj.__name__}Backward0"
            fn = _function_of(obj, name)
            # the defining module gets the function too (``pointwise.exp`` next to ``Exp``)
            vars(sys.modules[obj.__module__]).setdefault(name, fn)
        for n in (name, *aliases):
            if function:
                FUNCTIONS[n] = fn
            if method:
                METHODS[n] = fn
        if inplace:
            INPLACE.append(name)
        return obj
    return register


def _function_of(cls, name: str):
    """A plain function calling ``cls.apply`` (a bound classmethod cannot be a method)."""
    apply = cls.apply

    def fn(input, *args, **kwargs):
        return apply(input, *args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = cls.__doc__
    return fn


def builtin(name: str, backward_name: str | None = None):
    """Mark a Function class as a built-in op computing on arrays, without exporting it (the
    op is reached through a registered function that prepares its arguments)."""
    return op(name, function=False, method=False, backward_name=backward_name)
