"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norm, ... over some dims.

The backward of a reduction spreads the output's gradient back over the reduced elements: for
``sum`` every element gets it unchanged (an ``expand``), for ``mean`` divided by the count, for
``max`` only the element(s) that won.
"""
from __future__ import annotations

from collections import namedtuple

from .. import _dtype as dt
from .common import (Node, Tensor, attach, normalize_dims, state, wrap, xp_of, float_array)

values_indices = namedtuple("values_indices", ["values", "indices"])


def _axes(x, dim, op):
    """numpy ``axis`` argument for ``dim`` (None means every dim)."""
    nd = x._data.ndim
    if nd == 0:
        if dim is not None:
            normalize_dims(dim, 1, op)  # only 0 / -1 are valid on a scalar
        return None
    axes = normalize_dims(dim, nd, op)
    return axes


def _kept_shape(shape, axes):
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(g, shape, axes, keepdim):
    """Reshape a reduced gradient to keep the reduced dims as 1, then broadcast to ``shape``."""
    if not keepdim:
        g = g.reshape(_kept_shape(shape, axes))
    return g.expand(shape)


class SumBackward0(Node):
    __slots__ = ("shape", "axes", "keepdim")

    def backward(self, g):
        return (_expand_back(g, self.shape, self.axes, self.keepdim),)


class SumBackward1(SumBackward0):
    """``sum(dim=...)``: PyTorch names the node of a reduction over given dims SumBackward1."""
    __slots__ = ()


def sum(x, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (an int, a tuple, or None for all). Integers and bools sum to int64."""
    axes = _axes(x, dim, "sum")
    A = x._data
    if dtype is not None:
        A = A.astype(dt.to_dtype(dtype).np)
    elif A.dtype.kind in "bui" and A.dtype != dt.int64.np:
        A = A.astype(dt.int64.np)
    if A.dtype == dt.float16.np:  # accumulate in float32, as PyTorch: no overflow midway
        out = wrap(A.sum(axis=axes, keepdims=keepdim, dtype=dt.float32.np).astype(A.dtype))
    else:
        out = wrap(A.sum(axis=axes, keepdims=keepdim))
    if x._rg and state.enabled:
        node = (SumBackward0 if dim is None else SumBackward1)((x,))
        node.shape, node.axes, node.keepdim = A.shape, axes, keepdim
        attach(out, node)
    return out


class SumToSizeBackward(Node):
    __slots__ = ("shape",)

    def backward(self, g):
        return (g.expand(self.shape),)


