"""Convolution as "im2col + one matrix product", and its two building blocks ``unfold``/``fold``.

A convolution slides a kernel over the input and, at every position, takes a dot product. Write
every window of the (padded) input as one column and the whole layer is a single matrix product:

    cols = unfold(x)                 # (N, C*kh*kw, L): one column per output position
    out  = weight.view(O, -1) @ cols # (N, O, L), then viewed as (N, O, out_h, out_w)

``unfold`` (im2col) is one differentiable primitive. Its forward pads, takes the zero-copy
strided view of every window (``backend.sliding_windows``) and copies it once into a contiguous
array. Its backward is ``fold`` (col2im): every column is added back where its window came from
(windows overlap, so positions receive several contributions), then the padding is cropped.
``fold`` in turn has ``unfold`` as its backward, so both are differentiable to any order, and so
is everything built from them with Tensor ops: conv, transposed conv (which *is* ``fold`` of a
matrix product) and pooling.

Internally the columns have shape (N, C, *kernel, *out): one axis per kernel offset and per output
position, for any number of spatial dims (1, 2 or 3). The public ``unfold`` shows the (N, C*k, L)
view PyTorch documents.
"""
from __future__ import annotations

import itertools
import math
from typing import Sequence

from ... import backend
from ..._ops.common import Node, Tensor, attach, needs, state, wrap, xp_of

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]


# ---------------------------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------------------------

def _tuple(value, n: int, name: str, op: str) -> tuple:
    """``3`` -> ``(3, 3)`` for n=2; a sequence must already have n ints."""
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            value = tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list "
                               f"of {n} values to match the convolution dimensions, but got "
                               f"{name}={list(value)}")
        return tuple(int(v) for v in value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a tuple of ints, got "
                        f"{type(value).__name__}")
    return (value,) * n


def _positive(values: tuple, name: str, op: str) -> None:
    if any(v <= 0 for v in values):
        raise RuntimeError(f"{op}: {name} should be greater than zero, but got {name}: "
                           f"{list(values)}")


def _same_pads(kernel, dilation) -> tuple:
    """padding='same' keeps the size (stride 1): total = d*(k-1), the odd one goes at the end."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _conv_pads(padding, kernel, dilation, stride, n, op) -> tuple:
    """``padding`` (int, tuple, 'valid' or 'same') as one (before, after) pair per spatial dim."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (got stride={list(stride)})")
            return _same_pads(kernel, dilation)
        raise ValueError(f"{op}: Invalid padding string '{padding}', should be one of "
                         f"'valid' or 'same'")
    p = _tuple(padding, n, "padding", op)
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: negative padding is not supported (got padding={list(p)})")
    return tuple((v, v) for v in p)


def _shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ---------------------------------------------------------------------------------------------
# raw array helpers (the backend arrays inside tensors; no autograd here)
# ---------------------------------------------------------------------------------------------

def _pad_array(A, pads, value=0.0):
    """``A`` with its last ``len(pads)`` dims padded by (before, after) ``value``s."""
    if not any(lo or hi for lo, hi in pads):
        return A
    xp = xp_of(A)
    n = len(pads)
    lead = A.shape[:A.ndim - n]
    shape = lead + tuple(s + lo + hi for s, (lo, hi) in zip(A.shape[A.ndim - n:], pads))
    # zeros comes from calloc: cheaper than filling when the value is 0
    out = xp.zeros(shape, A.dtype) if value == 0 else xp.full(shape, value, A.dtype)
    inner = tuple(slice(lo, lo + s) for s, (lo, _) in zip(A.shape[A.ndim - n:], pads))
    out[(Ellipsis,) + inner] = A
    return out


def _out_sizes(sizes, kernel, dilation, pads, stride) -> tuple:
    """Number of window positions along each spatial dim."""
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, d, (lo, hi), st in zip(sizes, kernel, dilation, pads, stride))


def _windows(P, kernel, dilation, stride):
    """Read-only view (N, C, *out, *kernel) of every window of the padded array ``P``.

    ``sliding_windows`` gives every window of the dilated span at stride 1; slicing with the
    stride (over positions) and the dilation (inside a window) keeps the ones we want. No copy.
    """
    n = len(kernel)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    V = backend.sliding_windows(P, span, tuple(range(P.ndim - n, P.ndim)))
    if any(s != 1 for s in stride) or any(d != 1 for d in dilation):
        V = V[(Ellipsis,) + tuple(slice(None, None, s) for s in stride)
              + tuple(slice(None, None, d) for d in dilation)]
    return V


def _im2col_array(A, kernel, dilation, pads, stride, value=0.0):
    """Contiguous columns (N, C, *kernel, *out) of ``A`` (N, C, *spatial): one copy."""
    xp = xp_of(A)
    n = len(kernel)
    V = _windows(_pad_array(A, pads, value), kernel, dilation, stride)
    lead = V.ndim - 2 * n
    order = tuple(range(lead)) + tuple(range(lead + n, lead + 2 * n)) + \
        tuple(range(lead, lead + n))
    return xp.ascontiguousarray(V.transpose(order))


