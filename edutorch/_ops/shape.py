"""Shape ops: reshape, permute, squeeze, expand, cat, split, ...

Most of them return *views*: the result shares memory with the input (NumPy strides do the
work, nothing is copied) and shares its version counter, so an in-place change to one is seen by
the other and by autograd. Their backward only rearranges the gradient back.
"""
from __future__ import annotations

from .. import _dtype as dt
from .. import backend
from ..autograd.function import Function
from .common import Tensor, check_devices, wrap_dim, xp_of
from .registry import builtin, op


def _sizes(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if not isinstance(s, int) and not hasattr(s, "__index__"):
            raise TypeError(f"expected a sequence of ints as the size, got {type(s).__name__}")
    return tuple(int(s) for s in args)


def _infer_shape(shape, numel, op):
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


@builtin("reshape", backward_name="ViewBackward0")
class View(Function):
    """Same elements, new shape; the gradient is reshaped back."""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=(), copy_ok=True, name="view"):
        ctx.shape = x.shape
        if copy_ok:
            return x.view() if x.shape == shape else x.reshape(shape)
        try:
            return backend.reshape_view(x, shape)
        except (ValueError, AttributeError):
            raise RuntimeError(f"view size is not compatible with input tensor's size and stride "
                               f"(shape {list(x.shape)} to {list(shape)}: at least one dimension "
                               f"spans across two contiguous subspaces). Use .reshape(...) "
                               f"instead.") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class ReshapeCopy(View):
    """``reshape`` that had to copy (the memory layout allowed no view)."""


builtin("reshape", backward_name="ReshapeAliasBackward0")(ReshapeCopy)


@op("reshape")
def reshape(input, *sizes, shape=None):
    """Same elements, new shape (a view when the memory layout allows, else a copy)."""
    shape = _infer_shape(_sizes(sizes if shape is None else (shape,)), input._data.size,
                         "reshape")
    A = input._data
    fits = A.shape == shape or A.flags.c_contiguous
    return (View if fits else ReshapeCopy).apply(input, shape=shape)


@op("view", function=False)
def view(input, *sizes, size=None):
    """``reshape`` that never copies: fails when the memory layout does not allow a view."""
    if len(sizes) == 1 and isinstance(sizes[0], dt.dtype):
        raise NotImplementedError("view(dtype) is not supported by edutorch")
    shape = _infer_shape(_sizes(sizes if size is None else (size,)), input._data.size, "view")
    return View.apply(input, shape=shape, copy_ok=False)


@op("view_as", function=False)
def view_as(x, other):
    return view(x, other._data.shape)


@op("reshape_as", function=False)
def reshape_as(x, other):
    return reshape(x, other._data.shape)


@op("flatten")
def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one."""
    nd = x._data.ndim
    if nd == 0:
        return reshape(x, 1)
    s, e = wrap_dim(start_dim, nd, "flatten"), wrap_dim(end_dim, nd, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shp = x._data.shape
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(x, shp[:s] + (n,) + shp[e + 1:])


@op("unflatten")
def unflatten(x, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one entry may be -1)."""
    d = wrap_dim(dim, x._data.ndim, "unflatten")
    shp = x._data.shape
    sizes = _infer_shape(tuple(sizes), shp[d], "unflatten")
    return reshape(x, shp[:d] + sizes + shp[d + 1:])


@builtin("permute")
class Permute(Function):
    """Reordered dims (a view); the gradient is permuted back by the inverse order."""
    is_view = True

    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, p in enumerate(ctx.dims):
            inverse[p] = i
        return grad.transpose(inverse) if not hasattr(grad, "_data") else grad.permute(inverse)


@op("permute")
def permute(input, *order, dims=None):
    """Reorder the dims: ``out.shape[i] == input.shape[dims[i]]`` (a view)."""
    dims = _sizes(order if dims is None else (dims,))
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(): number of dimensions in the tensor input does not match "
                           f"the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd, "permute") for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute(): duplicate dims are not allowed (got {list(dims)})")
    return Permute.apply(input, dims=dims)


@builtin("transpose")
class Transpose(Function):
    """Two dims swapped (a view); the gradient is swapped back."""
    is_view = True

    @staticmethod
    def forward(ctx, x, dim0=0, dim1=1):
        ctx.dims = (dim0, dim1)
        return x.swapaxes(dim0, dim1) if x.ndim else x.view()

    @staticmethod
    def backward(ctx, grad):
        return grad.swapaxes(*ctx.dims) if grad.ndim else grad


