"""Pooling: the max or the mean of every window, over 1, 2 or 3 spatial dims.

Pooling shares convolution's machinery (``conv.py``): pad, take the windows as a strided view,
and send gradients back with col2im (``fold``).

- Average pooling is composed of Tensor ops: ``unfold`` (im2col), a sum over the kernel axes,
  a division by the window sizes. Its gradient is therefore ``fold`` of the spread gradient,
  and differentiable again.
- Max pooling is one Function of its own, because it is on every CNN's hot path: the forward
  walks the k_h*k_w kernel offsets (each step one vectorised comparison over all windows at
  once) and keeps the winning offset; the backward routes each gradient to its window's
  winner.

Output size along a dim (size S, kernel k, stride s, padding p, dilation d):
``floor((S + 2p - d*(k-1) - 1) / s) + 1``; ``ceil_mode=True`` rounds up instead, except that a
last window starting in the right padding is dropped.
"""
from __future__ import annotations

import itertools
import math

from ..._ops.common import Tensor, wrap, xp_of
from ..._ops.registry import builtin
from ...autograd.function import Function
from .conv import _col2im, _im2col, _pad_array, _positive, _shape_str, _tuple

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices"]


# ---------------------------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------------------------

def _geometry(op, x, n, kernel_size, stride, padding, dilation, ceil_mode, is_max):
    """(kernel, stride, dilation, pads, outs, batched) for a pooling call, validated."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: Expected {n + 1}D or {n + 2}D input tensor, but got "
                           f"{x.dim()}D input of size {_shape_str(x.shape)}")
    kernel = _tuple(kernel_size, n, "kernel_size", op)
    # stride=None (or an empty list) means "the kernel size", as in PyTorch
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel
    stride = _tuple(stride, n, "stride", op)
    pad = _tuple(padding, n, "padding", op)
    dilation = _tuple(dilation, n, "dilation", op)
    _positive(kernel, "kernel_size", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    for p, k, d in zip(pad, kernel, dilation):
        if p < 0 or (is_max and p > (d * (k - 1) + 1) // 2):
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, "
                               f"but got pad={p}, kernel_size={k} and dilation={d}")
        if not is_max and p > k // 2:
            raise RuntimeError(f"{op}: pad should be at most half of kernel size, but got "
                               f"pad={p} and kernel_size={k}")
    # max pooling checks the kernel itself too, whatever the dilation (as PyTorch)
    if is_max and any(p > k // 2 for p, k in zip(pad, kernel)):
        raise RuntimeError(f"{op}: pad should be smaller than or equal to half of kernel size, "
                           f"but got padding={list(pad)} and kernel_size={list(kernel)}")
    sizes = tuple(x.shape[x.dim() - n:])
    outs, pads = [], []
    for S, k, s, p, d in zip(sizes, kernel, stride, pad, dilation):
        span = d * (k - 1) + 1
        if ceil_mode:
            o = -(-(S + 2 * p - span) // s) + 1
            if (o - 1) * s >= S + p:  # the last window would start inside the right padding
                o -= 1
        else:
            o = (S + 2 * p - span) // s + 1
        outs.append(o)
        # ceil_mode may need more room on the right than the padding gives
        pads.append((p, max(p, (o - 1) * s + span - S - p)))
    if any(o <= 0 for o in outs):
        raise RuntimeError(f"{op}: Given input size: ({'x'.join(map(str, x.shape[-n - 1:]))}). "
                           f"Calculated output size: "
                           f"({'x'.join(map(str, [x.shape[-n - 1]] + outs))}). "
                           f"Output size is too small")
    return kernel, stride, dilation, tuple(pads), tuple(outs), x.dim() == n + 2


def _offset_views(P, kernel, dilation, stride, outs):
    """(flat offset number, strided view) for every kernel offset: the value each window holds
    at that offset, as an (N, C, *outs) view of the padded array ``P``."""
    for k, offs in enumerate(itertools.product(*(range(q) for q in kernel))):
        key = (Ellipsis,) + tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                                  for i, d, s, o in zip(offs, dilation, stride, outs))
        yield k, P[key]


# ---------------------------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------------------------

@builtin("max_pool", backward_name="MaxPoolBackward0")
class MaxPool(Function):
    """The max of every window; each window's gradient goes to the one element that won (the
    first maximum).

    The forward walks the kernel offsets; each step compares all windows at once. The running
    maximum and the winning offset keep the input's memory order ('K'). The winners are only
    tracked when a backward or the indices need them.
    """

    @staticmethod
    def forward(ctx, x, kernel, stride, dilation, pads, outs, return_indices):
        xp = xp_of(x)
        # windows hanging over the edge see -inf, which never wins
        fill = -math.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        P = _pad_array(x, pads, fill)
        track = return_indices or bool(ctx.needs_input_grad)  # () when nothing is recorded
        best = idx = None
        for k, v in _offset_views(P, kernel, dilation, stride, outs):
            if best is None:
                best = v.copy(order="K")
                if track:
                    idx = xp.zeros_like(best, dtype="int8" if math.prod(kernel) < 128
                                        else "int64")
                continue
            if track:
                better = v > best  # strictly greater: ties keep the first maximum, as PyTorch
                idx += better * (k - idx)  # = where(better, k, idx), several times faster
            xp.maximum(best, v, out=best)  # maximum propagates NaN
        if track and x.dtype.kind == "f":
            if (best != best).any():  # a NaN wins its window: point at it (the last one, as
                for k, v in _offset_views(P, kernel, dilation, stride, outs):  # PyTorch's scan)
                    idx = xp.where(v != v, xp.asarray(k, idx.dtype), idx)
        ctx.geom = (x.shape[2:], kernel, dilation, pads, stride)
        ctx.argmax = idx  # (N, C, *outs): the winning kernel offset of each window
        if not return_indices:
            return xp.ascontiguousarray(best)  # PyTorch's pooled output is contiguous
        ctx.set_materialize_grads(False)  # the indices get no gradient
        return xp.ascontiguousarray(best), _flat_indices(xp, idx, x.shape[2:], kernel, dilation, pads, stride, outs)

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        return _to_winners(grad, ctx.argmax, *ctx.geom)


def _flat_indices(xp, idx, sizes, kernel, dilation, pads, stride, outs):
    """Each winner's flat index into the (unpadded) input plane: sum_i coord_i * stride_i."""
    n = len(kernel)
    coords = xp.unravel_index(idx.astype("int64"), kernel)
    flat = xp.zeros(idx.shape, "int64")
    for i in range(n):
        pos = xp.arange(outs[i]).reshape((-1,) + (1,) * (n - 1 - i)) * stride[i] - pads[i][0]
        c = pos + coords[i] * dilation[i]
        flat = flat * sizes[i] + c
    return flat


