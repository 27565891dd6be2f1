"""``repr`` of a tensor, in PyTorch's style: ``tensor([1.5000, 2.0000], requires_grad=True)``.

The rules PyTorch's printer follows (and so this one):

- one format for the whole tensor, chosen from its finite non-zero values: whole numbers print
  as ``3.``; others with 4 decimals; scientific notation (``1.0000e-05``) when the largest is
  more than 1000 times the smallest, above 1e8, or (for non-whole numbers) below 1e-4;
- every element is padded to the widest one, and rows wrap at 80 characters;
- above 1000 elements only the first and last 3 of each dimension are shown, around ``...``;
- the suffixes (``dtype=``, ``grad_fn=``, ...) follow the values, on a new line if they would
  pass 80 characters.
"""
from __future__ import annotations

import math

from . import _dtype as dt
from . import backend

PRECISION = 4     # digits after the decimal point
THRESHOLD = 1000  # more elements than this are summarized
EDGEITEMS = 3     # elements kept at each end of a summarized dimension
LINEWIDTH = 80


class _Format:
    """How each element of one tensor is written: the shared width and notation."""

    def __init__(self, values: list, floating: bool):
        self.floating = floating
        self.whole = True   # every finite value is a whole number: print "3."
        self.sci = False    # scientific notation
        self.width = 1
        if not floating:
            self.width = max((len(str(v)) for v in values), default=1)
            return
        finite = [v for v in values if math.isfinite(v) and v != 0]
        if not finite:
            return
        mags = [abs(v) for v in finite]
        lo, hi = min(mags), max(mags)
        self.whole = all(v == math.ceil(v) for v in finite)
        spread = hi / lo > 1000.0 or hi > 1.0e8
        self.sci = spread if self.whole else (spread or lo < 1.0e-4)
        if self.sci:
            self.width = max(len(f"{v:.{PRECISION}e}") for v in finite)
        elif self.whole:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite)  # + 1 for the "."
        else:
            self.width = max(len(f"{v:.{PRECISION}f}") for v in finite)

    def __call__(self, v) -> str:
        if not self.floating:
            s = str(v)
        elif self.sci:
            s = f"{v:.{PRECISION}e}"
        elif self.whole:
            s = f"{v:.0f}" + ("." if math.isfinite(v) else "")
        else:
            s = f"{v:.{PRECISION}f}"
        return s.rjust(self.width)


def _shown_values(a, summarize: bool) -> list:
    """The values that will be printed (only the edges when summarizing), flattened."""
    if a.ndim == 0:
        return [a.item()]
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = [a[i] for i in range(EDGEITEMS)] + [a[i] for i in range(n - EDGEITEMS, n)]
    else:
        rows = [a[i] for i in range(n)]
    if a.ndim == 1:
        return [r.item() for r in rows]
    out = []
    for r in rows:
        out.extend(_shown_values(r, summarize))
    return out


def _vector(a, indent: int, summarize: bool, fmt: _Format) -> str:
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        items = [fmt(v) for v in a[:EDGEITEMS].tolist()] + [" ..."] + \
                [fmt(v) for v in a[n - EDGEITEMS:].tolist()]
    else:
        items = [fmt(v) for v in a.tolist()]
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))  # ", " after each element
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a, indent: int, summarize: bool, fmt: _Format) -> str:
    if a.ndim == 0:
        return fmt(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + \
                ["..."] + [_nested(a[i], indent + 1, summarize, fmt)
                           for i in range(n - EDGEITEMS, n)]
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(n)]
    # blank lines between the blocks of a 3-D (or higher) tensor, as PyTorch prints them
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text: str, suffixes: list, indent: int) -> str:
    out = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if line_len + len(s) + 2 > LINEWIDTH:
            out.append(",\n" + " " * indent + s)
            line_len = indent + len(s)
        else:
            out.append(", " + s)
            line_len += len(s) + 2
    return "".join(out) + ")"


def tensor_repr(t) -> str:
    a = backend.to_numpy(t._data)  # printing always happens on the host
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if t.dtype is not dt.get_default_dtype():
            suffixes.append(f"dtype=edutorch.{t.dtype.name}")
    else:
        summarize = a.size > THRESHOLD
        fmt = _Format(_shown_values(a, summarize), backend.is_floating(a.dtype))
        body = _nested(a, indent, summarize, fmt)
        if t.dtype not in (dt.get_default_dtype(), dt.int64, dt.bool_):
            suffixes.append(f"dtype=edutorch.{t.dtype.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
