"""One registration for every op: its function, its Tensor method and its in-place variant.

    @op("exp", inplace=True)
    class Exp(Function):
        ...

declares ``edutorch.exp(x)``, ``x.exp()`` and ``x.exp_()`` at once. Decorating a plain function
(one that prepares arguments, then calls a Function) registers it the same way. ``edutorch``'s
namespace and ``Tensor``'s methods are filled from these tables (``edutorch/__init__.py``,
``edutorch/tensor.py``), so there is no second list to keep in step.

The function (``edutorch.exp``) is the op wrapped once more, for what only a function call
accepts: ``out=`` (``_ops/out.py``), ``input=`` as a keyword, and a clear error when the first
argument is not a Tensor. Methods and operators (``x.exp()``, ``x * y``) call the op directly
and pay nothing for it.
"""
from __future__ import annotations

import functools
import inspect
import sys

from ..autograd.function import Function
from ..tensor import Tensor

FUNCTIONS: dict = {}  # name -> callable, exported as edutorch.<name>
METHODS: dict = {}  # name -> callable, attached as Tensor.<name>
INPLACE: list = []  # names whose ``name_`` in-place method is derived from the out-of-place op


def op(name: str, *, function: bool = True, method: bool = True, inplace: bool = False,
       aliases: tuple = (), backward_name: str | None = None, out: str = "cast"):
    """Register a built-in op under ``name`` (and ``aliases``).

    On a Function class: marks it as computing on arrays, names its node (``ExpBackward0``,
    PyTorch's names; ``backward_name`` overrides) and registers ``cls.apply``. ``out`` is the
    dtype rule of its ``out=`` argument (see ``_ops/out.py``): ``"cast"``, ``"exact"``,
    ``"dtype"`` or ``"cat"``.
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
        public = _public(fn, name, out) if function else None
        for n in (name, *aliases):
            if function:
                FUNCTIONS[n] = public
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


def _public(fn, name: str, out_rule: str):
    """``edutorch.<name>``: ``fn`` plus the keyword forms of a function call (``out=``, and
    ``input=`` where ``fn`` names its first parameter otherwise)."""
    params = list(inspect.signature(fn).parameters)
    first = params[0] if params else None
    tensor_first = first in ("input", "x", "self")
    rename_input = tensor_first and first != "input"

    @functools.wraps(fn)
    def public(*args, **kwargs):
        if kwargs and ("out" in kwargs or "input" in kwargs):
            return _with_keywords(fn, name, out_rule, rename_input, args, kwargs)
        try:
            return fn(*args, **kwargs)
        except (AttributeError, TypeError):
            if tensor_first and args and not isinstance(args[0], Tensor):
                raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                                f"{type(args[0]).__name__}") from None
            raise
    return public


def _with_keywords(fn, name, out_rule, rename_input, args, kwargs):
    if rename_input and "input" in kwargs:
        kwargs = dict(kwargs)
        args = (kwargs.pop("input"), *args)
    out = kwargs.pop("out", None) if "out" in kwargs else None
    if out is None:
        return fn(*args, **kwargs)
    from .out import call_with_out
    return call_with_out(fn, name, out_rule, args, kwargs, out)


def builtin(name: str, backward_name: str | None = None):
    """Mark a Function class as a built-in op computing on arrays, without exporting it (the
    op is reached through a registered function that prepares its arguments)."""
    return op(name, function=False, method=False, backward_name=backward_name)
