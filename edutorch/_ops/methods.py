"""Attach the ops to ``Tensor`` as methods and operators (``x.exp()``, ``x + y``, ``x += y``)."""
from __future__ import annotations

from . import (  # noqa: F401 (imported to register their ops)
    activation,
    creation,
    indexing,
    inplace,
    linalg,
    reduction,
    registry,
    sampling,
    shape,
    sorting,
)
from . import pointwise as pw


def attach(T) -> None:
    """Every registered op becomes a Tensor method (``x.exp()``), and each op registered with
    ``inplace=True`` gets its in-place twin (``x.exp_()``)."""
    sh, ix = shape, indexing
    methods = dict(registry.METHODS)
    methods.update({
        "where": lambda self, condition, other: pw.where(condition, self, other),
        "copy_": inplace.copy_, "fill_": inplace.fill_, "zero_": inplace.zero_,
        # pinned memory means nothing for NumPy, so pinning is a no-op
        "pin_memory": lambda self, device=None: self, "is_pinned": lambda self, device=None: False,
        "__getitem__": ix.getitem, "__setitem__": ix.setitem,
    })
    for name, fn in methods.items():
        setattr(T, name, fn)
    for name in ("T", "mT"):
        setattr(T, name, property(getattr(sh, name)))
    T.mH = property(sh.mT)
    T.H = property(sh.T)
    _attach_operators(T, registry.METHODS)
    _attach_inplace(T, methods)
    for fn in (uniform_, normal_, bernoulli_, random_, exponential_):  # used by nn.init
        setattr(T, fn.__name__, fn)
    _attach_constructors(T)


def _attach_operators(T, m: dict) -> None:
    """Python's operators as the registered ops: ``x + y`` is ``add``, ``-x`` is ``neg``..."""
    T.__add__ = T.__radd__ = m["add"]
    T.__sub__ = m["sub"]
    T.__rsub__ = pw.rsub
    T.__mul__ = T.__rmul__ = m["mul"]
    T.__truediv__ = m["div"]
    T.__rtruediv__ = pw.rdiv
    T.__floordiv__ = m["floor_divide"]
    T.__rfloordiv__ = pw.rfloordiv
    T.__mod__ = m["remainder"]
    T.__rmod__ = pw.rremainder
    T.__pow__ = m["pow"]
    T.__rpow__ = pw.rpow
    T.__matmul__ = linalg.matmul
    T.__rmatmul__ = linalg.rmatmul
    T.__neg__ = m["neg"]
    T.__pos__ = lambda self: self
    T.__abs__ = m["abs"]
    T.__invert__ = lambda self: m["logical_not"](self) if self._data.dtype.kind == "b" \
        else m["bitwise_not"](self)
    T.__and__ = T.__rand__ = pw.bitwise_and
    T.__or__ = T.__ror__ = pw.bitwise_or
    T.__xor__ = T.__rxor__ = pw.bitwise_xor
    T.__eq__, T.__ne__ = m["eq"], m["ne"]
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = m["lt"], m["le"], m["gt"], m["ge"]


def _attach_inplace(T, methods: dict) -> None:
    """In-place versions: ``x.add_(y)`` and ``x += y`` write into x."""
    m = registry.METHODS
    fast = {"add_": (m["add"], "add"), "sub_": (m["sub"], "subtract"),
            "mul_": (m["mul"], "multiply"), "div_": (m["div"], "true_divide")}
    for name, (fn, ufunc) in fast.items():
        setattr(T, name, inplace.make_fast_binary_inplace(fn, ufunc, name))
    T.__iadd__, T.__isub__, T.__imul__, T.__itruediv__ = T.add_, T.sub_, T.mul_, T.div_
    for base in registry.INPLACE + ["masked_fill", "remainder", "floor_divide", "scatter",
                                    "scatter_add", "index_add", "index_put", "tril", "triu",
                                    "pow"]:
        setattr(T, base + "_", inplace.make_inplace(methods[base], base + "_"))
    T.__ipow__ = T.pow_
    T.__ifloordiv__ = T.floor_divide_
    T.__imod__ = T.remainder_
    T.__imatmul__ = None


# -- random fills: Tensor.uniform_, normal_, bernoulli_, random_, exponential_ ------------------
def uniform_(self, a=0.0, b=1.0, *, generator=None):
    from ..backend import random as rnd
    arr = rnd.uniform(self._data.shape, self._data.dtype, self.device.type, generator, a, b)
    return _fill_random(self, arr, "uniform_")


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    from ..backend import random as rnd
    arr = rnd.normal(self._data.shape, self._data.dtype, self.device.type, generator, mean,
                     std)
    return _fill_random(self, arr, "normal_")


def bernoulli_(self, p=0.5, *, generator=None):
    from ..backend import random as rnd
    arr = rnd.bernoulli(p if not hasattr(p, "_data") else p._data, self.device.type,
                        generator)
    if not hasattr(arr, "shape") or arr.shape != self._data.shape:
        arr = rnd.uniform(self._data.shape, "float64", self.device.type, generator) < p
    return _fill_random(self, arr.astype(self._data.dtype), "bernoulli_")


def random_(self, low=0, high=None, *, generator=None):
    from ..backend import random as rnd
    if high is None:
        low, high = 0, low if low else 2 ** 24
    arr = rnd.integers(low, high, self._data.shape, self._data.dtype, self.device.type,
                       generator)
    return _fill_random(self, arr, "random_")


def exponential_(self, lambd=1.0, *, generator=None):
    from .. import backend
    from ..backend import random as rnd
    u = rnd.uniform(self._data.shape, "float64", self.device.type, generator)
    arr = -backend.xp_of(u).log1p(-u) / lambd
    return _fill_random(self, arr.astype(self._data.dtype), "exponential_")


# -- constructors from a tensor: Tensor.bernoulli, new_tensor, new_zeros, ... -------------------
def _attach_constructors(T) -> None:
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