@op("transpose", aliases=("swapdims",))
def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    nd = input._data.ndim
    d0, d1 = wrap_dim(dim0, nd, "transpose"), wrap_dim(dim1, nd, "transpose")
    return Transpose.apply(input, dim0=d0, dim1=d1)


@op("swapaxes")
def swapaxes(input, axis0, axis1):
    """``transpose`` with NumPy's argument names."""
    return transpose(input, axis0, axis1)


@op("t")
def t(x):
    """Transpose of a matrix (0-D and 1-D tensors come back as they are)."""
    if x._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{x._data.ndim}D")
    return transpose(x, 0, 1) if x._data.ndim == 2 else x


def T(x):
    nd = x._data.ndim
    return x if nd < 2 else permute(x, tuple(range(nd - 1, -1, -1)))


def mT(x):
    if x._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{x._data.ndim}-D tensor.")
    return transpose(x, -2, -1)


@op("movedim", aliases=("moveaxis",))
def movedim(x, source, destination):
    nd = x._data.ndim
    src = [wrap_dim(s, nd, "movedim") for s in ((source,) if isinstance(source, int) else source)]
    dst = [wrap_dim(s, nd, "movedim") for s in
           ((destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} "
                           f"dims)")
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    if nd == 0:  # a 0-d tensor: dims -1 and 0 both name its one (empty) position
        return permute(x, ())
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, order)


@op("squeeze")
def squeeze(x, dim=None):
    """Drop dims of size 1 (all, or those in ``dim`` that have size 1)."""
    shp = x._data.shape
    if dim is None:
        dims = [i for i, s in enumerate(shp) if s == 1]
    else:
        ds = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = [wrap_dim(d, len(shp), "squeeze") for d in ds] if shp else []
        dims = [d for d in dims if shp[d] == 1]
    return reshape(x, tuple(s for i, s in enumerate(shp) if i not in dims))


@op("unsqueeze")
def unsqueeze(x, dim):
    """Insert a dim of size 1 at ``dim`` (in [-ndim-1, ndim])."""
    nd = x._data.ndim
    d = wrap_dim(dim, nd + 1, "unsqueeze")
    shp = x._data.shape
    return reshape(x, shp[:d] + (1,) + shp[d:])


@builtin("expand")
class Expand(Function):
    """Broadcast without copying (a read-only view); the gradient sums over the copies."""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        return xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad  # Function.apply sums it back to the input's shape


@op("expand", function=False)
def expand(x, *sizes):
    """Broadcast to ``sizes`` without copying (-1 keeps a dim); a read-only view."""
    sizes = _sizes(sizes)
    shp = x._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(shp)})")
    lead = len(sizes) - len(shp)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"expand: the expanded size of the tensor (-1) isn't allowed "
                                   f"in a leading, non-existing dimension {i}")
            target.append(s)
            continue
        cur = shp[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shp)}")
        target.append(s)
    target = tuple(target)
    if target == shp:
        return x
    return Expand.apply(x, shape=target)


@op("expand_as", function=False)
def expand_as(x, other):
    return expand(x, other._data.shape)


@op("broadcast_to")
def broadcast_to(input, size):
    return expand(input, tuple(size))


@builtin("repeat")
class Repeat(Function):
    """``x`` tiled (a copy); each input element gets the sum of its copies' gradients."""

    @staticmethod
    def forward(ctx, x, reps=()):
        ctx.reps, ctx.shape = reps, x.shape
        return xp_of(x).tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        shape, reps = ctx.shape, ctx.reps
        full = (1,) * (len(reps) - len(shape)) + tuple(shape)
        split = []
        for r, s in zip(reps, full):
            split += [r, s]
        grad = grad.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return grad.reshape(shape)


@op("repeat", function=False)
def repeat(x, *sizes):
    """Tile ``x``: dim i is repeated ``sizes[i]`` times (a copy)."""
    reps = _sizes(sizes)
    if len(reps) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return Repeat.apply(x, reps=reps)


