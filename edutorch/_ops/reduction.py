"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norm, ... over some dims.

The backward of a reduction spreads the output's gradient back over the reduced elements: for
``sum`` every element gets it unchanged (a broadcast), for ``mean`` divided by the count, for
``max`` only the element(s) that won.
"""
from __future__ import annotations

import builtins
from collections import namedtuple

from .. import _dtype as dt
from .. import backend
from ..autograd.function import Function
from .common import Tensor, normalize_dims, wrap, wrap_dim, xp_of
from .registry import builtin, op

values_indices = namedtuple("values_indices", ["values", "indices"])
_F16 = dt.float16.np
_F32 = dt.float32.np


def _axes(x, dim, name):
    """NumPy's ``axis`` for ``dim`` (None: every dim) on an array of ``x.ndim`` dims."""
    if x.ndim == 0:
        if dim is not None:
            normalize_dims(dim, 1, name)  # only 0 / -1 are valid on a scalar
        return None
    return normalize_dims(dim, x.ndim, name)


def _kept_shape(shape, axes):
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _count(shape, axes) -> int:
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


def expand_back(xp, g, shape, axes, keepdim):
    """A reduced gradient, broadcast back over the reduced dims (kept as 1 first)."""
    if not keepdim:
        g = g.reshape(_kept_shape(shape, axes))
    return xp.broadcast_to(g, shape)


def _accumulating(A):
    """The dtype a sum accumulates in: int64 for integers and bools, float32 for float16 and
    bfloat16 (as PyTorch: they have too few bits to add many numbers)."""
    if A.dtype.kind in "bui":
        return dt.int64.np
    return _F32 if _is_half(A.dtype) else None


def _is_half(np_dtype) -> bool:
    """float16 or bfloat16 (ml_dtypes' bfloat16 is not a NumPy float kind)."""
    return np_dtype == _F16 or np_dtype.name == "bfloat16"


class _Reduction(Function):
    """Remembers the input's shape, the reduced axes and keepdim for the backward."""

    @staticmethod
    def remember(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim


@builtin("sum")
class Sum(_Reduction):
    """d(sum x)/dx_i = 1: every element gets the output's gradient."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False, dtype=None):
        _Reduction.remember(ctx, x, axes, keepdim)
        if dtype is not None:
            x = x.astype(dtype)
        acc = _accumulating(x)
        out = x.sum(axis=axes, keepdims=keepdim, dtype=acc)
        return out.astype(x.dtype) if _is_half(x.dtype) else out

    @staticmethod
    def backward(ctx, grad):
        return expand_back(ctx.xp, grad, ctx.shape, ctx.axes, ctx.keepdim)


class SumDim(Sum):
    """``sum(dim=...)``: PyTorch names the node of a reduction over given dims SumBackward1."""


builtin("sum", backward_name="SumBackward1")(SumDim)


@op("sum", out="dtype")
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Sum over ``dim`` (an int, a tuple, or None for all). Integers and bools sum to int64.
    (``axis``/``keepdims`` are NumPy's spellings, accepted as PyTorch does.)"""
    dim, keepdim = _numpy_spelling(dim, keepdim, axis, keepdims)
    axes = _axes(input._data, dim, "sum")
    cls = Sum if dim is None else SumDim
    return cls.apply(input, axes=axes, keepdim=keepdim,
                     dtype=None if dtype is None else dt.to_dtype(dtype).np)


def _numpy_spelling(dim, keepdim, axis, keepdims):
    return (axis if dim is None else dim), (keepdims if keepdims is not None else keepdim)


@builtin("sum_to_size", backward_name="SumToSizeBackward")
class SumToSize(Function):
    """The reverse of broadcasting: sum down to ``shape``; backward broadcasts again."""

    @staticmethod
    def forward(ctx, x, shape=()):
        from .. import backend
        ctx.shape = x.shape
        try:
            return backend.sum_to(x, shape)
        except ValueError:
            raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to the "
                               f"tensor's size {list(x.shape)}") from None

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.broadcast_to(grad, ctx.shape)