def _to_winners(g, idx, sizes, kernel, dilation, pads, stride):
    """Max pooling's backward: every window's gradient ``g`` (N, C, *outs) sent to the input
    element that won it (``idx``, the winning kernel offset), summed where windows overlap."""
    xp = xp_of(idx)
    n = len(kernel)
    if isinstance(g, Tensor):
        # recorded (create_graph=True): one-hot columns times g, folded back (col2im), all
        # differentiable Tensor ops
        kk = math.prod(kernel)
        offsets = xp.arange(kk).reshape((1, 1, kk) + (1,) * n)
        onehot = wrap((offsets == idx[:, :, None]).astype(g._data.dtype))
        cols = (onehot * g.unsqueeze(2)).reshape(idx.shape[:2] + kernel + idx.shape[2:])
        # (N, C, *kernel, *outs) -> the batch-last column layout (C, *kernel, *outs, N)
        cols = cols.permute(tuple(range(1, 2 * n + 2)) + (0,))
        return _col2im(cols, sizes, kernel, dilation, pads, stride)
    # Arrays: one pass per kernel offset, in place. Work in the forward's memory order (that of
    # ``idx``): NumPy is many times slower on operands whose axes are laid out differently.
    # One copy of g gives that.
    G = xp.empty_like(idx, dtype=g.dtype)
    G[...] = g
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sizes, pads))
    canvas = xp.zeros_like(idx, dtype=G.dtype, shape=idx.shape[:2] + padded)
    overlap = not all(d == 1 and s >= k for k, d, s in zip(kernel, dilation, stride))
    # g * (idx == k) is exact unless g holds inf/NaN (inf * 0 = NaN would leak into the
    # losers); then the slower where()
    finite = bool(xp.isfinite(G).all())
    zero = G.dtype.type(0)
    for k, view in _offset_views(canvas, kernel, dilation, stride, G.shape[2:]):
        won = idx == k
        if not finite:
            part = xp.where(won, G, zero)
            if overlap:
                view += part
            else:
                view[...] = part
        elif overlap:
            view += G * won
        else:  # disjoint windows: every canvas element gets at most one value
            xp.multiply(G, won, out=view)
    if padded != tuple(sizes):
        canvas = canvas[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sizes, pads))]
    return canvas


