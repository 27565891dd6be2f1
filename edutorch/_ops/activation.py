"""softmax and log_softmax, the numerically stable way.

softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m) for m = max(x): subtracting the max changes
nothing mathematically and keeps exp from overflowing.
"""
from __future__ import annotations

from .. import _dtype as dt
from .common import Node, attach, state, wrap, wrap_dim, xp_of


class SoftmaxBackward0(Node):
    """dx = y * (g - sum(g * y)) along ``dim``."""
    __slots__ = ("dim",)

    def backward(self, g):
        y = self.saved_output()
        return (y * (g - (g * y).sum(self.dim, keepdim=True)),)


class LogSoftmaxBackward0(Node):
    """dx = g - exp(y) * sum(g) along ``dim``."""
    __slots__ = ("dim",)

    def backward(self, g):
        y = self.saved_output()
        return (g - y.exp() * g.sum(self.dim, keepdim=True),)


def _prepare(x, dim, dtype, op):
    if dim is None:
        raise TypeError(f"{op}() missing required argument 'dim' (edutorch follows PyTorch's "
                        f"recommendation and does not guess it)")
    A = x._data
    if dtype is not None:
        A = A.astype(dt.to_dtype(dtype).np)
        if x._rg and state.enabled:
            x = x.to(dt.to_dtype(dtype))
    elif A.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor, got {x.dtype.name}")
    d = wrap_dim(dim, A.ndim, op) if A.ndim else wrap_dim(dim, 0, op) and None
    return x, A, d


def softmax(x, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``: every slice sums to 1."""
    x, A, d = _prepare(x, dim, dtype, "softmax")
    xp = xp_of(A)
    e = xp.exp(A - (A.max(axis=d, keepdims=True) if A.size else A))  # empty in, empty out
    e /= e.sum(axis=d, keepdims=True)
    out = wrap(e)
    if x._rg and state.enabled:
        node = SoftmaxBackward0((x,))
        node.dim = d if d is not None else 0
        node.save_output(out)
        attach(out, node)
    return out


def log_softmax(x, dim=None, dtype=None):
    """x - logsumexp(x) along ``dim`` (log-probabilities)."""
    x, A, d = _prepare(x, dim, dtype, "log_softmax")
    xp = xp_of(A)
    shifted = A - (A.max(axis=d, keepdims=True) if A.size else A)  # empty in, empty out
    out = wrap(shifted - xp.log(xp.exp(shifted).sum(axis=d, keepdims=True)))
    if x._rg and state.enabled:
        node = LogSoftmaxBackward0((x,))
        node.dim = d if d is not None else 0
        node.save_output(out)
        attach(out, node)
    return out


__all__ = ["softmax", "log_softmax"]
