"""``repr`` of a tensor, in PyTorch's style: ``tensor([1.5000, 2.0000], requires_grad=True)``."""
from __future__ import annotations

from . import backend
from . import _dtype as dt


def _float_formatter(array):
    vals = backend.finite_values(array)
    if vals.size == 0:
        return lambda v: _special(v) or f"{v:.4f}"
    absmax = float(abs(vals).max())
    nonzero = abs(vals[vals != 0])
    absmin = float(nonzero.min()) if nonzero.size else 0.0
    if backend.is_integral(vals) and absmax < 1e8:
        width = max(len(f"{v:.0f}.") for v in vals.reshape(-1)[:1000])
        return lambda v: (_special(v) or f"{v:.0f}.").rjust(width)
    if absmax >= 1e8 or (absmin and absmin < 1e-4) or (absmin and absmax / absmin > 1e3 and
                                                       absmax >= 1e3):
        return lambda v: _special(v) or f"{v:.4e}"
    width = max(len(f"{v:.4f}") for v in vals.reshape(-1)[:1000])
    return lambda v: (_special(v) or f"{v:.4f}").rjust(width)


def _special(v):
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return None


def tensor_repr(t) -> str:
    a = t._data
    prefix = "tensor("
    kind = a.dtype.kind
    if a.size == 0:
        body = "[]"
    else:
        if kind == "f":
            fmt = _float_formatter(a)
            formatter = {"float_kind": fmt}
        elif kind == "b":
            formatter = {"bool": lambda v: "True" if v else "False"}
        else:
            formatter = {"int": lambda v: str(v)}
        body = backend.array_str(a, formatter, ", ", prefix)
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    default = {dt.get_default_dtype(), dt.int64, dt.bool_}
    if t.dtype not in default or a.size == 0 and t.dtype is not dt.get_default_dtype():
        extras.append(f"dtype=edutorch.{t.dtype.name}")
    if a.size == 0 and a.shape != (0,):
        extras.insert(0, f"size={tuple(a.shape)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        extras.append("requires_grad=True")
    return prefix + ", ".join([body] + extras) + ")"
