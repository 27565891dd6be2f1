"""The op table: sample inputs for every registered op, Tensor method and in-place variant.

``tests/test_op_table.py`` walks the registry (``edutorch._ops.registry``: ``FUNCTIONS``,
``METHODS``, ``INPLACE``) and fails for any registered name that has no row here, so a new op
cannot land without a test. Each row is a list of ``Case``s; every case runs through
``tests/helpers.check_op``: values and dtypes against PyTorch (where installed), gradients
against PyTorch, and ``gradcheck`` in float64 for differentiable cases (with or without torch).

One case serves all three spellings of an op:

- function: ``lib.<name>(*inputs, **kwargs)`` (or ``call(lib, *inputs)``)
- method: ``inputs[0].<name>(*inputs[1:], **kwargs)`` (or ``method(lib, *inputs)``)
- in-place: ``inputs[0].clone().<name>_(*inputs[1:], **kwargs)``, which must return that clone

Shapes are tiny on purpose: the whole table runs in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from helpers import random_array

_rng = np.random.default_rng(2024)


@dataclass(frozen=True)
class Case:
    """One call of an op. ``inputs``: NumPy arrays (float arrays require grad and are cast to
    each of ``dtypes``) or plain values passed as they are."""
    inputs: tuple
    kwargs: dict = field(default_factory=dict)
    call: Callable | None = None  # (lib, *inputs) -> output, for the function spelling
    method: Callable | None = None  # the same for the Tensor method spelling
    grad: bool = True  # differentiable: compare gradients and gradcheck in float64
    helper: bool = False  # not a tensor op (returns shapes, not tensors): values only
    dtypes: tuple = ("float64", "float32")
    ref: Callable | None = None  # NumPy reference for the value where torch is absent
    rtol: float | None = None
    atol: float | None = None


def A(*shape, **kw) -> np.ndarray:
    """A random float64 test array (see ``helpers.random_array`` for the keywords)."""
    return random_array(_rng, shape, **kw)


def I(*values, shape=None) -> np.ndarray:  # noqa: E743 - short name for index arrays
    """An int64 index array."""
    a = np.array(values, dtype=np.int64)
    return a.reshape(shape) if shape is not None else a


def B(*shape) -> np.ndarray:
    """A random bool array."""
    return _rng.random(shape) < 0.5


def Z(*shape) -> np.ndarray:
    """A float array with some exact zeros (for nonzero, count_nonzero...)."""
    a = A(*shape)
    a[_rng.random(shape) < 0.4] = 0.0
    return a


def N(*shape) -> np.ndarray:
    """An int64 array of small non-negative integers (bitwise ops)."""
    return _rng.integers(0, 16, shape).astype(np.int64)


SPECIAL = np.array([1.5, np.inf, np.nan, -np.inf, -2.0, 0.0])
VALUE = dict(grad=False)  # comparisons, indices, bools: values (and dtypes) only
INT_ONLY = dict(grad=False, dtypes=("float64",))  # no float input: one run is enough


def unary(ref=None, **kw) -> list:
    return [Case((A(2, 3, **kw),), ref=ref)]


def binary(ref=None, y=None, **kw) -> list:
    return [Case((A(2, 3), A(3) if y is None else y), ref=ref, **kw)]


def reduction(**kw) -> list:
    return [Case((A(2, 3),), **kw), Case((A(2, 3),), dict(dim=1, **kw)),
            Case((A(2, 3),), dict(dim=0, keepdim=True, **kw))]


def cat_like(name, **kw) -> list:
    return [Case((A(2, 3), A(2, 3)), call=lambda lib, x, y: getattr(lib, name)([x, y], **kw))]


def _where_method(lib, cond, x, y):
    return x.where(cond, y)


TABLE: dict[str, list[Case]] = {
    # pointwise, one input
    "abs": unary(np.abs, away_from_zero=True),
    "neg": unary(np.negative), "negative": unary(np.negative),
    "exp": unary(np.exp), "expm1": unary(np.expm1),
    "log": unary(np.log, positive=True), "log1p": unary(np.log1p, positive=True),
    "log2": unary(np.log2, positive=True),
    "sqrt": unary(np.sqrt, positive=True), "rsqrt": unary(lambda x: 1 / np.sqrt(x),
                                                           positive=True),
    "reciprocal": unary(np.reciprocal, away_from_zero=True),
    "square": unary(np.square),
    "sin": unary(np.sin), "cos": unary(np.cos), "tanh": unary(np.tanh),
    "atan": unary(np.arctan), "arctan": unary(np.arctan),
    "sigmoid": unary(lambda x: 1 / (1 + np.exp(-x))),
    "relu": unary(lambda x: np.maximum(x, 0), away_from_zero=True),
    "erf": unary(),
    "sign": unary(np.sign, away_from_zero=True),
    "ceil": unary(np.ceil), "floor": unary(np.floor), "round": unary(np.round),
    "trunc": unary(np.trunc),
    "clamp": [Case((A(2, 3),), dict(min=-0.5, max=0.5), ref=lambda x: np.clip(x, -0.5, 0.5)),
              Case((A(2, 3), A(2, 3) - 1, A(2, 3) + 1))],
    "clip": [Case((A(2, 3),), dict(min=-0.5, max=0.5))],
    "clamp_min": [Case((A(2, 3),), dict(min=0.2))],
    "clamp_max": [Case((A(2, 3),), dict(max=0.2))],
    "isfinite": [Case((SPECIAL,), **VALUE)], "isinf": [Case((SPECIAL,), **VALUE)],
    "isnan": [Case((SPECIAL,), **VALUE)],
    "logical_not": [Case((B(2, 3),), **INT_ONLY)],
    "bitwise_not": [Case((N(2, 3),), **INT_ONLY), Case((B(2, 3),), **INT_ONLY)],
    "clone": unary(np.copy),
    # pointwise, two or three inputs
    "add": binary(np.add) + [Case((A(2, 3), A(2, 3)), dict(alpha=2.5)), Case((A(2, 3), 1.5))],
    "sub": binary(np.subtract) + [Case((A(2, 3), A(2, 3)), dict(alpha=0.5))],
    "subtract": binary(np.subtract),
    "mul": binary(np.multiply) + [Case((A(2, 3), 3))],
    "multiply": binary(np.multiply),
    "div": binary(np.divide, y=A(3, away_from_zero=True)),
    "divide": binary(y=A(3, away_from_zero=True)),
    "true_divide": binary(y=A(3, away_from_zero=True)),
    "floor_divide": binary(y=A(3, away_from_zero=True), grad=False),  # PyTorch: no derivative
    "fmod": binary(y=A(3, away_from_zero=True)),
    "remainder": binary(y=A(3, away_from_zero=True)),
    "pow": [Case((A(2, 3, positive=True), 2.5)), Case((A(2, 3, positive=True), A(3))),
            Case((A(2, 3), 2))],
    "maximum": binary(np.maximum), "minimum": binary(np.minimum),
    "lerp": [Case((A(2, 3), A(2, 3), 0.3)), Case((A(2, 3), A(2, 3), A(2, 3)))],
    "addcmul": [Case((A(2, 3), A(2, 3), A(3)), dict(value=0.5))],
    "addcdiv": [Case((A(2, 3), A(2, 3), A(3, away_from_zero=True)), dict(value=0.5))],
    "where": [Case((B(2, 3), A(2, 3), A(3)), method=_where_method)],
    "eq": binary(**VALUE), "ne": binary(**VALUE), "lt": binary(**VALUE),
    "le": binary(**VALUE), "gt": binary(**VALUE), "ge": binary(**VALUE),
    "isclose": [Case((A(2, 3), A(2, 3)), **VALUE)],
    "allclose": [Case((A(2, 3), A(2, 3)), **VALUE)],
    "equal": [Case((A(2, 3), A(2, 3)), **VALUE)],
    "logical_and": [Case((B(2, 3), B(2, 3)), **INT_ONLY)],
    "logical_or": [Case((B(2, 3), B(2, 3)), **INT_ONLY)],
    "logical_xor": [Case((B(2, 3), B(2, 3)), **INT_ONLY)],
    "bitwise_and": [Case((N(2, 3), N(2, 3)), **INT_ONLY)],
    "bitwise_or": [Case((N(2, 3), N(2, 3)), **INT_ONLY)],
    "bitwise_xor": [Case((N(2, 3), N(2, 3)), **INT_ONLY)],
    # reductions
    "sum": reduction(), "mean": reduction(), "prod": reduction(),
    "std": reduction(), "var": reduction(),
    "std_mean": [Case((A(2, 3),), dict(dim=1))], "var_mean": [Case((A(2, 3),), dict(dim=1))],
    "amax": [Case((A(2, 3),), dict(dim=1))], "amin": [Case((A(2, 3),), dict(dim=0))],
    "max": [Case((A(2, 3),)), Case((A(2, 3),), dict(dim=1)), Case((A(2, 3), A(2, 3)))],
    "min": [Case((A(2, 3),)), Case((A(2, 3),), dict(dim=0)), Case((A(2, 3), A(2, 3)))],
    "argmax": [Case((A(2, 3),), **VALUE), Case((A(2, 3),), dict(dim=1), **VALUE)],
    "argmin": [Case((A(2, 3),), dict(dim=0), **VALUE)],
    "logsumexp": [Case((A(2, 3),), dict(dim=1))],
    "norm": [Case((A(2, 3),)), Case((A(2, 3),), dict(dim=1))],
    "cumsum": [Case((A(2, 3),), dict(dim=1))],
    "all": [Case((B(2, 3),), **INT_ONLY), Case((B(2, 3),), dict(dim=1), **INT_ONLY)],
    "any": [Case((B(2, 3),), **INT_ONLY), Case((B(2, 3),), dict(dim=0), **INT_ONLY)],
    "count_nonzero": [Case((Z(2, 3),), **VALUE), Case((Z(2, 3),), dict(dim=1), **VALUE)],
    "softmax": [Case((A(2, 3),), dict(dim=1))],
    "log_softmax": [Case((A(2, 3),), dict(dim=1))],
    # shapes and views
    "reshape": [Case((A(2, 3), (3, 2)))],
    "view": [Case((A(2, 3),), method=lambda lib, x: x.view(3, 2))],
    "view_as": [Case((A(2, 3), A(3, 2)), method=lambda lib, x, y: x.view_as(y.detach()))],
    "reshape_as": [Case((A(2, 3), A(3, 2)), method=lambda lib, x, y: x.reshape_as(y.detach()))],
    "contiguous": [Case((A(2, 3),), method=lambda lib, x: x.t().contiguous())],
    "flatten": [Case((A(2, 3, 2),)), Case((A(2, 3, 2),), dict(start_dim=1))],
    "unflatten": [Case((A(2, 6),), dict(dim=1, sizes=(2, 3)))],
    "squeeze": [Case((A(2, 1, 3),)), Case((A(2, 1, 3),), dict(dim=1))],
    "unsqueeze": [Case((A(2, 3),), dict(dim=1))],
    "permute": [Case((A(2, 3, 4), (2, 0, 1)))],
    "transpose": [Case((A(2, 3, 4),), dict(dim0=0, dim1=2))],
    "swapaxes": [Case((A(2, 3), 0, 1))],
    "swapdims": [Case((A(2, 3),), dict(dim0=0, dim1=1))],
    "t": [Case((A(2, 3),))],
    "moveaxis": [Case((A(2, 3, 4),), dict(source=0, destination=2))],
    "movedim": [Case((A(2, 3, 4),), dict(source=0, destination=2))],
    "expand": [Case((A(3, 1),), method=lambda lib, x: x.expand(3, 4))],
    "expand_as": [Case((A(3, 1), A(3, 4)), method=lambda lib, x, y: x.expand_as(y.detach()))],
    "broadcast_to": [Case((A(3), (2, 3)))],
    "repeat": [Case((A(2, 3),), method=lambda lib, x: x.repeat(2, 1, 2))],
    "sum_to_size": [Case((A(2, 3),), method=lambda lib, x: x.sum_to_size(1, 3))],
    "flip": [Case((A(2, 3),), dict(dims=(0, 1)))],
    "roll": [Case((A(2, 3),), dict(shifts=1, dims=1))],
    "narrow": [Case((A(2, 4),), dict(dim=1, start=1, length=2))],
    "diagonal": [Case((A(3, 3),)), Case((A(3, 4),), dict(offset=1))],
    "tril": [Case((A(3, 3),))], "triu": [Case((A(3, 3),), dict(diagonal=1))],
    "chunk": [Case((A(4, 3),), dict(chunks=2))],
    "split": [Case((A(4, 3), 2)), Case((A(4, 3), [1, 3])), Case((A(4, 3), 2), dict(dim=1))],
    "tensor_split": [Case((A(5, 2),), dict(sections=3))],
    "unbind": [Case((A(2, 3),), dict(dim=1))],
    "cat": cat_like("cat"), "concat": cat_like("concat"),
    "concatenate": cat_like("concatenate", dim=1),
    "stack": cat_like("stack", dim=1),
    "hstack": cat_like("hstack"), "vstack": cat_like("vstack"),
    "meshgrid": [Case((A(2), A(3)), call=lambda lib, a, b: lib.meshgrid(a, b, indexing="ij"))],
    "broadcast_shapes": [Case(((2, 1), (1, 3)), helper=True, grad=False,
                              ref=lambda a, b: np.broadcast_shapes(a, b))],
    # indexing
    "gather": [Case((A(3, 4), 1, I(0, 2, 1, 1, 3, 0, shape=(3, 2))))],
    "take_along_dim": [Case((A(3, 4), I(0, 2, 1, 1, 3, 0, shape=(3, 2))), dict(dim=1))],
    "scatter": [Case((A(3, 4), 1, I(0, 2, 1, 3, 3, 0, shape=(3, 2)), A(3, 2)))],
    "scatter_add": [Case((A(3, 4), 1, I(0, 2, 1, 1, 3, 0, shape=(3, 2)), A(3, 2)))],
    "index_select": [Case((A(3, 4), 0, I(2, 0, 2)))],
    "index_add": [Case((A(3, 4), 0, I(2, 0, 2), A(3, 4))),
                  Case((A(3, 4), 1, I(1, 3), A(3, 2)), dict(alpha=2.0))],
    "index_put": [Case((A(3, 4), I(2, 0), A(2, 4)),
                       method=lambda lib, x, i, v: x.index_put((i,), v))],
    "masked_fill": [Case((A(2, 3), B(2, 3), 0.5))],
    "masked_select": [Case((A(2, 3), B(2, 3)))],
    "nonzero": [Case((Z(2, 3),), **VALUE)],
    # sorting and sampling
    "sort": [Case((A(2, 4),), dict(dim=1)), Case((A(2, 4),), dict(dim=0, descending=True))],
    "argsort": [Case((A(2, 4),), dict(dim=1), **VALUE)],
    "msort": [Case((A(3, 2),))],
    "topk": [Case((A(2, 4), 2)), Case((A(2, 4), 2), dict(dim=0, largest=False))],
    "kthvalue": [Case((A(2, 4), 2), dict(dim=1))],
    "unique": [Case((I(3, 1, 3, 2, 1),), **INT_ONLY),
               Case((I(3, 1, 3, 2, 1),), dict(return_inverse=True, return_counts=True),
                    **INT_ONLY)],
    "unique_consecutive": [Case((I(1, 1, 2, 2, 2, 1),), dict(return_counts=True), **INT_ONLY)],
    # one-hot probabilities: the draw is certain, so both libraries give the same samples
    "multinomial": [Case((np.eye(3)[[1, 2]], 1), **VALUE),
                    Case((np.eye(4)[[3, 0]], 1), dict(replacement=True), **VALUE)],
    # linear algebra
    "matmul": [Case((A(2, 3), A(3, 2))), Case((A(2, 2, 3), A(3))), Case((A(3), A(2, 3, 2)))],
    "mm": [Case((A(2, 3), A(3, 2)))], "bmm": [Case((A(2, 2, 3), A(2, 3, 2)))],
    "mv": [Case((A(2, 3), A(3)))], "dot": [Case((A(3), A(3)))],
    "inner": [Case((A(3), A(3))), Case((A(2, 3), A(4, 3))), Case((A(2, 1, 3), A(3)))], "outer": [Case((A(2), A(3)))],
    "ger": [Case((A(2), A(3)))],
    "einsum": [Case((A(2, 3), A(3, 4)), call=lambda lib, x, y: lib.einsum("ij,jk->ik", x, y)),
               Case((A(2, 3),), call=lambda lib, x: lib.einsum("ij->j", x))],
}


def calls(name: str, case: Case, form: str) -> Callable[..., Any]:
    """The callable ``(lib, *inputs) -> output`` for one spelling of an op."""
    if form == "function":
        if case.call is not None:
            return case.call
        return lambda lib, *xs: getattr(lib, name)(*xs, **case.kwargs)
    if form == "method":
        if case.method is not None:
            return case.method
        return lambda lib, x, *rest: getattr(x, name)(*rest, **case.kwargs)

    def inplace(lib, x, *rest):
        target = x.clone()
        out = getattr(target, name + "_")(*rest, **case.kwargs)
        assert out is target, f"{name}_ must return the tensor it changed"
        return out
    return inplace
