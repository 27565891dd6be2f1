"""Attach the ops to ``Tensor`` as methods and operators (``x.exp()``, ``x + y``, ``x += y``)."""
from __future__ import annotations

from . import activation, creation, indexing, inplace, linalg, pointwise, reduction, shape
from . import sampling, sorting


def _number_or_tensor(fn):
    """An operator returns NotImplemented for operand types it does not know (e.g. a list)."""
    from .common import Tensor
    from numbers import Number

    def op(self, other):
        if not isinstance(other, (Tensor, Number)):
            return NotImplemented
        return fn(self, other)
    op.__name__ = fn.__name__
    op.__doc__ = fn.__doc__
    return op


def attach(T) -> None:
    pw, red, sh, ix, la = pointwise, reduction, shape, indexing, linalg
    methods = {
        # arithmetic
        "add": pw.add, "sub": pw.sub, "subtract": pw.sub, "mul": pw.mul, "multiply": pw.mul,
        "div": pw.div, "divide": pw.div, "true_divide": pw.div, "floor_divide": pw.floor_divide,
        "remainder": pw.remainder, "fmod": pw.remainder, "pow": pw.pow, "maximum": pw.maximum,
        "minimum": pw.minimum, "neg": pw.neg, "negative": pw.neg, "abs": pw.abs,
        "exp": pw.exp, "log": pw.log, "log1p": pw.log1p, "log2": pw.log2, "expm1": pw.expm1,
        "sqrt": pw.sqrt, "rsqrt": pw.rsqrt, "sin": pw.sin, "cos": pw.cos, "tanh": pw.tanh,
        "sigmoid": pw.sigmoid, "relu": pw.relu, "reciprocal": pw.reciprocal, "sign": pw.sign,
        "floor": pw.floor, "ceil": pw.ceil, "round": pw.round, "trunc": pw.trunc,
        "square": pw.square, "clamp": pw.clamp, "clip": pw.clamp, "clamp_min": pw.clamp_min,
        "clamp_max": pw.clamp_max, "erf": pw.erf, "atan": pw.atan, "lerp": pw.lerp,
        "addcmul": pw.addcmul, "addcdiv": pw.addcdiv, "clone": pw.clone,
        "eq": pw.eq, "ne": pw.ne, "lt": pw.lt, "le": pw.le, "gt": pw.gt, "ge": pw.ge,
        "logical_and": pw.logical_and, "logical_or": pw.logical_or,
        "logical_xor": pw.logical_xor, "logical_not": pw.logical_not,
        "bitwise_not": pw.bitwise_not, "equal": pw.equal, "allclose": pw.allclose,
        "isclose": pw.isclose, "isnan": pw.isnan, "isinf": pw.isinf, "isfinite": pw.isfinite,
        # reductions
        "sum": red.sum, "sum_to_size": red.sum_to_size, "mean": red.mean, "prod": red.prod,
        "var": red.var, "std": red.std, "max": red.max, "min": red.min, "amax": red.amax,
        "amin": red.amin, "argmax": red.argmax, "argmin": red.argmin,
        "logsumexp": red.logsumexp, "norm": red.norm, "all": red.all, "any": red.any,
        "count_nonzero": red.count_nonzero, "cumsum": red.cumsum,
        # shape
        "reshape": sh.reshape, "view": sh.view, "view_as": sh.view_as,
        "reshape_as": sh.reshape_as, "flatten": sh.flatten, "unflatten": sh.unflatten,
        "permute": sh.permute, "transpose": sh.transpose, "swapaxes": sh.swapaxes, "t": sh.t,
        "movedim": sh.movedim, "squeeze": sh.squeeze, "unsqueeze": sh.unsqueeze,
        "expand": sh.expand, "expand_as": sh.expand_as, "broadcast_to": sh.broadcast_to,
        "repeat": sh.repeat, "narrow": sh.narrow, "contiguous": sh.contiguous,
        "split": sh.split, "tensor_split": sh.tensor_split, "chunk": sh.chunk,
        "unbind": sh.unbind, "flip": sh.flip, "roll": sh.roll,
        # indexing
        "gather": ix.gather, "scatter": ix.scatter, "scatter_add": ix.scatter_add,
        "index_select": ix.index_select, "index_add": ix.index_add,
        "masked_fill": ix.masked_fill, "masked_select": ix.masked_select,
        "nonzero": ix.nonzero, "argwhere": ix.argwhere, "tril": ix.tril, "triu": ix.triu,
        "diagonal": ix.diagonal, "index_put": ix.index_put, "take_along_dim": ix.take_along_dim,
        # linear algebra and activations
        "matmul": la.matmul, "mm": la.mm, "bmm": la.bmm, "mv": la.mv, "dot": la.dot,
        "inner": la.inner, "outer": la.outer, "ger": la.outer,
        "softmax": activation.softmax, "log_softmax": activation.log_softmax,
        "where": lambda self, condition, other: pw.where(condition, self, other),
        # in place
        "copy_": inplace.copy_, "fill_": inplace.fill_, "zero_": inplace.zero_,
        # sorting and sampling; pinned memory means nothing for NumPy, so pinning is a no-op
        "sort": sorting.sort, "argsort": sorting.argsort, "msort": sorting.msort,
        "topk": sorting.topk, "kthvalue": sorting.kthvalue, "unique": sorting.unique,
        "unique_consecutive": sorting.unique_consecutive, "multinomial": sampling.multinomial,
        "pin_memory": lambda self, device=None: self, "is_pinned": lambda self, device=None: False,
        "__getitem__": ix.getitem, "__setitem__": ix.setitem,
    }
    for name, fn in methods.items():
        setattr(T, name, fn)
    for name in ("T", "mT"):
        setattr(T, name, property(getattr(sh, name)))
    T.mH = property(sh.mT)
    T.H = property(sh.T)

    # operators
    def nt(fn):  # operators call the ops directly: the hot path of every expression
        return fn
    T.__add__ = T.__radd__ = nt(pw.add)
    T.__sub__ = nt(pw.sub)
    T.__rsub__ = nt(pw.rsub)
    T.__mul__ = T.__rmul__ = nt(pw.mul)
    T.__truediv__ = nt(pw.div)
    T.__rtruediv__ = nt(pw.rdiv)
    T.__floordiv__ = nt(pw.floor_divide)
    T.__rfloordiv__ = nt(pw.rfloordiv)
    T.__mod__ = nt(pw.remainder)
    T.__rmod__ = nt(pw.rremainder)
    T.__pow__ = nt(pw.pow)
    T.__rpow__ = nt(pw.rpow)
    T.__matmul__ = la.matmul
    T.__rmatmul__ = la.rmatmul
    T.__neg__ = pw.neg
    T.__pos__ = lambda self: self
    T.__abs__ = pw.abs
    T.__invert__ = lambda self: pw.logical_not(self) if self._data.dtype.kind == "b" \
        else pw.bitwise_not(self)
    T.__and__ = T.__rand__ = nt(pw.bitwise_and)
    T.__or__ = T.__ror__ = nt(pw.bitwise_or)
    T.__xor__ = T.__rxor__ = nt(pw.bitwise_xor)
    T.__eq__, T.__ne__ = pw.eq, pw.ne
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = pw.lt, pw.le, pw.gt, pw.ge

    # in-place versions: x.add_(y) and x += y write into x
    fast = {"add_": (pw.add, "add"), "sub_": (pw.sub, "subtract"),
            "mul_": (pw.mul, "multiply"), "div_": (pw.div, "true_divide")}
    for name, (fn, ufunc) in fast.items():
        setattr(T, name, inplace.make_fast_binary_inplace(fn, ufunc, name))
    T.__iadd__, T.__isub__, T.__imul__, T.__itruediv__ = T.add_, T.sub_, T.mul_, T.div_
    for base in ("pow", "neg", "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin",
                 "cos", "tanh", "sigmoid", "relu", "reciprocal", "sign", "floor", "ceil",
                 "round", "trunc", "square", "clamp", "clamp_min", "clamp_max", "lerp",
                 "addcmul", "addcdiv", "masked_fill", "remainder", "floor_divide", "maximum",
                 "minimum", "scatter", "scatter_add", "index_add", "index_put", "tril", "triu",
                 "erf"):
        setattr(T, base + "_", inplace.make_inplace(methods[base], base + "_"))
    T.clip_ = T.clamp_
    T.__ipow__ = T.pow_
    T.__ifloordiv__ = T.floor_divide_
    T.__imod__ = T.remainder_
    T.__imatmul__ = None

    # random fills (used by nn.init)
    from ..backend import random as rnd

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        arr = rnd.uniform(self._data.shape, self._data.dtype, self.device.type, generator, a, b)
        return _fill_random(self, arr, "uniform_")

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        arr = rnd.normal(self._data.shape, self._data.dtype, self.device.type, generator, mean,
                         std)
        return _fill_random(self, arr, "normal_")

    def bernoulli_(self, p=0.5, *, generator=None):
        arr = rnd.bernoulli(p if not hasattr(p, "_data") else p._data, self.device.type,
                            generator)
        if not hasattr(arr, "shape") or arr.shape != self._data.shape:
            arr = rnd.uniform(self._data.shape, "float64", self.device.type, generator) < p
        return _fill_random(self, arr.astype(self._data.dtype), "bernoulli_")

    def random_(self, low=0, high=None, *, generator=None):
        if high is None:
            low, high = 0, low if low else 2 ** 24
        arr = rnd.integers(low, high, self._data.shape, self._data.dtype, self.device.type,
                           generator)
        return _fill_random(self, arr, "random_")

    def exponential_(self, lambd=1.0, *, generator=None):
        u = rnd.uniform(self._data.shape, "float64", self.device.type, generator)
        from .. import backend
        arr = -backend.xp_of(u).log1p(-u) / lambd
        return _fill_random(self, arr.astype(self._data.dtype), "exponential_")

    for fn in (uniform_, normal_, bernoulli_, random_, exponential_):
        setattr(T, fn.__name__, fn)

    def bernoulli(self, p=None, *, generator=None):
        if p is None:
            return creation.bernoulli(self, generator=generator)
        return creation.bernoulli(creation.full_like(self, p), generator=generator)
    T.bernoulli = bernoulli

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                               requires_grad=requires_grad)

    def _new(factory):
        def method(self, *size, dtype=None, device=None, requires_grad=False):
            return factory(*size, dtype=dtype or self.dtype, device=device or self.device,
                           requires_grad=requires_grad)
        return method
    T.new_tensor = new_tensor
    T.new_zeros = _new(creation.zeros)
    T.new_ones = _new(creation.ones)
    T.new_empty = _new(creation.empty)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        return creation.full(size, fill_value, dtype=dtype or self.dtype,
                             device=device or self.device, requires_grad=requires_grad)
    T.new_full = new_full


def _fill_random(t, arr, op):
    from .common import state
    if state.enabled and t._rg and t.grad_fn is None:
        raise RuntimeError(inplace.LEAF_MESSAGE)
    from .common import wrap
    return inplace.commit(t, wrap(arr), op) if t.grad_fn is not None else _direct(t, arr, op)


def _direct(t, arr, op):
    inplace._write(t, arr, op)
    return t