def _col2im_array(cols, sizes, kernel, dilation, pads, stride):
    """The adjoint of ``_im2col_array``: add every column back into its window, crop padding.

    ``cols`` is (N, C, *kernel, *out); the result is (N, C, *sizes).
    """
    xp = xp_of(cols)
    n = len(kernel)
    lead_shape = cols.shape[:cols.ndim - 2 * n]
    outs = cols.shape[cols.ndim - n:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sizes, pads))
    if all(d == 1 and st >= k for k, d, st in zip(kernel, dilation, stride)):
        # Windows do not overlap (pooling's usual case): view the canvas as
        # (..., out, stride, ...) blocks and write every column into its block in one go.
        canvas_sizes = tuple(max(p, o * st) for p, o, st in zip(padded, outs, stride))
        canvas = xp.zeros(lead_shape + canvas_sizes, cols.dtype)
        blocks = canvas[(Ellipsis,) + tuple(slice(0, o * st) for o, st in zip(outs, stride))]
        blocks = blocks.reshape(lead_shape + tuple(v for o, st in zip(outs, stride)
                                                   for v in (o, st)))
        lead = len(lead_shape)
        # cols axes (lead, k1..kn, o1..on) -> (lead, o1, k1, o2, k2, ...)
        order = tuple(range(lead)) + tuple(a for i in range(n)
                                           for a in (lead + n + i, lead + i))
        key = (Ellipsis,) + tuple(sl for k in kernel for sl in (slice(None), slice(0, k)))
        blocks[key] = cols.transpose(order)
    else:
        # Overlapping windows: one strided add per kernel offset (k_h*k_w of them), each over
        # all images, channels and positions at once.
        canvas = xp.zeros(lead_shape + padded, cols.dtype)
        for offs in itertools.product(*(range(k) for k in kernel)):
            target = (Ellipsis,) + tuple(slice(i * d, i * d + st * (o - 1) + 1, st)
                                         for i, d, st, o in zip(offs, dilation, stride, outs))
            canvas[target] += cols[(Ellipsis,) + offs + (slice(None),) * n]
    crop = tuple(slice(lo, lo + s) for s, (lo, _) in zip(sizes, pads))
    out = canvas[(Ellipsis,) + crop]
    if out.shape != canvas.shape:
        out = xp.ascontiguousarray(out)
    return out


# ---------------------------------------------------------------------------------------------
# the two differentiable primitives
# ---------------------------------------------------------------------------------------------

class Im2ColBackward0(Node):
    """Backward of unfold: fold the column gradients back onto the input (col2im)."""
    __slots__ = ("geom",)

    def backward(self, g):
        return (_col2im(g, *self.geom),)


class Col2ImBackward0(Node):
    """Backward of fold: every column reads its window of the gradient (im2col)."""
    __slots__ = ("geom",)

    def backward(self, g):
        sizes, kernel, dilation, pads, stride = self.geom
        return (_im2col(g, kernel, dilation, pads, stride),)


def _im2col(x: Tensor, kernel, dilation, pads, stride) -> Tensor:
    """Columns (N, C, *kernel, *out) of ``x`` (N, C, *spatial), zero padded by ``pads``."""
    out = wrap(_im2col_array(x._data, kernel, dilation, pads, stride))
    if state.enabled and x._rg:
        node = Im2ColBackward0((x,))
        node.geom = (x._data.shape[x._data.ndim - len(kernel):], kernel, dilation, pads, stride)
        attach(out, node)
    return out


