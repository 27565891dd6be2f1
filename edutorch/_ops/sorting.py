"""Sorting and selecting: sort, argsort, msort, topk, kthvalue, unique, unique_consecutive.

Every op here picks elements and reports *where* they came from (``indices``). The backward of
a pick is therefore one scatter: the gradient of each picked value goes back to the position
it was picked from, and every other position gets zero.

    values, indices = edutorch.sort(x, dim=-1)      # values = x.gather(dim, indices)
    x.grad = zeros_like(x).scatter(dim, indices, values.grad)
"""
from __future__ import annotations

import math
from collections import namedtuple

from ..autograd.function import Function
from .common import Tensor, wrap_dim, xp_of
from .indexing import IndexGrad, _along_key
from .registry import builtin, op

# PyTorch's ``torch.return_types.sort`` etc.: named tuples of (values, indices)
sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
for _t in (sort_result, topk_result, kthvalue_result):
    _t.__module__ = "edutorch.return_types"


def _check_tensor(op: str, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _argsort(A, axis: int, descending: bool):
    """Stable ascending or descending order of ``A`` along ``axis`` (NaN counts as largest).

    Descending and stable at once: sort the reversed array ascending (equal elements then come
    last-first) and reverse that order, so equal elements keep their original order.
    """
    xp = xp_of(A)
    if not descending:
        return xp.argsort(A, axis=axis, kind="stable")
    n = A.shape[axis]
    rev = xp.flip(A, axis=axis)
    order = xp.flip(xp.argsort(rev, axis=axis, kind="stable"), axis=axis)
    return (n - 1) - order


def _pick(ctx, x, order, dim: int):
    """``(x.take_along_axis(order), order)``, remembering where the values came from."""
    xp = xp_of(x)
    ctx.shape, ctx.key = x.shape, _along_key(order, dim, xp)
    return xp.take_along_axis(x, order, axis=dim), order.astype("int64", copy=False)


class _Pick(Function):
    """The ops here return ``values = x.take_along_axis(indices)``: the gradient of each value
    goes back to where it was picked from (one scatter into zeros), every other position gets
    zero. ``IndexGrad`` does that scatter and knows its own derivative (a gather), so this
    also serves ``create_graph=True``."""

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        if ctx.kept_shape is not None:  # the picked dim was squeezed out: put it back
            grad = grad.reshape(ctx.kept_shape)
        return IndexGrad.apply(grad, shape=ctx.shape, key=ctx.key, advanced=True)


@builtin("sort", backward_name="SortBackward0")
class Sort(_Pick):
    """``(values, indices)`` of ``x`` sorted along ``dim`` (``x`` has at least one dim)."""

    @staticmethod
    def forward(ctx, x, dim=-1, descending=False):
        ctx.kept_shape = None
        return _pick(ctx, x, _argsort(x, dim, descending), dim)


@builtin("topk", backward_name="TopkBackward0")
class Topk(_Pick):
    """The ``k`` largest (or smallest) along ``dim``, in order."""

    @staticmethod
    def forward(ctx, x, k=1, dim=-1, largest=True):
        ctx.kept_shape = None
        xp = xp_of(x)
        order = xp.take(_argsort(x, dim, descending=largest), xp.arange(k), axis=dim)
        return _pick(ctx, x, order, dim)


@builtin("kthvalue", backward_name="KthvalueBackward0")
class Kthvalue(_Pick):
    """The ``k``-th smallest along ``dim`` (``keepdim=False`` squeezes ``dim`` out)."""

    @staticmethod
    def forward(ctx, x, k=1, dim=-1, keepdim=False):
        xp = xp_of(x)
        order = xp.take(_argsort(x, dim, descending=False), xp.arange(k - 1, k), axis=dim)
        values, indices = _pick(ctx, x, order, dim)
        ctx.kept_shape = None if keepdim else values.shape
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return values, indices


def _on_scalar(cls, input: Tensor, **kwargs):
    """A 0-d input works as a 1-element vector (dim 0 or -1), then gets its shape back."""
    if input.dim() > 0:
        return cls.apply(input, **kwargs)
    values, indices = cls.apply(input.reshape(1), **{**kwargs, "dim": 0})
    return values.reshape(()), indices.reshape(())


@op("sort", out="exact")
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
         ) -> sort_result:
    """Sort along ``dim``: ``(values, indices)`` with ``values == input.gather(dim, indices)``.

    Always stable (equal elements keep their order), which PyTorch allows for ``stable=False``;
    NaN sorts as the largest value.
    """
    _check_tensor("sort", input)
    d = wrap_dim(dim, input.dim(), "sort")
    return sort_result(*_on_scalar(Sort, input, dim=d, descending=bool(descending)))


@op("argsort")
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
            ) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    _check_tensor("argsort", input)
    return sort(input, dim, descending, stable).indices


@op("msort")
def msort(input: Tensor) -> Tensor:
    """``sort(input, dim=0).values``."""
    _check_tensor("msort", input)
    return sort(input, 0).values