def _max_pool(op, n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    kernel, stride, dilation, pads, outs, batched = _geometry(
        op, input, n, kernel_size, stride, padding, dilation, ceil_mode, True)
    x = input if batched else input.unsqueeze(0)
    out = MaxPool.apply(x, kernel=kernel, stride=stride, dilation=dilation, pads=pads,
                        outs=outs, return_indices=return_indices)
    if not return_indices:
        return out if batched else out.squeeze(0)
    out, indices = out
    return (out, indices) if batched else (out.squeeze(0), indices.squeeze(0))


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling: input (N, C, L) or (C, L); the largest value of every window."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling: input (N, C, H, W) or (C, H, W) -> the max of every window.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf. With ``return_indices``
    also returns, for each output, the flat index ``h*W + w`` of the input element that won.
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """3-D max pooling over (D, H, W)."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---------------------------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------------------------

def _divisor(xp, sizes, kernel, stride, pads, outs, count_include_pad, dtype):
    """How many elements each window averages: (*outs) array.

    A window is clipped to the padded input (so ceil_mode's extra room never counts); without
    ``count_include_pad`` it is clipped to the input itself.
    """
    div = None
    for i, (S, k, s, (p, _), o) in enumerate(zip(sizes, kernel, stride, pads, outs)):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, S + p)
        if count_include_pad:
            count = end - start
        else:
            count = xp.minimum(end, S) - xp.maximum(start, 0)
        count = count.reshape((-1,) + (1,) * (len(outs) - 1 - i))
        div = count if div is None else div * count
    return div.astype(dtype)


def _avg_pool(op, n, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    kernel, stride, dilation, pads, outs, batched = _geometry(
        op, input, n, kernel_size, stride, padding, 1, ceil_mode, False)
    if not input.is_floating_point():
        raise RuntimeError(f"{op}: \"avg_pool\" not implemented for '{input.dtype.name}'")
    x = input if batched else input.unsqueeze(0)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    # im2col, then sum over the kernel axes: (C, *kernel, *outs, N) -> (N, C, *outs)
    cols = _im2col(x, kernel, dilation, pads, stride)
    total = cols.sum(dim=tuple(range(1, 1 + n))).permute((n + 1,) + tuple(range(n + 1)))
    total = total.contiguous()  # PyTorch's pooled output is contiguous (so ``.view`` works)
    xp = xp_of(x._data)
    if divisor_override is not None:
        out = total / divisor_override
    else:
        div = _divisor(xp, x.shape[2:], kernel, stride, pads, outs, count_include_pad,
                       x._data.dtype)
        out = total / wrap(div)
    return out if batched else out.squeeze(0)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling: input (N, C, L) or (C, L)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling: the mean of every window of (N, C, H, W) or (C, H, W).

    Padding adds zeros; ``count_include_pad=False`` divides by the number of real elements
    only; ``divisor_override`` replaces the divisor.
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling over (D, H, W)."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ---------------------------------------------------------------------------------------------
# adaptive pooling: the output size is given, the windows follow
# ---------------------------------------------------------------------------------------------
# Output cell i of n covers input rows [floor(i*S/n), ceil((i+1)*S/n)): windows of (nearly)
# equal size that may overlap by one.

def _bins(S: int, n: int):
    return [(i * S) // n for i in range(n)], [-((-(i + 1) * S) // n) for i in range(n)]


def _adaptive_sizes(op, x, output_size, n):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: Expected {n + 1}D or {n + 2}D tensor, but got {x.dim()}D "
                           f"input of size {_shape_str(x.shape)}")
    if isinstance(output_size, int):
        output_size = (output_size,) * n
    output_size = tuple(output_size)
    if len(output_size) != n:
        raise ValueError(f"{op}: output_size must have {n} elements, got {list(output_size)}")
    sizes = tuple(x.shape[x.dim() - n:])
    # None keeps the input's size along that dim
    outs = tuple(s if o is None else int(o) for s, o in zip(sizes, output_size))
    if any(o <= 0 for o in outs):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 1 "
                           f"but received {list(outs)}")
    for s in sizes:
        if s == 0:
            raise RuntimeError(f"{op}: expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_shape_str(x.shape)}")
    return sizes, outs


def _pool_matrix(xp, S, n, dtype):
    """(n, S) matrix whose row i averages input bin i."""
    starts, ends = _bins(S, n)
    cols = xp.arange(S)
    st, en = xp.asarray(starts)[:, None], xp.asarray(ends)[:, None]
    inside = (cols >= st) & (cols < en)
    return (inside / (en - st)).astype(dtype)


def _adaptive_avg(op, input, output_size, n):
    sizes, outs = _adaptive_sizes(op, input, output_size, n)
    x = input
    if all(s % o == 0 for s, o in zip(sizes, outs)):
        # equal, disjoint bins: a reshape splits every dim into (out, bin) and we average bins
        lead = tuple(x.shape[:x.dim() - n])
        shape = lead + tuple(v for s, o in zip(sizes, outs) for v in (o, s // o))
        dims = tuple(len(lead) + 2 * i + 1 for i in range(n))
        return x.reshape(shape).mean(dim=dims)
    # unequal bins: one small averaging matrix per dim, applied with a matrix product
    xp = xp_of(x._data)
    for i in range(n):
        dim = x.dim() - n + i
        M = wrap(_pool_matrix(xp, sizes[i], outs[i], x._data.dtype))
        x = x.movedim(dim, -1).matmul(M.mT).movedim(-1, dim)
    return x


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average over ``output_size`` (nearly) equal bins of the last dim:
    (N, C, L) -> (N, C, output_size)."""
    return _adaptive_avg("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a given (out_h, out_w): (N, C, H, W) -> (N, C, out_h, out_w).

    Cell (i, j) averages rows [floor(i*H/out_h), ceil((i+1)*H/out_h)) and the matching columns.
    ``output_size`` is an int, a pair, or a pair with None (keep that size).
    """
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2)


def _adaptive_max(op, input, output_size, n, return_indices):
    sizes, outs = _adaptive_sizes(op, input, output_size, n)
    x = input
    xp = xp_of(x._data)
    lead = x.dim() - n
    # Max is separable: the max over a rectangle is the max over its rows of the max over its
    # columns. Along each dim, gather every bin padded to the longest bin (repeating its last
    # element, which cannot change a max) and take the max over the bin axis.
    winners = []  # (dim, input coordinate of each winner, after pooling dims >= dim)
    for i in reversed(range(n)):
        dim = lead + i
        starts, ends = _bins(sizes[i], outs[i])
        width = max(e - s for s, e in zip(starts, ends))
        st = xp.asarray(starts)[:, None]
        idx = xp.minimum(st + xp.arange(width), xp.asarray(ends)[:, None] - 1)  # (out, width)
        gathered = x.index_select(dim, wrap(idx.reshape(-1).astype("int64")))
        shape = list(gathered.shape)
        shape[dim:dim + 1] = [outs[i], width]
        vals, arg = gathered.reshape(shape).max(dim=dim + 1)
        # arg is the position inside the bin; the input coordinate is start + arg
        pos = arg._data + xp.asarray(starts).reshape((-1,) + (1,) * (x.dim() - 1 - dim))
        winners.append((dim, pos))
        x = vals
    if not return_indices:
        return x
    # The coordinate along dim j was recorded while the dims before j were still unpooled;
    # follow the winners of those dims (j-1 down to the first) to index it.
    coords = dict(winners)
    flat = None
    for i in range(n):
        p = coords[lead + i]
        for d in range(lead + i - 1, lead - 1, -1):
            p = xp.take_along_axis(p, coords[d], axis=d)
        flat = p if flat is None else flat * sizes[i] + p
    return x, wrap(flat.astype("int64"))


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over ``output_size`` (nearly) equal bins of the last dim."""
    return _adaptive_max("adaptive_max_pool1d", input, output_size, 1, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a given (out_h, out_w), bins as in ``adaptive_avg_pool2d``."""
    return _adaptive_max("adaptive_max_pool2d", input, output_size, 2, return_indices)
