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
is everything built from them with Tensor ops: transposed conv (which *is* ``fold`` of a matrix
product), grouped conv, average pooling.

The plain convolution (groups = 1), the hot path of every CNN, is one Function of its own,
``Convolution`` (node ``ConvolutionBackward0``): its backward uses the forward's columns and
BLAS's faster operand order. Its formula is written once, with operations both arrays and
Tensors have, so with ``create_graph=True`` it is recorded and second derivatives work
everywhere.

Internally the columns are stored "batch last", as (C, *kernel, *out, N), for any number of
spatial dims (1, 2 or 3); see the comment above ``_to_batch_last`` for why. The public
``unfold`` returns the (N, C*k, L) layout PyTorch documents.
"""
from __future__ import annotations

import itertools
import math

from ... import backend
from ..._ops.common import Tensor, xp_of
from ..._ops.registry import builtin
from ...autograd.function import Function
from ...backend import memory

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
    """``A`` with its last ``len(pads)`` dims padded by (before, after) ``value``s.

    The result keeps ``A``'s memory order (``full_like(..., shape=)``), so a layout chosen
    upstream survives the padding.
    """
    if not any(lo or hi for lo, hi in pads):
        return A
    xp = xp_of(A)
    n = len(pads)
    lead = A.shape[:A.ndim - n]
    shape = lead + tuple(s + lo + hi for s, (lo, hi) in zip(A.shape[A.ndim - n:], pads))
    out = xp.full_like(A, value, shape=shape)
    inner = tuple(slice(lo, lo + s) for s, (lo, _) in zip(A.shape[A.ndim - n:], pads))
    out[(Ellipsis,) + inner] = A
    return out


def _out_sizes(sizes, kernel, dilation, pads, stride) -> tuple:
    """Number of window positions along each spatial dim."""
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, d, (lo, hi), st in zip(sizes, kernel, dilation, pads, stride))


def _windows(P, kernel, dilation, stride, axis0: int):
    """Read-only view of every window of ``P`` over the spatial axes ``axis0 .. axis0+n-1``.

    The window-position axes stay where the spatial axes were and the kernel axes are appended
    at the end. ``sliding_windows`` gives every window of the dilated span at stride 1; slicing
    with the stride (over positions) and the dilation (inside a window) keeps the ones we want.
    No copy.
    """
    n = len(kernel)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    V = backend.sliding_windows(P, span, tuple(range(axis0, axis0 + n)))
    if any(s != 1 for s in stride) or any(d != 1 for d in dilation):
        tail = P.ndim - axis0 - n
        V = V[(slice(None),) * axis0 + tuple(slice(None, None, s) for s in stride)
              + (slice(None),) * tail + tuple(slice(None, None, d) for d in dilation)]
    return V


# Column layout. The columns of an (N, C, *S) input are stored as one contiguous
# (C, *kernel, *out, N) array: "batch last", a (C*k, L*N) matrix. Then
#   - the convolution is ONE matrix product of that matrix with the (O, C*k) weight, with no
#     per-image loop, and the weight gradient needs no sum over images;
#   - copying windows in and adding columns back (col2im) move runs of out_w*N contiguous
#     numbers, not runs of out_w: NumPy's per-row overhead stays small.
# The layers after a convolution keep the memory order of its output (NumPy's elementwise ops
# and copy(order="K") do), which matters: an operation on two arrays whose axes are laid out
# differently runs several times slower than on two alike.

def _to_batch_last(A):
    """(N, C, *S) -> (C, *S, N) view."""
    return A.transpose(tuple(range(1, A.ndim)) + (0,))


def _from_batch_last(A):
    """(C, *S, N) -> (N, C, *S) view."""
    return A.transpose((A.ndim - 1,) + tuple(range(A.ndim - 1)))


def _im2col_array(A, kernel, dilation, pads, stride):
    """Contiguous columns (C, *kernel, *out, N) of ``A`` (N, C, *spatial), zero padded."""
    xp = xp_of(A)
    n = len(kernel)
    At = _to_batch_last(A)
    if any(lo or hi for lo, hi in pads):
        P = xp.zeros((At.shape[0],) + tuple(s + lo + hi for s, (lo, hi) in
                                            zip(At.shape[1:1 + n], pads)) + (At.shape[-1],),
                     A.dtype)
        P[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in
                                 zip(At.shape[1:1 + n], pads))] = At
    else:
        P = xp.ascontiguousarray(At)  # free when A already is batch-last in memory
    V = _windows(P, kernel, dilation, stride, 1)  # (C, *out, N, *kernel)
    order = (0,) + tuple(range(n + 2, 2 * n + 2)) + tuple(range(1, n + 2))
    cols = V.transpose(order)
    out = memory.scratch(cols.shape, A.dtype, xp)  # see backend/memory.py
    out[...] = cols  # the one copy
    return out


def _col2im_array(cols, sizes, kernel, dilation, pads, stride):
    """The adjoint of ``_im2col_array``: add every column back into its window, crop padding.

    ``cols`` is (C, *kernel, *out, N); the result is an (N, C, *sizes) view of a batch-last
    array.
    """
    xp = xp_of(cols)
    n = len(kernel)
    C, N = cols.shape[0], cols.shape[-1]
    outs = cols.shape[1 + n:1 + 2 * n]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(sizes, pads))
    every = slice(None)
    if all(d == 1 and st >= k for k, d, st in zip(kernel, dilation, stride)):
        # Windows do not overlap (pooling's usual case): view the canvas as
        # (C, out_1, stride_1, ..., N) blocks and write every column into its block in one go.
        canvas_sizes = tuple(max(p, o * st) for p, o, st in zip(padded, outs, stride))
        canvas = xp.zeros((C,) + canvas_sizes + (N,), cols.dtype)
        blocks = canvas[(every,) + tuple(slice(0, o * st) for o, st in zip(outs, stride))]
        blocks = blocks.reshape((C,) + tuple(v for o, st in zip(outs, stride) for v in (o, st))
                                + (N,))
        # cols axes (C, k1..kn, o1..on, N) -> (C, o1, k1, o2, k2, ..., N)
        order = (0,) + tuple(a for i in range(n) for a in (1 + n + i, 1 + i)) + (2 * n + 1,)
        key = (every,) + tuple(sl for k in kernel for sl in (every, slice(0, k)))
        blocks[key] = cols.transpose(order)
    else:
        # Overlapping windows: one strided add per kernel offset (k_h*k_w of them), each over
        # all channels, positions and images at once.
        canvas = xp.zeros((C,) + padded + (N,), cols.dtype)
        for offs in itertools.product(*(range(k) for k in kernel)):
            target = (every,) + tuple(slice(i * d, i * d + st * (o - 1) + 1, st)
                                      for i, d, st, o in zip(offs, dilation, stride, outs))
            canvas[target] += cols[(every,) + offs]
    if canvas.shape[1:1 + n] != tuple(sizes):
        canvas = canvas[(every,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(sizes, pads))]
    return _from_batch_last(canvas)


# ---------------------------------------------------------------------------------------------
# the two differentiable primitives: each is the other's backward
# ---------------------------------------------------------------------------------------------

@builtin("im2col", backward_name="Im2ColBackward0")
class Im2Col(Function):
    """Columns (C, *kernel, *out, N) of x (N, C, *spatial); its backward is col2im."""

    @staticmethod
    def forward(ctx, x, kernel, dilation, pads, stride):
        ctx.geom = (x.shape[x.ndim - len(kernel):], kernel, dilation, pads, stride)
        return _im2col_array(x, kernel, dilation, pads, stride)

    @staticmethod
    def backward(ctx, grad):
        return _col2im(grad, *ctx.geom)


@builtin("col2im", backward_name="Col2ImBackward0")
class Col2Im(Function):
    """Columns (C, *kernel, *out, N) summed back into (N, C, *sizes); its backward is
    im2col: every column reads its window of the gradient."""

    @staticmethod
    def forward(ctx, cols, sizes, kernel, dilation, pads, stride):
        ctx.geom = (kernel, dilation, pads, stride)
        return _col2im_array(cols, sizes, kernel, dilation, pads, stride)

    @staticmethod
    def backward(ctx, grad):
        return _im2col(grad, *ctx.geom)


def _im2col(x, kernel, dilation, pads, stride):
    """Columns (C, *kernel, *out, N) of ``x`` (N, C, *spatial), zero padded by ``pads``: of a
    Tensor (recorded, differentiable), or of an array (inside a backward)."""
    if isinstance(x, Tensor):
        return Im2Col.apply(x, kernel=kernel, dilation=dilation, pads=pads, stride=stride)
    return _im2col_array(x, kernel, dilation, pads, stride)


def _col2im(cols, sizes, kernel, dilation, pads, stride):
    """Sum of columns (C, *kernel, *out, N) back into an (N, C, *sizes) Tensor or array."""
    if isinstance(cols, Tensor):
        return Col2Im.apply(cols, sizes=tuple(sizes), kernel=kernel, dilation=dilation,
                            pads=pads, stride=stride)
    return _col2im_array(cols, sizes, kernel, dilation, pads, stride)


def _window_args(kernel_size, dilation, padding, stride, op: str) -> tuple:
    """unfold/fold's window arguments as 2-tuples (kernel, dilation, stride must be > 0)."""
    k = _tuple(kernel_size, 2, "kernel_size", op)
    d = _tuple(dilation, 2, "dilation", op)
    p = _tuple(padding, 2, "padding", op)
    s = _tuple(stride, 2, "stride", op)
    for name, v in (("kernel_size", k), ("dilation", d), ("stride", s)):
        _positive(v, name, op)
    return k, d, p, s


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
    k, d, p, s = _window_args(kernel_size, dilation, padding, stride, op)
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    pads = tuple((v, v) for v in p)
    outs = _out_sizes(x.shape[2:], k, d, pads, s)
    if any(o <= 0 for o in outs):
        raise RuntimeError(f"{op}: Given input with spatial size {list(x.shape[2:])}, "
                           f"kernel_size={list(k)}, dilation={list(d)}, padding={list(p)}, "
                           f"calculated shape of the array of sliding blocks as {list(outs)}, "
                           f"but its components must be at least one.")
    cols = _im2col(x, k, d, pads, s)  # (C, kh, kw, oh, ow, N)
    N, C = x.shape[:2]
    cols = cols.permute(5, 0, 1, 2, 3, 4).reshape(N, C * k[0] * k[1], outs[0] * outs[1])
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
    k, d, p, s = _window_args(kernel_size, dilation, padding, stride, op)
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
    cols = cols.reshape(N, C, k[0], k[1], outs[0], outs[1]).permute(1, 2, 3, 4, 5, 0)
    out = _col2im(cols, size, k, d, pads, s)
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
    if groups == 1:
        out = _convolution(x, weight, bias, kernel, dilation, pads, stride)
    else:
        # cols (C, *k, *out, N) viewed per group as (G, Cg*k, L*N); one batched matrix product
        # with the weight (G, Og, Cg*k), composed of Tensor ops
        cols = _im2col(x, kernel, dilation, pads, stride)
        out = cols.reshape(groups, K, L * N).mT.matmul(weight.reshape(groups, O // groups, K).mT)
        out = out.permute(1, 0, 2).reshape(L * N, O)  # (L*N, G, Og) -> (L*N, O)
        if bias is not None:
            out = out + bias
        out = out.reshape(outs + (N, O)).permute((n, n + 1) + tuple(range(n)))
    return out if batched else out.squeeze(0)


@builtin("convolution", backward_name="ConvolutionBackward0")
class Convolution(Function):
    """groups=1 convolution of x (N, C, *S): im2col, then ONE matrix product.

    The columns (C*k, L*N) (batch last, see above) give out^T = cols^T @ weight^T, an
    (L*N, O) = (*out, N, O) array, which is the (N, O, *out) result with its axes moved (a
    view, no copy; the layers after it keep that memory order). BLAS is faster on these skinny
    products when the long side makes the rows of the result.

    Backward, with g the output's gradient laid out as (L*N, O):

        d weight = (cols @ g)^T,   d bias = sum of g over positions and images,
        d x = col2im(weight^T g)   (the column gradients folded back onto the input)

    The forward's columns are kept (one copy of the windows), not recomputed, except when the
    backward is itself recorded (``create_graph=True``): then they are taken again from x, so
    that second derivatives reach x.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, *, dilation, pads, stride):
        n = weight.ndim - 2
        kernel = weight.shape[2:]
        cols = _im2col_array(x, kernel, dilation, pads, stride)
        O, K = weight.shape[0], math.prod(weight.shape[1:])
        N, outs = x.shape[0], cols.shape[1 + n:1 + 2 * n]
        out = cols.reshape(K, -1).T @ weight.reshape(O, K).T  # (L*N, O), a fresh array
        if bias is not None:
            out += bias  # in place: no second array
        ctx.geom = (x.shape[2:], kernel, dilation, pads, stride)
        ctx.save_for_backward(x, weight, cols)
        return out.reshape(outs + (N, O)).transpose((n, n + 1) + tuple(range(n)))

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        sizes, kernel, dilation, pads, stride = ctx.geom
        need_x, need_w, *need_b = ctx.needs_input_grad
        n = len(kernel)
        O, K = weight.shape[0], math.prod(weight.shape[1:])
        if isinstance(grad, Tensor):  # recorded: columns that depend on x
            cols = _im2col(x, kernel, dilation, pads, stride)
        # (N, O, *out) -> (*out, N, O) -> (L*N, O): the layout the forward produced, so usually
        # no copy
        g = _permute(grad, tuple(range(2, n + 2)) + (0, 1)).reshape(-1, O)
        gx = gw = gb = None
        if need_x:
            # (K, L*N) = weight^T (K, O) @ g^T (O, L*N): contiguous columns for col2im
            dcols = (weight.reshape(O, K).T @ g.T).reshape(cols.shape)
            gx = _col2im(dcols, sizes, kernel, dilation, pads, stride)
        if need_w:
            # (cols @ g)^T: BLAS is twice as fast this way round than g^T @ cols^T
            gw = _contiguous((cols.reshape(K, -1) @ g).T).reshape(weight.shape)
        if need_b and need_b[0]:
            gb = _column_sums(g)
        return gx, gw, gb


# NumPy and Tensors spell three things differently; these helpers take either.

def _permute(a, order):
    """Axes reordered: NumPy's ``transpose(order)``, PyTorch's ``permute(order)``."""
    return a.permute(order) if isinstance(a, Tensor) else a.transpose(order)


def _contiguous(a):
    return a.contiguous() if isinstance(a, Tensor) else xp_of(a).ascontiguousarray(a)


def _column_sums(a):
    """Sum over the rows of a tall (M, O) matrix. On arrays a matrix-vector product: NumPy's
    sum over axis 0 of a tall array is slow."""
    if isinstance(a, Tensor):
        return a.sum(0)
    return xp_of(a).ones(a.shape[0], a.dtype) @ a


def _convolution(x, weight, bias, kernel, dilation, pads, stride):
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Convolution.apply(*inputs, dilation=dilation, pads=pads, stride=stride)


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
    # x as (C, L*N) (batch last, as the columns are): one copy unless already laid out so
    xt = x.permute(tuple(range(1, n + 2)) + (0,))
    if groups == 1:
        cols = weight.reshape(C, K).mT.matmul(xt.reshape(C, L * N))
    else:
        cols = weight.reshape(groups, Cg, K).mT.matmul(xt.reshape(groups, Cg, L * N))
    cols = cols.reshape((O,) + kernel + ins + (N,))
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
