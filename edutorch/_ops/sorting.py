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
from .common import Tensor, wrap, wrap_dim, xp_of

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


class _Pick(Function):
    """values = x.gather(dim, indices), with its gradient sent back by one scatter.

    ``forward`` gets the indices already chosen (by sort, topk, kthvalue, ...); the ops below
    differ only in how they choose them.
    """

    @staticmethod
    def forward(ctx, x, indices, dim):
        ctx.dim = dim
        ctx.shape = x.shape
        ctx.save_for_backward(indices)
        xp = xp_of(x._data)
        return wrap(xp.take_along_axis(x._data, indices._data, axis=dim))

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        from .creation import zeros
        z = zeros(ctx.shape, dtype=grad.dtype, device=grad.device)
        return z.scatter(ctx.dim, indices, grad), None, None


class Sort(_Pick):
    """``sort``'s pick (its node prints as SortBackward)."""


class Topk(_Pick):
    pass


class Kthvalue(_Pick):
    pass


def _pick(node_cls, x: Tensor, index_array, dim: int) -> tuple[Tensor, Tensor]:
    indices = wrap(index_array)
    if x.dim() == 0:  # a scalar: everything above worked on a 1-element view of it
        return node_cls.apply(x.reshape(1), indices, 0).reshape(()), indices.reshape(())
    return node_cls.apply(x, indices, dim), indices


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *,
         out=None) -> sort_result:
    """Sort along ``dim``: ``(values, indices)`` with ``values == input.gather(dim, indices)``.

    Always stable (equal elements keep their order), which PyTorch allows for ``stable=False``;
    NaN sorts as the largest value.
    """
    _check_tensor("sort", input)
    if out is not None:
        raise TypeError("sort(): out= is not supported by edutorch")
    d = wrap_dim(dim, input.dim(), "sort")
    A = input._data.reshape(1) if input.dim() == 0 else input._data
    order = _argsort(A, d, descending)
    return sort_result(*_pick(Sort, input, order.astype("int64"), d))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
            ) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    _check_tensor("argsort", input)
    return sort(input, dim, descending, stable).indices


def msort(input: Tensor) -> Tensor:
    """``sort(input, dim=0).values``."""
    _check_tensor("msort", input)
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,
         out=None) -> topk_result:
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
    A = input._data.reshape(1) if input.dim() == 0 else input._data
    xp = xp_of(A)
    order = _argsort(A, d, descending=largest)
    chosen = xp.take(order, xp.arange(k), axis=d).astype("int64")
    return topk_result(*_pick(Topk, input, chosen, d))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *,
             out=None) -> kthvalue_result:
    """The ``k``-th smallest element (counting from 1) along ``dim`` and its index."""
    _check_tensor("kthvalue", input)
    d = wrap_dim(dim, input.dim(), "kthvalue")
    size = 1 if input.dim() == 0 else input.shape[d]
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k={k}, size {size})")
    A = input._data.reshape(1) if input.dim() == 0 else input._data
    xp = xp_of(A)
    order = _argsort(A, d, descending=False)
    chosen = xp.take(order, xp.arange(k - 1, k), axis=d).astype("int64")
    values, indices = _pick(Kthvalue, input, chosen, d)
    if not keepdim and input.dim() > 0:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return kthvalue_result(values, indices)


class Unique(Function):
    """``unique`` is not differentiable in PyTorch either: its backward says so."""

    @staticmethod
    def forward(ctx, x, result):
        return result

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("the derivative for 'unique' is not implemented.")


def _unique_result(input, values, inverse, counts, return_inverse, return_counts):
    out = wrap(values)
    if input.requires_grad and input.is_floating_point():
        out = Unique.apply(input, out)
    extra = []
    if return_inverse:
        extra.append(wrap(inverse.astype("int64")))
    if return_counts:
        extra.append(wrap(counts.astype("int64")))
    return (out, *extra) if extra else out


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements of ``input`` in ascending order (or distinct slices along ``dim``).

    Returns a tensor, or a tuple adding ``inverse`` (where each element of ``input`` went:
    ``unique(x)[inverse] == x``) and ``counts`` (how often each value occurs) when asked for.
    ``sorted=False`` is allowed; the result is sorted anyway (PyTorch's CPU does the same).
    """
    _check_tensor("unique", input)
    A = input._data
    xp = xp_of(A)
    if dim is None:
        values, inverse, counts = xp.unique(A.reshape(-1), return_inverse=True,
                                            return_counts=True)
        inverse = inverse.reshape(A.shape)
    else:
        d = wrap_dim(dim, input.dim(), "unique")
        values, inverse, counts = xp.unique(A, axis=d, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
    return _unique_result(input, values, inverse, counts, return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Collapse each run of equal consecutive elements (or slices along ``dim``) into one."""
    _check_tensor("unique_consecutive", input)
    A = input._data
    xp = xp_of(A)
    d = 0
    if dim is None:
        A = A.reshape(-1)
    else:
        d = wrap_dim(dim, input.dim(), "unique_consecutive")
        A = xp.moveaxis(A, d, 0)
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
        inverse = inverse.reshape(input._data.shape)
    return _unique_result(input, values, inverse, counts, return_inverse, return_counts)


__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive"]