@op("sum_to_size", function=False)
def sum_to_size(input, *size):
    """Sum ``input`` down to ``size`` (the reverse of broadcasting)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    if input._data.shape == shape:
        return input
    return SumToSize.apply(input, shape=shape)


@builtin("mean")
class Mean(_Reduction):
    """d(mean x)/dx_i = 1/n."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False):
        _Reduction.remember(ctx, x, axes, keepdim)
        ctx.count = _count(x.shape, axes)
        if _is_half(x.dtype):
            return x.mean(axis=axes, keepdims=keepdim, dtype=_F32).astype(x.dtype)
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(ctx.xp, grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


class MeanDim(Mean):
    pass


builtin("mean", backward_name="MeanBackward1")(MeanDim)


@op("mean")
def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Arithmetic mean over ``dim``; needs a floating point tensor (or ``dtype=``)."""
    dim, keepdim = _numpy_spelling(dim, keepdim, axis, keepdims)
    x = input if dtype is None else input.to(dt.to_dtype(dtype))
    if not dt.from_array(x._data).is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: "
                           f"{dt.scalar_type_name(input.dtype)}")
    axes = _axes(x._data, dim, "mean")
    return (Mean if dim is None else MeanDim).apply(x, axes=axes, keepdim=keepdim)


@builtin("prod")
class Prod(_Reduction):
    """d(prod x)/dx_i is the product of the others: out / x_i when no x is zero."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False, dtype=None):
        _Reduction.remember(ctx, x, axes, keepdim)
        if dtype is not None:
            x = x.astype(dtype)
        elif x.dtype.kind in "bui":
            x = x.astype(dt.int64.np)
        out = x.prod(axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        xp = ctx.xp
        grad = expand_back(xp, grad, ctx.shape, ctx.axes, ctx.keepdim)
        out = expand_back(xp, out, ctx.shape, ctx.axes, ctx.keepdim)
        if not bool((x == 0).any()):
            return grad * out / x
        x_t = x if hasattr(x, "_data") else wrap(x)
        others = _prod_of_others(x_t, ctx.axes)
        return grad * (others if hasattr(grad, "_data") else others._data)


def _prod_of_others(x, axes):
    """For each element, the product of the other elements in its reduced group (handles 0s).

    The group is moved to the last dim; an (n, n) matrix with ones on the diagonal picks "all
    but me" for each position, then a prod over the group. Differentiable, O(n^2) memory.
    """
    nd = x.dim()
    axes = tuple(range(nd)) if axes is None else axes
    keep = [i for i in range(nd) if i not in axes]
    perm = keep + list(axes)
    moved = x.permute(perm)
    kept_shape = moved.shape[:len(keep)]
    n = 1
    for a in axes:
        n *= x.shape[a]
    flat = moved.reshape(tuple(kept_shape) + (1, n)).expand(tuple(kept_shape) + (n, n))
    from .creation import eye
    diag = eye(n, dtype=dt.bool_, device=x.device)
    others = flat.masked_fill(diag, 1.0).prod(-1)
    others = others.reshape(tuple(kept_shape) + tuple(x.shape[a] for a in axes))
    inverse = [0] * nd
    for i, p in enumerate(perm):
        inverse[p] = i
    return others.permute(inverse)


@op("prod", out="dtype")
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over ``dim`` (one int, or None for all)."""
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    axes = _axes(input._data, dim, "prod")
    return Prod.apply(input, axes=axes, keepdim=keepdim,
                      dtype=None if dtype is None else dt.to_dtype(dtype).np)


@builtin("var")
class Var(_Reduction):
    """sum((x - mean)**2) / (n - correction); d/dx_i = 2 (x_i - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False, correction=1):
        _Reduction.remember(ctx, x, axes, keepdim)
        wide = x.astype(_F32) if x.dtype == _F16 else x  # float16 squares overflow
        centered = wide - wide.mean(axis=axes, keepdims=True)
        n = _count(x.shape, axes)
        ctx.divisor = builtins.max(n - correction, 0)
        out = (centered * centered).sum(axis=axes, keepdims=keepdim) / ctx.divisor
        ctx.save_for_backward(x)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centered = x - x.mean(axis=ctx.axes, keepdims=True)
        grad = expand_back(ctx.xp, grad, ctx.shape, ctx.axes, ctx.keepdim)
        return grad * centered * (2.0 / ctx.divisor if ctx.divisor else float("inf"))


@builtin("std")
class Std(_Reduction):
    """sqrt(var); d/dx_i = (x_i - mean) / ((n - correction) std), taken as 0 where std is 0
    (a constant column), as PyTorch does."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False, correction=1):
        out = xp_of(x).sqrt(Var.forward(ctx, x, axes, keepdim, correction))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        xp = ctx.xp
        centered = x - x.mean(axis=ctx.axes, keepdims=True)
        std = expand_back(xp, out, ctx.shape, ctx.axes, ctx.keepdim)
        grad = expand_back(xp, grad, ctx.shape, ctx.axes, ctx.keepdim)
        safe = xp.where(std == 0, 1.0, std * (ctx.divisor or float("nan")))
        return xp.where(std == 0, 0.0, grad * centered / safe)


def _spread(name, cls, input, dim, unbiased, keepdim, correction):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not backend.is_floating(input._data.dtype):
        raise RuntimeError(f"{name}: only floating point tensors are supported, got "
                           f"{input.dtype.name}")
    axes = _axes(input._data, dim, name)
    return cls.apply(input, axes=axes, keepdim=keepdim, correction=correction)


@op("var")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance: sum((x - mean)^2) / (N - correction); ``correction=1`` (unbiased) by default."""
    return _spread("var", Var, input, dim, unbiased, keepdim, correction)


@op("std")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of ``var``."""
    return _spread("std", Std, input, dim, unbiased, keepdim, correction)


@op("var_mean", method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


@op("std_mean", method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


class Amax(_Reduction):
    """The gradient is shared evenly by the elements equal to the extreme value."""
    largest = True

    @classmethod
    def forward(cls, ctx, x, axes=None, keepdim=False):
        _Reduction.remember(ctx, x, axes, keepdim)
        out = (x.max if cls.largest else x.min)(axis=axes, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        X = x._data if hasattr(x, "_data") else x
        O = out._data if hasattr(out, "_data") else out
        if not ctx.keepdim:
            O = O.reshape(_kept_shape(X.shape, ctx.axes))
        winners = X == O
        share = winners / winners.sum(axis=ctx.axes, keepdims=True)
        dtype = grad._data.dtype if hasattr(grad, "_data") else grad.dtype
        share = share.astype(dtype, copy=False)  # a constant: the ties' shares
        grad = expand_back(ctx.xp, grad, ctx.shape, ctx.axes, ctx.keepdim)
        return grad * (wrap(share) if hasattr(grad, "_data") else share)


class Amin(Amax):
    largest = False


builtin("amax")(Amax)
builtin("amin")(Amin)


class MaxAll(Amax):
    pass


class MinAll(Amin):
    pass


builtin("max", backward_name="MaxBackward1")(MaxAll)
builtin("min", backward_name="MinBackward1")(MinAll)


def _extreme(x, dim, keepdim, name, cls):
    A = x._data
    if A.size == 0 and (dim is None or A.ndim == 0):
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    axes = _axes(A, dim, name)
    for d in (range(A.ndim) if axes is None else axes) if A.size == 0 else ():
        if A.shape[d] == 0:  # an empty slice has no largest element
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return cls.apply(x, axes=axes, keepdim=keepdim)


@op("amax")
def amax(input, dim=(), keepdim=False):
    """Largest value over ``dim`` (all dims when empty); ties share the gradient."""
    return _extreme(input, dim if dim != () else None, keepdim, "amax", Amax)


@op("amin")
def amin(input, dim=(), keepdim=False):
    return _extreme(input, dim if dim != () else None, keepdim, "amin", Amin)


class MaxDim(Function):
    """max(dim): (values, indices); the gradient goes to the index that won."""
    largest = True

    @classmethod
    def forward(cls, ctx, x, dim=0, keepdim=False):
        xp = xp_of(x)
        idx = (xp.argmax if cls.largest else xp.argmin)(x, axis=dim, keepdims=True)
        values = xp.take_along_axis(x, idx, axis=dim)
        ctx.dim, ctx.keepdim, ctx.shape, ctx.indices = dim, keepdim, x.shape, idx
        if not keepdim:
            idx, values = idx.squeeze(dim), values.squeeze(dim)
        return values, idx.astype("int64", copy=False)

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        if not ctx.keepdim:
            grad = grad.reshape(grad.shape[:ctx.dim] + (1,) + grad.shape[ctx.dim:])
        idx = ctx.indices
        xp = xp_of(idx)
        positions = xp.arange(ctx.shape[ctx.dim]).reshape(
            tuple(-1 if i == ctx.dim else 1 for i in range(len(ctx.shape))))
        won = positions == idx
        return grad * (wrap(won) if hasattr(grad, "_data") else won)


class MinDim(MaxDim):
    largest = False


builtin("max", backward_name="MaxBackward0")(MaxDim)
builtin("min", backward_name="MinBackward0")(MinDim)


def _extreme_dim(x, dim, keepdim, name):
    A = x._data
    if A.ndim == 0:
        wrap_dim(dim, 0, name)
        return values_indices(x.clone() if x._rg else x, wrap(xp_of(A).zeros((), "int64")))
    d = wrap_dim(dim, A.ndim, name)
    if A.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    values, indices = (MaxDim if name == "max" else MinDim).apply(x, dim=d, keepdim=keepdim)
    return values_indices(values, indices)


@op("max")
def max(input, dim=None, keepdim=False, *, out=None):
    """``max(x)``: the largest value; ``max(x, dim)``: (values, indices); ``max(x, y)``:
    ``maximum``."""
    if isinstance(dim, Tensor):
        from .pointwise import maximum
        return maximum(input, dim)
    if dim is None:
        return _extreme(input, None, False, "max", MaxAll)
    return _extreme_dim(input, dim, keepdim, "max")


@op("min")
def min(input, dim=None, keepdim=False, *, out=None):
    if isinstance(dim, Tensor):
        from .pointwise import minimum
        return minimum(input, dim)
    if dim is None:
        return _extreme(input, None, False, "min", MinAll)
    return _extreme_dim(input, dim, keepdim, "min")


class Argmax(Function):
    """Index of the largest value (of the flattened tensor when ``dim`` is None)."""
    differentiable = False
    largest = True

    @classmethod
    def forward(cls, ctx, x, dim=None, keepdim=False):
        xp = xp_of(x)
        name = "argmax" if cls.largest else "argmin"
        if x.dtype.kind == "b":
            raise RuntimeError(f"{name}(): does not support bool input")
        if x.size == 0 and (dim is None or x.ndim == 0):
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0.")
        find = xp.argmax if cls.largest else xp.argmin
        if dim is None:
            out = xp.asarray(find(x.reshape(-1)))
            return out.reshape((1,) * x.ndim) if keepdim else out.astype("int64")
        if x.ndim == 0:
            wrap_dim(dim, 0, name)
            return xp.zeros((), "int64")
        d = wrap_dim(dim, x.ndim, name)
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        return find(x, axis=d, keepdims=keepdim).astype("int64", copy=False)


class Argmin(Argmax):
    largest = False


op("argmax")(Argmax)
op("argmin")(Argmin)


@op("logsumexp")
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over ``dim``, stable: the max is subtracted before exp and added back."""
    x = input
    axes = _axes(x._data, dim, "logsumexp")
    if x._data.dtype.kind != "f":
        x = x.to(dt.get_default_dtype())
    xp = xp_of(x._data)
    if x._data.size:
        m = x._data.max(axis=axes, keepdims=True)
        m = wrap(xp.where(xp.isfinite(m), m, 0))  # all -inf rows: avoid inf - inf
    else:  # no elements: the log of an empty sum is -inf, nothing to shift
        m = wrap(xp.zeros(_kept_shape(x._data.shape, axes), dtype=x._data.dtype))
    out = (x - m).exp().sum(dim=axes, keepdim=True).log() + m
    if not keepdim:
        out = out.reshape(tuple(s for i, s in enumerate(x._data.shape)
                                if not (axes is None or i in axes)))
    return out


@builtin("norm", backward_name="NormBackward1")
class Norm(_Reduction):
    """The Euclidean norm; d||x||/dx = x / ||x|| (0 where the norm is 0, a subgradient)."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdim=False):
        _Reduction.remember(ctx, x, axes, keepdim)
        out = xp_of(x).sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        xp = ctx.xp
        grad = expand_back(xp, grad, ctx.shape, ctx.axes, ctx.keepdim)
        n = expand_back(xp, out, ctx.shape, ctx.axes, ctx.keepdim)
        return grad * x / xp.where(n == 0, float("inf"), n)


@op("norm")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (``'fro'`` and 2: Euclidean; 1; ``inf``; any p > 0)."""
    x = input if dtype is None else input.to(dt.to_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point tensor as input. "
                           f"Got {dt.scalar_type_name(x.dtype)}")
    axes = _axes(x._data, dim, "norm")
    if p in ("fro", 2, 2.0):
        return Norm.apply(x, axes=axes, keepdim=keepdim)
    if p in (1, 1.0):
        return x.abs().sum(dim=axes, keepdim=keepdim)
    if p == float("inf"):
        return x.abs().amax(dim=axes if axes is not None else (), keepdim=keepdim)
    if p == float("-inf"):
        return x.abs().amin(dim=axes if axes is not None else (), keepdim=keepdim)
    if p == 0:
        return (x != 0).to(x.dtype).sum(dim=axes, keepdim=keepdim)
    return (x.abs() ** p).sum(dim=axes, keepdim=keepdim) ** (1.0 / p)


class All(Function):
    """Whether every element is true (``any``: some element)."""
    differentiable = False
    every = True

    @classmethod
    def forward(cls, ctx, x, dim=None, keepdim=False):
        axes = _axes(x, dim, "all" if cls.every else "any")
        b = x.astype(bool)
        out = (b.all if cls.every else b.any)(axis=axes, keepdims=keepdim)
        # PyTorch keeps uint8 for all/any of a uint8 tensor (the old mask dtype)
        return out.astype(x.dtype) if x.dtype == dt.uint8.np else out


class Any(All):
    every = False


op("all")(All)
op("any")(Any)


@op("count_nonzero")
class CountNonzero(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, x, dim=None):
        axes = _axes(x, dim, "count_nonzero")
        return xp_of(x).asarray((x != 0).sum(axis=axes), dtype="int64")


@builtin("cumsum")
class Cumsum(Function):
    """The gradient of a running sum is a running sum from the other end."""

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        if dtype is not None:
            x = x.astype(dtype)
        elif x.dtype.kind in "bui":
            x = x.astype("int64")
        if x.ndim == 0:
            wrap_dim(dim, 0, "cumsum")
            ctx.dim = 0
            return x.copy()
        ctx.dim = wrap_dim(dim, x.ndim, "cumsum")
        return xp_of(x).cumsum(x, axis=ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        d = ctx.dim
        if grad.ndim == 0:
            return grad
        flipped = ctx.xp.flip(grad, d)
        return ctx.xp.flip(ctx.xp.cumsum(flipped, d), d)


@op("cumsum", out="dtype")
def cumsum(input, dim, *, dtype=None):
    return Cumsum.apply(input, dim=dim, dtype=None if dtype is None else dt.to_dtype(dtype).np)


__all__ = []