@op("narrow")
def narrow(x, dim, start, length):
    """Elements ``start .. start+length`` of dim ``dim`` (a view)."""
    nd = x._data.ndim
    d = wrap_dim(dim, nd, "narrow")
    size = x._data.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                         f"({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    return x[key]


@op("contiguous", function=False)
def contiguous(x, memory_format=None):
    """``x`` itself if its memory is already row-major contiguous, else a contiguous copy."""
    if x._data.flags.c_contiguous:
        return x
    return x.clone()


@builtin("cat")
class Cat(Function):
    """Tensors joined along ``dim``; each gets back its own slice of the gradient."""

    @staticmethod
    def forward(ctx, *arrays, dim=0, skip=()):
        # ``skip``: positions of legacy empty 1-D tensors, which take no part (but do get an
        # empty gradient, as in PyTorch)
        ctx.dim, ctx.sizes = dim, [None if i in skip else a.shape[dim]
                                   for i, a in enumerate(arrays)]
        joined = [a for i, a in enumerate(arrays) if i not in skip]
        return xp_of(arrays[0]).concatenate(joined, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for n, needed in zip(ctx.sizes, ctx.needs_input_grad):
            if n is None:
                grads.append(grad.reshape(-1)[:0] if needed else None)
                continue
            key = (slice(None),) * ctx.dim + (slice(start, start + n),)
            grads.append(grad[key] if needed else None)
            start += n
        return tuple(grads)


@op("cat", method=False, aliases=("concat", "concatenate"), out="cat")
def cat(tensors, dim=0):
    """Join tensors along an existing dim; all other dims must match."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, but element {i} is "
                            f"{type(t).__name__}")
    check_devices("cat", *tensors)
    ref = next((t for t in tensors if t._data.ndim), tensors[0])
    nd = ref._data.ndim
    if nd == 0:
        raise RuntimeError("cat(): zero-dimensional tensor (at position 0) cannot be "
                           "concatenated")
    d = wrap_dim(dim, nd, "cat")
    parts, skip = [], []
    for i, t in enumerate(tensors):
        s = t._data.shape
        if t._data.ndim == 1 and s[0] == 0 and nd != 1:
            skip.append(i)  # PyTorch skips legacy empty 1-D tensors
            parts.append(t)
            continue
        if len(s) != nd:
            raise RuntimeError(f"cat(): Tensors must have same number of dimensions: got {nd} "
                               f"and {len(s)}")
        for k in range(nd):
            if k != d and s[k] != ref._data.shape[k]:
                raise RuntimeError(f"cat(): Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref._data.shape[k]} but got size {s[k]} for "
                                   f"tensor number {i} in the list.")
        parts.append(t)
    if len({t._data.dtype for t in parts}) > 1:
        common = dt.result_type(*parts)
        parts = [t if t.dtype is common else t.to(common) for t in parts]
    return Cat.apply(*parts, dim=d, skip=tuple(skip)) if skip else Cat.apply(*parts, dim=d)


@op("stack", method=False, out="cat")
def stack(tensors, dim=0):
    """Join equally shaped tensors along a new dim ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shp = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shp:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shp)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(shp) + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


@op("hstack", method=False, out="cat")
def hstack(tensors):
    tensors = list(tensors)
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1)


@op("vstack", method=False, out="cat")
def vstack(tensors):
    return cat([t if t.dim() > 1 else t.reshape(1, -1) for t in tensors], 0)


@builtin("split", backward_name="SplitWithSizesBackward0")
class Split(Function):
    """Consecutive pieces along ``dim`` (views); their gradients are joined back, with zeros
    for pieces that got none."""
    is_view = True

    @staticmethod
    def forward(ctx, x, sizes=(), dim=0):
        ctx.dim, ctx.sizes, ctx.shape = dim, sizes, x.shape
        pieces, start = [], 0
        for n in sizes:
            pieces.append(x[(slice(None),) * dim + (slice(start, start + n),)])
            start += n
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        xp = ctx.xp
        ref = next(g for g in grads if g is not None)
        parts = []
        for g, n in zip(grads, ctx.sizes):
            if g is None:
                shape = list(ctx.shape)
                shape[ctx.dim] = n
                g = xp.zeros(shape, dtype=ref.dtype)
            parts.append(g)
        if hasattr(ref, "_data"):
            return cat(parts, ctx.dim)
        return xp.concatenate(parts, axis=ctx.dim)