def sum_to_size(x, *size):
    """Sum ``x`` down to ``size`` (the reverse of broadcasting)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    A = x._data
    if A.shape == shape:
        return x
    lead = A.ndim - len(shape)
    if lead < 0:
        raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to the tensor's "
                           f"size {list(A.shape)}")
    axes = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and A.shape[lead + i] != 1:
            axes.append(lead + i)
        elif s != A.shape[lead + i]:
            raise RuntimeError(f"sum_to_size: size {list(shape)} is not expandable to the "
                               f"tensor's size {list(A.shape)}")
    out = wrap(A.sum(axis=tuple(axes), keepdims=True).reshape(shape))
    if x._rg and state.enabled:
        node = SumToSizeBackward((x,))
        node.shape = A.shape
        attach(out, node)
    return out


class MeanBackward0(Node):
    __slots__ = ("shape", "axes", "keepdim", "count")

    def backward(self, g):
        return (_expand_back(g / self.count, self.shape, self.axes, self.keepdim),)


class MeanBackward1(MeanBackward0):
    """``mean(dim=...)`` (PyTorch's name for the node of a reduction over given dims)."""
    __slots__ = ()


def mean(x, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean over ``dim``; needs a floating point tensor (or ``dtype=``)."""
    A = x._data
    if dtype is not None:
        A = A.astype(dt.to_dtype(dtype).np)
    if not dt.from_array(A).is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {dt.scalar_type_name(x.dtype)}")
    axes = _axes(x, dim, "mean")
    out = wrap(A.mean(axis=axes, keepdims=keepdim))
    if x._rg and state.enabled:
        node = (MeanBackward0 if dim is None else MeanBackward1)((x,))
        node.shape, node.axes, node.keepdim = A.shape, axes, keepdim
        n = 1
        for i, s in enumerate(A.shape):
            if axes is None or i in axes:
                n *= s
        node.count = n
        attach(out, node)
    return out


class ProdBackward0(Node):
    """d(prod x)/dx_i is the product of the others: out / x_i when no x is zero."""
    __slots__ = ("axes", "keepdim")

    def backward(self, g):
        (x,) = self.saved_tensors
        out = self.saved_output()
        shape = x._data.shape
        g = _expand_back(g, shape, self.axes, self.keepdim)
        out = _expand_back(out, shape, self.axes, self.keepdim)
        if not bool((x._data == 0).any()):
            return (g * out / x,)
        return (g * _prod_of_others(x, self.axes),)


def _prod_of_others(x, axes):
    """For each element, the product of the other elements in its reduced group (handles 0s).

    The group is moved to the last dim; an (n, n) matrix with ones on the diagonal picks "all
    but me" for each position, then a prod over the group. Differentiable, O(n^2) memory.
    """
    nd = x.dim()
    axes = tuple(range(nd)) if axes is None else axes
    keep = [i for i in range(nd) if i not in axes]
    perm = keep + list(axes)
    xp_ = x.permute(perm)
    kept_shape = xp_.shape[:len(keep)]
    n = 1
    for a in axes:
        n *= x.shape[a]
    flat = xp_.reshape(tuple(kept_shape) + (1, n)).expand(tuple(kept_shape) + (n, n))
    from .creation import eye
    diag = eye(n, dtype=dt.bool_, device=x.device)
    others = flat.masked_fill(diag, 1.0).prod(-1)
    others = others.reshape(tuple(kept_shape) + tuple(x.shape[a] for a in axes))
    inverse = [0] * nd
    for i, p in enumerate(perm):
        inverse[p] = i
    return others.permute(inverse)


def prod(x, dim=None, keepdim=False, *, dtype=None):
    """Product over ``dim`` (one int, or None for all)."""
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    A = x._data
    if dtype is not None:
        A = A.astype(dt.to_dtype(dtype).np)
    elif A.dtype.kind in "bui":
        A = A.astype(dt.int64.np)
    axes = _axes(x, dim, "prod")
    out = wrap(A.prod(axis=axes, keepdims=keepdim))
    if x._rg and state.enabled:
        node = ProdBackward0((x,))
        node.axes, node.keepdim = axes, keepdim
        node.save_for_backward(x)
        node.save_output(out)
        attach(out, node)
    return out


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance: sum((x - mean)^2) / (N - correction); ``correction=1`` (unbiased) by default."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"var: only floating point tensors are supported, got "
                           f"{x.dtype.name}")
    if x.dtype is dt.float16:  # computed in float32, as PyTorch: the squares may overflow
        return var(x.float(), dim, unbiased, keepdim, correction=correction).half()
    axes = _axes(x, dim, "var")
    n = 1
    for i, s in enumerate(x._data.shape):
        if axes is None or i in axes:
            n *= s
    d = axes if axes is not None else None
    centered = x - x.mean(dim=d, keepdim=True)
    # (``max`` here is this module's reduction, not the builtin: compare by hand)
    return (centered * centered).sum(dim=d, keepdim=keepdim) / (n - correction
                                                                 if n > correction else 0)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of ``var``. Where it is 0 (a constant column) its
    gradient is 0, as PyTorch's, not the NaN of sqrt's 1 / (2 sqrt(0)) times 0."""
    v = var(x, dim, unbiased, keepdim, correction=correction)
    from ..autograd.function import Function

    class StdSqrt(Function):
        @staticmethod
        def forward(ctx, v):
            out = v.sqrt()
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return (g / (2 * out)).masked_fill(out == 0, 0.0)
    return StdSqrt.apply(v)


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(x, dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(x, dim, unbiased, keepdim, correction=correction), x.mean(dim, keepdim)


class AmaxBackward0(Node):
    """The gradient is shared evenly by the elements equal to the extreme value."""
    __slots__ = ("axes", "keepdim")

    def backward(self, g):
        (x,) = self.saved_tensors
        out = self.saved_output()
        shape = x._data.shape
        g = _expand_back(g, shape, self.axes, self.keepdim)
        out_k = out._data if self.keepdim else out._data.reshape(_kept_shape(shape, self.axes))
        mask = (x._data == out_k)
        count = mask.sum(axis=self.axes, keepdims=True)
        # the int count would promote the weights to float64: keep the gradient's dtype
        return (g * wrap((mask / count).astype(g._data.dtype, copy=False)),)


class AminBackward0(AmaxBackward0):
    __slots__ = ()


class MaxBackward1(AmaxBackward0):
    __slots__ = ()


class MinBackward1(AmaxBackward0):
    __slots__ = ()


def _extreme(x, dim, keepdim, op, cls):
    A = x._data
    if A.size == 0 and (dim is None or x._data.ndim == 0):
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    axes = _axes(x, dim, op)
    fn = A.max if op in ("amax", "max") else A.min
    out = wrap(fn(axis=axes, keepdims=keepdim))
    if x._rg and state.enabled:
        node = cls((x,))
        node.axes, node.keepdim = axes, keepdim
        node.save_for_backward(x)
        node.save_output(out)
        attach(out, node)
    return out


def amax(x, dim=(), keepdim=False):
    """Largest value over ``dim`` (all dims when empty); ties share the gradient."""
    return _extreme(x, dim if dim != () else None, keepdim, "amax", AmaxBackward0)


def amin(x, dim=(), keepdim=False):
    return _extreme(x, dim if dim != () else None, keepdim, "amin", AminBackward0)


class MaxBackward0(Node):
    """max(dim): the gradient goes to the index that won."""
    __slots__ = ("dim", "keepdim", "indices", "shape")

    def backward(self, g):
        idx = self.indices
        shape = self.shape
        if not self.keepdim:
            g = g.unsqueeze(self.dim)
            idx = xp_of(idx).expand_dims(idx, self.dim)
        xp = xp_of(idx)
        rng = xp.arange(shape[self.dim]).reshape(
            tuple(-1 if i == self.dim else 1 for i in range(len(shape))))
        return (g * wrap(rng == idx),)


class MinBackward0(MaxBackward0):
    __slots__ = ()


def _extreme_dim(x, dim, keepdim, op):
    from .common import wrap_dim
    A = x._data
    if A.ndim == 0:
        wrap_dim(dim, 0, op)
        return values_indices(x.clone() if x._rg else x, wrap(xp_of(A).zeros((), "int64")))
    d = wrap_dim(dim, A.ndim, op)
    if A.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    xp = xp_of(A)
    idx = (xp.argmax if op == "max" else xp.argmin)(A, axis=d, keepdims=True)
    vals = xp.take_along_axis(A, idx, axis=d)
    if not keepdim:
        idx, vals = idx.squeeze(d), vals.squeeze(d)
    out = wrap(vals)
    if x._rg and state.enabled:
        node = (MaxBackward0 if op == "max" else MinBackward0)((x,))
        node.dim, node.keepdim, node.indices, node.shape = d, keepdim, idx, A.shape
        attach(out, node)
    return values_indices(out, wrap(idx.astype("int64", copy=False)))


def max(x, dim=None, keepdim=False, *, out=None):
    """``max(x)``: the largest value; ``max(x, dim)``: (values, indices); ``max(x, y)``: maximum."""
    if isinstance(dim, Tensor):
        from .pointwise import maximum
        return maximum(x, dim)
    if dim is None:
        return _extreme(x, None, False, "max", MaxBackward1)
    return _extreme_dim(x, dim, keepdim, "max")


def min(x, dim=None, keepdim=False, *, out=None):
    if isinstance(dim, Tensor):
        from .pointwise import minimum
        return minimum(x, dim)
    if dim is None:
        return _extreme(x, None, False, "min", MinBackward1)
    return _extreme_dim(x, dim, keepdim, "min")


def _arg(x, dim, keepdim, op):
    A = x._data
    xp = xp_of(A)
    if A.dtype.kind == "b":
        raise RuntimeError(f"{op}(): does not support bool input")
    if A.size == 0 and (dim is None or A.ndim == 0):
        raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() "
                         f"== 0.")
    if A.size == 0 and A.shape[dim] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {dim} to have non-zero size.")
    fn = xp.argmax if op == "argmax" else xp.argmin
    if dim is None:
        out = fn(A.reshape(-1))
        if keepdim:
            out = xp.asarray(out).reshape((1,) * A.ndim)
        return wrap(xp.asarray(out, dtype="int64"))
    from .common import wrap_dim
    if A.ndim == 0:
        wrap_dim(dim, 0, op)
        return wrap(xp.zeros((), "int64"))
    d = wrap_dim(dim, A.ndim, op)
    return wrap(fn(A, axis=d, keepdims=keepdim).astype("int64", copy=False))


def argmax(x, dim=None, keepdim=False):
    """Index of the largest value (of the flattened tensor when ``dim`` is None)."""
    return _arg(x, dim, keepdim, "argmax")


def argmin(x, dim=None, keepdim=False):
    return _arg(x, dim, keepdim, "argmin")


def logsumexp(x, dim, keepdim=False):
    """log(sum(exp(x))) over ``dim``, stable: the max is subtracted before exp and added back."""
    axes = _axes(x, dim, "logsumexp")
    if x._data.dtype.kind != "f":
        x = x.to(dt.get_default_dtype())
    d = axes if axes is not None else None
    xp = xp_of(x._data)
    if x._data.size:
        m = x.detach().amax(dim=d if d is not None else (), keepdim=True)
        m = wrap(xp.where(xp.isfinite(m._data), m._data, 0))  # all -inf rows: avoid inf - inf
    else:  # no elements (amax would fail): the log of an empty sum is -inf, nothing to shift
        m = wrap(xp.zeros(_kept_shape(x._data.shape, axes), dtype=x._data.dtype))
    out = (x - m).exp().sum(dim=d, keepdim=True).log() + m
    if not keepdim:
        out = out.reshape(tuple(s for i, s in enumerate(x._data.shape)
                                if not (d is None or i in d)))
    return out


class NormBackward1(Node):
    """d||x||_2/dx = x / ||x|| (0 where the norm is 0, a subgradient)."""
    __slots__ = ("axes", "keepdim")

    def backward(self, g):
        (x,) = self.saved_tensors
        out = self.saved_output()
        shape = x._data.shape
        g = _expand_back(g, shape, self.axes, self.keepdim)
        n = _expand_back(out, shape, self.axes, self.keepdim)
        safe = n.masked_fill(wrap(n._data == 0), float("inf"))
        return (g * x / safe,)


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (``'fro'`` and 2: Euclidean; 1; ``inf``; any p > 0)."""
    if dtype is not None:
        x = x.to(dt.to_dtype(dtype))
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point tensor as input. "
                           f"Got {dt.scalar_type_name(x.dtype)}")
    axes = _axes(x, dim, "norm")
    d = axes if axes is not None else None
    if p in ("fro", 2, 2.0):
        A = x._data
        out = wrap(xp_of(A).sqrt((A * A).sum(axis=axes, keepdims=keepdim)))
        if x._rg and state.enabled:
            node = NormBackward1((x,))
            node.axes, node.keepdim = axes, keepdim
            node.save_for_backward(x)
            node.save_output(out)
            attach(out, node)
        return out
    if p in (1, 1.0):
        return x.abs().sum(dim=d, keepdim=keepdim)
    if p == float("inf"):
        return x.abs().amax(dim=d if d is not None else (), keepdim=keepdim)
    if p == float("-inf"):
        return x.abs().amin(dim=d if d is not None else (), keepdim=keepdim)
    if p == 0:
        return (x != 0).to(x.dtype).sum(dim=d, keepdim=keepdim)
    return (x.abs() ** p).sum(dim=d, keepdim=keepdim) ** (1.0 / p)


def _bool_result(x, array):
    # PyTorch keeps uint8 for all/any of a uint8 tensor (the old mask dtype); bool otherwise
    return wrap(array.astype(x._data.dtype) if x._data.dtype == dt.uint8.np else array)


def all(x, dim=None, keepdim=False):
    axes = _axes(x, dim, "all")
    return _bool_result(x, x._data.astype(bool).all(axis=axes, keepdims=keepdim))


def any(x, dim=None, keepdim=False):
    axes = _axes(x, dim, "any")
    return _bool_result(x, x._data.astype(bool).any(axis=axes, keepdims=keepdim))


def count_nonzero(x, dim=None):
    axes = _axes(x, dim, "count_nonzero")
    return wrap(xp_of(x._data).asarray((x._data != 0).sum(axis=axes), dtype="int64"))


class CumsumBackward0(Node):
    """The gradient of a running sum is a running sum from the other end."""
    __slots__ = ("dim",)

    def backward(self, g):
        return (g.flip(self.dim).cumsum(self.dim).flip(self.dim),)


def cumsum(x, dim, *, dtype=None):
    from .common import wrap_dim
    A = x._data if dtype is None else x._data.astype(dt.to_dtype(dtype).np)
    if A.dtype.kind in "bui" and dtype is None:
        A = A.astype("int64")
    if A.ndim == 0:
        wrap_dim(dim, 0, "cumsum")
        return x.clone() if A is x._data else wrap(A.copy())  # int and bool become int64
    d = wrap_dim(dim, A.ndim, "cumsum")
    out = wrap(xp_of(A).cumsum(A, axis=d))
    if x._rg and state.enabled:
        node = CumsumBackward0((x,))
        node.dim = d
        attach(out, node)
    return out


__all__ = ["sum", "sum_to_size", "mean", "prod", "var", "std", "var_mean", "std_mean", "amax",
           "amin", "max", "min", "argmax", "argmin", "logsumexp", "norm", "all", "any",
           "count_nonzero", "cumsum", "values_indices"]
del float_array