def _col2im(cols: Tensor, sizes, kernel, dilation, pads, stride) -> Tensor:
    """Sum of columns (N, C, *kernel, *out) back into an (N, C, *sizes) tensor."""
    out = wrap(_col2im_array(cols._data, sizes, kernel, dilation, pads, stride))
    if state.enabled and cols._rg:
        node = Col2ImBackward0((cols,))
        node.geom = (tuple(sizes), kernel, dilation, pads, stride)
        attach(out, node)
    return out


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: every (zero padded) ``kernel_size`` window of ``input`` as a column.

    input (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L), with L the number of
    window positions, ``L = prod((size + 2*padding - dilation*(k-1) - 1) // stride + 1)``.
    Column entries are ordered channel-major, then kernel row, then kernel column.
    """
    op = "unfold"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{op}: Input Error: Only 3D or 4D input Tensors are supported "
                           f"(got {input.dim()}D)")
    k = _tuple(kernel_size, 2, "kernel_size", op)
    d = _tuple(dilation, 2, "dilation", op)
    p = _tuple(padding, 2, "padding", op)
    s = _tuple(stride, 2, "stride", op)
    for name, v in (("kernel_size", k), ("dilation", d), ("stride", s)):
        _positive(v, name, op)
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    pads = tuple((v, v) for v in p)
    outs = _out_sizes(x.shape[2:], k, d, pads, s)
    if any(o <= 0 for o in outs):
        raise RuntimeError(f"{op}: Given input with spatial size {list(x.shape[2:])}, "
                           f"kernel_size={list(k)}, dilation={list(d)}, padding={list(p)}, "
                           f"calculated shape of the array of sliding blocks as {list(outs)}, "
                           f"but its components must be at least one.")
    cols = _im2col(x, k, d, pads, s)
    N, C = x.shape[:2]
    cols = cols.reshape(N, C * k[0] * k[1], outs[0] * outs[1])
    return cols if batched else cols.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im, the adjoint of ``unfold``: sums columns back into an image.

    input (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, *output_size) or (C, *output_size).
    Where windows overlap, their entries add up.
    """
    op = "fold"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{op}: Input Error: Only unbatched (2D) or batched (3D) input "
                           f"Tensors are supported (got {input.dim()}D)")
    size = _tuple(output_size, 2, "output_size", op)
    k = _tuple(kernel_size, 2, "kernel_size", op)
    d = _tuple(dilation, 2, "dilation", op)
    p = _tuple(padding, 2, "padding", op)
    s = _tuple(stride, 2, "stride", op)
    for name, v in (("kernel_size", k), ("dilation", d), ("stride", s)):
        _positive(v, name, op)
    batched = input.dim() == 3
    cols = input if batched else input.unsqueeze(0)
    N, CK, L = cols.shape
    if CK % (k[0] * k[1]):
        raise RuntimeError(f"{op}: Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={CK} and "
                           f"kernel_size={list(k)}")
    pads = tuple((v, v) for v in p)
    outs = _out_sizes(size, k, d, pads, s)
    if outs[0] * outs[1] != L:
        raise RuntimeError(f"{op}: Given output_size={list(size)}, kernel_size={list(k)}, "
                           f"dilation={list(d)}, padding={list(p)}, stride={list(s)}, expected "
                           f"size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {outs[0]} * {outs[1]} = {outs[0] * outs[1]}, but got "
                           f"input.size(2)={L}.")
    C = CK // (k[0] * k[1])
    out = _col2im(cols.reshape(N, C, k[0], k[1], outs[0], outs[1]), size, k, d, pads, s)
    return out if batched else out.squeeze(0)


# ---------------------------------------------------------------------------------------------
# convolution
# ---------------------------------------------------------------------------------------------

def _check_common(op, input, weight, bias, n):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: Expected {n + 1}D (unbatched) or {n + 2}D (batched) input "
                           f"to {op}, but got input of size: {_shape_str(input.shape)}")
    if weight.dim() != n + 2:
        raise RuntimeError(f"{op}: Expected {n + 2}-dimensional weight for {n + 2}-dimensional "
                           f"input {_shape_str(input.shape)}, but got {weight.dim()}-dimensional "
                           f"weight of size {_shape_str(weight.shape)} instead")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is None:
            continue
        if type(t._data) is not type(input._data) or (
                not backend.is_numpy(t._data) and t._data.device != input._data.device):
            raise RuntimeError(f"{op}: Input type ({input.device}) and {name} type ({t.device}) "
                               f"should be on the same device")
        if t._data.dtype != input._data.dtype:
            raise RuntimeError(f"{op}: Input type ({input.dtype.name}) and {name} type "
                               f"({t.dtype.name}) should be the same")
    if not input.is_floating_point():
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype.name}")