@op("topk", out="exact")
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
         ) -> topk_result:
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices.

    With ``sorted=True`` they come in order, largest first (smallest first for
    ``largest=False``); edutorch always returns them sorted.
    """
    _check_tensor("topk", input)
    d = wrap_dim(dim, input.dim(), "topk")
    size = 1 if input.dim() == 0 else input.shape[d]
    if not isinstance(k, int) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(f"topk(): selected index k out of range (k={k}, dimension {d} has "
                           f"size {size})")
    return topk_result(*_on_scalar(Topk, input, k=k, dim=d, largest=bool(largest)))


@op("kthvalue", out="exact")
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> kthvalue_result:
    """The ``k``-th smallest element (counting from 1) along ``dim`` and its index."""
    _check_tensor("kthvalue", input)
    d = wrap_dim(dim, input.dim(), "kthvalue")
    size = 1 if input.dim() == 0 else input.shape[d]
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k={k}, size {size})")
    return kthvalue_result(*_on_scalar(Kthvalue, input, k=k, dim=d, keepdim=bool(keepdim)))


class _NoDerivative(Function):
    """``unique`` is not differentiable in PyTorch either: its outputs are recorded (so the
    graph says where they came from) and its backward says so, with PyTorch's kernel name."""
    kernel = "unique"

    @classmethod
    def backward(cls, ctx, *grads):
        raise NotImplementedError(f"the derivative for '{cls.kernel}' is not implemented.")


@builtin("unique", backward_name="Unique2Backward0")
class Unique(_NoDerivative):
    """Distinct elements, sorted; NaNs are never equal, so each NaN stays (as in PyTorch)."""
    kernel = "_unique2"

    @staticmethod
    def forward(ctx, x):
        xp = xp_of(x)
        values, inverse, counts = xp.unique(x.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        return values, inverse.reshape(x.shape).astype("int64"), counts.astype("int64")


@builtin("unique_dim", backward_name="UniqueDimBackward0")
class UniqueDim(_NoDerivative):
    """Distinct slices along ``dim``, sorted lexicographically."""
    kernel = "unique_dim"

    @staticmethod
    def forward(ctx, x, dim=0):
        values, inverse, counts = xp_of(x).unique(x, axis=dim, return_inverse=True,
                                                  return_counts=True)
        return values, inverse.reshape(-1).astype("int64"), counts.astype("int64")


@builtin("unique_consecutive", backward_name="UniqueConsecutiveBackward0")
class UniqueConsecutive(_NoDerivative):
    """Each run of equal consecutive elements (or slices along ``dim``) becomes one."""
    kernel = "unique_consecutive"

    @staticmethod
    def forward(ctx, x, dim=None):
        xp = xp_of(x)
        d = 0
        A = x.reshape(-1) if dim is None else xp.moveaxis(x, dim, 0)
        if dim is not None:
            d = dim
        n = A.shape[0]
        if n == 0:
            values, inverse, counts = A, xp.zeros(0, "int64"), xp.zeros(0, "int64")
        else:
            rest = math.prod(A.shape[1:])
            differs = (A[1:] != A[:-1]).reshape(n - 1, rest).any(axis=1)
            new_run = xp.concatenate([xp.ones(1, dtype=bool), differs])
            first = xp.flatnonzero(new_run)                 # where each run starts
            values = A[first]
            inverse = xp.cumsum(new_run) - 1                # which run each element is in
            counts = xp.diff(xp.concatenate([first, xp.asarray([n])]))
        if dim is not None:
            values = xp.moveaxis(values, 0, d)
        else:
            inverse = inverse.reshape(x.shape)
        return values, inverse.astype("int64"), counts.astype("int64")


def _unique_result(results, return_inverse: bool, return_counts: bool):
    values, inverse, counts = results
    extra = ([inverse] if return_inverse else []) + ([counts] if return_counts else [])
    return (values, *extra) if extra else values


@op("unique")
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements of ``input`` in ascending order (or distinct slices along ``dim``).

    Returns a tensor, or a tuple adding ``inverse`` (where each element of ``input`` went:
    ``unique(x)[inverse] == x``) and ``counts`` (how often each value occurs) when asked for.
    ``sorted=False`` is allowed; the result is sorted anyway (PyTorch's CPU does the same).
    NaN is not equal to itself, so every NaN is its own element (PyTorch's rule).
    """
    _check_tensor("unique", input)
    if dim is None:
        results = Unique.apply(input)
    else:
        results = UniqueDim.apply(input, dim=wrap_dim(dim, input.dim(), "unique"))
    return _unique_result(results, return_inverse, return_counts)


@op("unique_consecutive")
def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Collapse each run of equal consecutive elements (or slices along ``dim``) into one."""
    _check_tensor("unique_consecutive", input)
    d = None if dim is None else wrap_dim(dim, input.dim(), "unique_consecutive")
    return _unique_result(UniqueConsecutive.apply(input, dim=d), return_inverse, return_counts)


__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive"]