@op("split")
def split(x, split_size_or_sections=None, dim=0, *, split_size=None):
    """Pieces of size ``split_size`` (the last may be smaller), or of the listed sizes.
    (``split_size=`` is the Tensor method's name for the same argument.)"""
    if split_size_or_sections is None:
        split_size_or_sections = split_size
    if not x._data.ndim:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, x._data.ndim, "split")
    size = x._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size="
                               f"{step}")
        sizes = [min(step, size - s) for s in range(0, size, step)] if size else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{sizes}")
    out = Split.apply(x, sizes=tuple(sizes), dim=d)
    return out if isinstance(out, tuple) else (out,)


@op("tensor_split")
def tensor_split(x, sections, dim=0):
    d = wrap_dim(dim, x._data.ndim, "tensor_split")
    n = x._data.shape[d]
    if isinstance(sections, int):
        q, r = divmod(n, sections)
        sizes = [q + 1] * r + [q] * (sections - r)
    else:
        bounds = [0] + [min(max(b, 0), n) for b in sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
    return split(x, sizes, d)


@op("chunk")
def chunk(x, chunks, dim=0):
    """``chunks`` pieces of (nearly) equal size, as ``split`` with size ceil(n / chunks)."""
    if not x._data.ndim:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = x._data.shape[wrap_dim(dim, x._data.ndim, "chunk")]
    if n == 0:  # PyTorch: ``chunks`` empty pieces
        return split(x, [0] * chunks, dim)
    step = max(-(-n // chunks), 1)
    return split(x, step, dim)


@op("unbind")
def unbind(x, dim=0):
    """The slices along ``dim``, with that dim removed."""
    d = wrap_dim(dim, x._data.ndim, "unbind")
    return tuple(p.squeeze(d) for p in split(x, 1, d)) if x._data.shape[d] else ()


@builtin("flip")
class Flip(Function):
    """Elements reversed along ``dims`` (a copy, as in PyTorch); so is the gradient."""

    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        return xp_of(x).flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.flip(grad, ctx.dims)


@op("flip")
def flip(x, dims):
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch)."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    dims = tuple(wrap_dim(d, x._data.ndim, "flip") for d in dims)
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise RuntimeError(f"flip: dim {d} appears multiple times in the list of dims")
    if not x._data.ndim:
        dims = ()  # a 0-d tensor's one element: nothing to reverse
    return Flip.apply(x, dims=dims)


@op("roll")
def roll(x, shifts, dims=None):
    if dims is None:
        return roll(x.flatten(), shifts, 0).reshape(x._data.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    out = x
    for s, d in zip(shifts, dims):
        n = out._data.shape[d]
        s %= n if n else 1
        if s:
            out = cat([out.narrow(d, n - s, s), out.narrow(d, 0, n - s)], d)
    return out


__all__ = []


@op("broadcast_shapes", method=False)
def broadcast_shapes(*shapes) -> tuple:
    """The shape that ``shapes`` broadcast to (trailing dims aligned; 1 stretches)."""
    from ..tensor import Size
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for i, s in enumerate(shapes):
        for k, n in enumerate(s):
            j = ndim - len(s) + k
            if n != 1 and out[j] not in (1, n):
                raise RuntimeError(f"broadcast_shapes: shape {list(s)} (argument {i}) cannot be "
                                   f"broadcast: it has size {n} at dimension {k - len(s)} "
                                   f"where the others have {out[j]}")
            if n != 1:
                out[j] = n
    return Size(out)


@op("meshgrid", method=False)
def meshgrid(*tensors, indexing: str = "ij"):
    """Coordinate grids from 1-D tensors: with ``indexing='ij'`` output i varies along dim i;
    ``'xy'`` swaps the first two dims (matplotlib's convention)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be 'ij' or 'xy', got '{indexing}'")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0D or 1D tensors, got {t._data.ndim}D")
    sizes = [t._data.size for t in tensors]
    if indexing == "xy" and len(tensors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, t in enumerate(tensors):
        axis = i
        if indexing == "xy" and i < 2 and len(tensors) >= 2:
            axis = 1 - i
        shape = [1] * len(tensors)
        shape[axis] = t._data.size
        grids.append(t.reshape(shape).expand(sizes))
    return tuple(grids)