def _conv(op, n, input, weight, bias, stride, padding, dilation, groups):
    _check_common(op, input, weight, bias, n)
    stride = _tuple(stride, n, "stride", op)
    dilation = _tuple(dilation, n, "dilation", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (got groups={groups})")
    batched = input.dim() == n + 2
    x = input if batched else input.unsqueeze(0)
    O, Cg = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    N, C = x.shape[:2]
    if O % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"{_shape_str(weight.shape)} instead")
    if C != Cg * groups:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size "
                           f"{_shape_str(weight.shape)}, expected input{_shape_str(x.shape)} to "
                           f"have {Cg * groups} channels, but got {C} channels instead")
    if bias is not None and tuple(bias.shape) != (O,):
        raise RuntimeError(f"{op}: Given weight of size {_shape_str(weight.shape)}, expected "
                           f"bias to be 1-dimensional with {O} elements, but got bias of size "
                           f"{_shape_str(bias.shape)} instead")
    pads = _conv_pads(padding, kernel, dilation, stride, n, op)
    sizes = tuple(x.shape[2:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sizes, pads))
    if any(p < d * (k - 1) + 1 for p, k, d in zip(padded, kernel, dilation)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation))}"
                           f"). Kernel size can't be greater than actual input size")
    outs = _out_sizes(sizes, kernel, dilation, pads, stride)
    L = math.prod(outs)
    K = Cg * math.prod(kernel)
    # cols (N, C, *k, *out) viewed as (N, G, Cg*k, L); weight as (G, Og, Cg*k):
    # one (broadcast, batched) matrix product gives (N, G, Og, L).
    cols = _im2col(x, kernel, dilation, pads, stride)
    if groups == 1:
        out = weight.reshape(O, K).matmul(cols.reshape(N, K, L))
    else:
        out = weight.reshape(groups, O // groups, K).matmul(cols.reshape(N, groups, K, L))
    out = out.reshape((N, O) + outs)
    if bias is not None:
        out = out + bias.reshape((O,) + (1,) * n)
    return out if batched else out.squeeze(0)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as in PyTorch).

    input (N, C_in, L) or (C_in, L); weight (C_out, C_in/groups, k); bias (C_out,).
    ``out[n, o, i] = bias[o] + sum_{c, j} weight[o, c, j] * x_pad[n, g(o)*C_in/groups + c,
    i*stride + j*dilation]``. ``padding`` is an int, a 1-tuple, 'valid' or 'same'.
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch), by im2col and one matrix product.

    input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kh, kw); bias (C_out,).
    Output (N, C_out, H_out, W_out) with
    ``H_out = (H + pad_top + pad_bottom - dilation*(kh-1) - 1) // stride + 1`` and
    ``out[n, o, i, j] = bias[o] + sum_{c, a, b} weight[o, c, a, b] *
    x_pad[n, group(o) + c, i*s + a*d, j*s + b*d]``.
    ``padding``: int, pair, 'valid' (none) or 'same' (stride 1 only; an odd total puts the extra
    row/column at the end, as PyTorch does).
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-D convolution: as ``conv2d`` with one more spatial dim (N, C, D, H, W)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(op, n, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    _check_common(op, input, weight, bias, n)
    stride = _tuple(stride, n, "stride", op)
    dilation = _tuple(dilation, n, "dilation", op)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints for transposed "
                         f"convolution, got '{padding}'")
    pad = _tuple(padding, n, "padding", op)
    opad = _tuple(output_padding, n, "output_padding", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (got groups={groups})")
    for o, s, d in zip(opad, stride, dilation):
        if o < 0 or o >= max(s, d):
            raise RuntimeError(f"{op}: output padding must be smaller than either stride or "
                               f"dilation, but got output_padding={list(opad)}, "
                               f"stride={list(stride)}, dilation={list(dilation)}")
    batched = input.dim() == n + 2
    x = input if batched else input.unsqueeze(0)
    N, C = x.shape[:2]
    Cw, Og = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    if C != Cw or C % groups:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size "
                           f"{_shape_str(weight.shape)}, expected input{_shape_str(x.shape)} to "
                           f"have {Cw} channels (divisible by groups={groups}), but got {C} "
                           f"channels instead")
    O = Og * groups
    if bias is not None and tuple(bias.shape) != (O,):
        raise RuntimeError(f"{op}: Given transposed=1, weight of size "
                           f"{_shape_str(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{O} elements, but got bias of size {_shape_str(bias.shape)} instead")
    ins = tuple(x.shape[2:])
    sizes = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 + o
                  for i, s, p, d, k, o in zip(ins, stride, pad, dilation, kernel, opad))
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"{op}: Given input size per channel: {list(ins)}, calculated output "
                           f"size per channel: {list(sizes)}. Output size is too small")
    L = math.prod(ins)
    K = Og * math.prod(kernel)
    Cg = C // groups
    # The transposed convolution is the adjoint of conv's input gradient: columns
    # weight^T @ x (one product), then fold every column onto its window of the output.
    if groups == 1:
        cols = weight.reshape(C, K).mT.matmul(x.reshape(N, C, L))
    else:
        cols = weight.reshape(groups, Cg, K).mT.matmul(x.reshape(N, groups, Cg, L))
    cols = cols.reshape((N, O) + kernel + ins)
    out = _col2im(cols, sizes, kernel, dilation, tuple((p, p) for p in pad), stride)
    if bias is not None:
        out = out + bias.reshape((O,) + (1,) * n)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution: ``conv_transpose2d`` with one spatial dim."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution ("deconvolution"): the gradient of ``conv2d`` w.r.t. its input.

    input (N, C_in, H, W); weight (C_in, C_out/groups, kh, kw) (note: in-channels first);
    output (N, C_out, H_out, W_out) with
    ``H_out = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1``.
    Every input pixel spreads ``x * weight`` over a window of the output; overlaps add.
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution: ``conv_transpose2d`` with one more spatial dim."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)
