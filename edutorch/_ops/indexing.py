"""Indexing: ``x[key]``, ``x[key] = v``, gather/scatter, index_select, masked ops.

Basic indexing (ints, slices, None, ...) gives a view. Advanced indexing (integer or boolean
tensors) gives a copy; its backward scatter-*adds* the gradient, because one element picked twice
(``x[[0, 0]]``) must receive both gradients.
"""
from __future__ import annotations

from .. import _dtype as dt
from .. import backend
from ..autograd import grad_mode
from ..autograd.function import Function
from .common import Tensor, check_devices, device_error, wrap, wrap_dim, xp_of
from .registry import builtin, op


def normalize_key(x: Tensor, key):
    """``key`` with tensors and lists turned into backend arrays; and whether it is advanced."""
    if isinstance(key, range):
        key = list(key)
    if isinstance(key, list) and _list_is_tuple(key):
        key = tuple(key)
    if not isinstance(key, tuple):
        key = (key,)
    xp = xp_of(x._data)
    out, advanced = [], False
    for k in key:
        if isinstance(k, Tensor):
            out.append(_tensor_index(x, k))
            advanced = True
        elif isinstance(k, (list, range)) or hasattr(k, "__array_interface__") or (
                backend.is_gpu_array(k)):
            out.append(_sequence_index(k, xp))
            advanced = True
        elif isinstance(k, slice):
            if k.step is not None and int(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(slice(*(None if v is None else int(v) for v in (k.start, k.stop, k.step))))
        elif k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, bool):
            out.append(backend.asarray(k))
            advanced = True
        elif hasattr(k, "__index__"):
            out.append(int(k))
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(k).__name__})")
    if not advanced and Ellipsis not in out:
        out.append(Ellipsis)  # so that x[0, 1] is a 0-d view, not a NumPy scalar
    if advanced:
        _check_masks(x._data.shape, out)
    return tuple(out), advanced


def _tensor_index(x: Tensor, k: Tensor):
    """The array of an index tensor ``k``, on ``x``'s device (CPU indices into a cuda tensor are
    moved, as PyTorch does; cuda indices into a CPU tensor are refused)."""
    a = k._data
    if type(a) is not type(x._data):
        if not backend.is_numpy(a):  # a GPU index into a CPU tensor: PyTorch refuses
            raise device_error("index", x, k)
        a = backend.to_device(a, "cuda", x.device.index)  # CPU indices: as PyTorch
    if a.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a


def _sequence_index(k, xp):
    """A list, range or array used as an index, as an integer or bool array."""
    a = xp.asarray(k)
    if a.dtype.kind == "f" and a.size == 0 and isinstance(k, (list, range)):
        a = a.astype(dt.int64.np)  # [] holds no floats: an empty index, as in PyTorch
    if a.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a


def _check_masks(shape, key) -> None:
    """A bool mask must have the shape of the dims it covers (NumPy does not check when
    writing into an empty array)."""
    consumed = sum(k.ndim if _is_array(k) and k.dtype == bool else 1
                   for k in key if k is not None and k is not Ellipsis)
    d = 0
    for k in key:
        if k is Ellipsis:
            d += max(len(shape) - consumed, 0)
        elif _is_array(k) and k.dtype == bool:
            for j, n in enumerate(k.shape):
                if d + j < len(shape) and shape[d + j] != n:
                    raise IndexError(f"The shape of the mask {list(k.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor "
                                     f"{list(shape)} at index {d + j}")
            d += k.ndim
        elif k is not None:
            d += 1


def _list_is_tuple(key: list) -> bool:
    """PyTorch reads ``x[[a, b]]`` as ``x[a, b]`` when an item is itself an index sequence,
    a tensor, a slice, None or ``...`` (``x[[[0, 1], [1, 2]]]`` picks two elements)."""
    return len(key) < 32 and any(
        isinstance(k, (Tensor, list, tuple, range, slice)) or k is None or k is Ellipsis
        for k in key)


def read(a, key):
    """``a[key]`` on arrays. An out-of-range index that picks no element is no error, as in
    PyTorch, which checks each index as it copies an element: ``zeros(1, 0)[[5]]`` is empty."""
    try:
        return a[key]
    except IndexError:
        shape = _empty_result_shape(a, key)
        if shape is None:
            raise
        return xp_of(a).empty(shape, dtype=a.dtype)


def write(a, key, v) -> None:
    """``a[key] = v`` on arrays; nothing to write (and no error) where ``a[key]`` would be
    empty even with out-of-range indices (see ``read``)."""
    try:
        a[key] = v
    except IndexError:
        shape = _empty_result_shape(a, key)
        if shape is None:
            raise
        xp_of(a).broadcast_to(v, shape)  # the value must still fit: raises ValueError if not


def _empty_result_shape(a, key):
    """The shape of ``a[key]`` when it has no elements whatever the integer index arrays
    hold; None otherwise. It indexes a stand-in: every dim that an index array picks from
    gets size at least 1, and every index array becomes zeros (valid there)."""
    consumed = sum(k.ndim if _is_array(k) and k.dtype == bool else 1
                   for k in key if k is not None and k is not Ellipsis)
    if consumed > a.ndim:
        return None
    xp = xp_of(a)
    sizes, stand_in, d = list(a.shape), [], 0
    picks_from_empty = picks_nothing = False
    for k in key:
        if k is Ellipsis:
            d += a.ndim - consumed
        elif _is_array(k) and k.dtype != bool:
            picks_from_empty = picks_from_empty or sizes[d] == 0
            picks_nothing = picks_nothing or k.size == 0
            sizes[d] = max(sizes[d], 1)
            k = xp.zeros(k.shape, dtype=k.dtype)
            d += 1
        elif k is not None:
            if _is_array(k):  # a mask: it picks as many as it has True values
                picks_nothing = picks_nothing or (k.ndim and not k.any())
            d += k.ndim if _is_array(k) else 1
        stand_in.append(k)
    if picks_from_empty and not picks_nothing:
        return None  # PyTorch refuses up front: no index is valid in a dim of size 0
    try:
        shape = xp.broadcast_to(xp.zeros((), dtype=a.dtype), sizes)[tuple(stand_in)].shape
    except (IndexError, ValueError):
        return None
    return shape if 0 in shape else None


def _is_array(k) -> bool:
    return hasattr(k, "dtype") and hasattr(k, "ndim")


@builtin("index", backward_name="IndexBackward0")
class Index(Function):
    """``x[key]``: a view for basic keys, a copy for advanced ones. The gradient is zeros
    shaped like ``x`` with the output's gradient added at ``key``."""
    is_view = True

    @staticmethod
    def forward(ctx, x, key=(), advanced=False):
        ctx.shape, ctx.key, ctx.advanced = x.shape, key, advanced
        return read(x, key) if advanced else x[key]

    @staticmethod
    def backward(ctx, grad):
        return IndexGrad.apply(grad, shape=ctx.shape, key=ctx.key, advanced=ctx.advanced)


@builtin("index_grad", backward_name="IndexGradBackward")
class IndexGrad(Function):
    """zeros(shape) with ``g`` added at ``key`` (repeated indices add up); its own backward
    reads back at ``key`` (for second derivatives)."""

    @staticmethod
    def forward(ctx, g, shape=(), key=(), advanced=False):
        ctx.key, ctx.advanced = key, advanced
        z = xp_of(g).zeros(shape, dtype=g.dtype)
        if advanced:
            if g.size:  # (an empty g may come with out-of-range indices: see ``read``)
                backend.scatter_add(z, key, g)
        else:
            z[key] = g
        return z

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, key=ctx.key, advanced=ctx.advanced)


def index_grad(g: Tensor, shape, key, advanced) -> Tensor:
    """zeros(shape) with ``g`` added at ``key`` (repeated indices add up)."""
    return IndexGrad.apply(g, shape=shape, key=key, advanced=advanced)


def _getitem_normalized(x, key, advanced):
    return Index.apply(x, key=key, advanced=advanced)


def getitem(x, key):
    """``x[key]`` with PyTorch's (NumPy's) indexing rules."""
    key, advanced = normalize_key(x, key)
    try:
        return _getitem_normalized(x, key, advanced)
    except IndexError as e:
        raise IndexError(f"index: {e} (tensor of shape {list(x._data.shape)})".replace(
            "axis", "dimension")) from None


@builtin("index_put")
class IndexPut(Function):
    """``out = x; out[key] = v``: x gets the gradient outside ``key``, v the part inside."""

    @staticmethod
    def forward(ctx, x, v, key=(), advanced=False):
        ctx.key, ctx.advanced = key, advanced
        out = x.copy()
        try:
            write(out, key, v.astype(x.dtype, copy=False))
        except ValueError as e:
            raise RuntimeError(f"index_put: shape mismatch: value tensor of shape "
                               f"{list(v.shape)} cannot be broadcast to indexing result of "
                               f"shape {list(read(x, key).shape)} ({e})") from None
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_v = ctx.needs_input_grad
        gx = gv = None
        if need_x:
            keep = xp_of(grad._data if hasattr(grad, "_data") else grad).ones(grad.shape,
                                                                              dtype=bool)
            write(keep, ctx.key, False)
            gx = grad * (wrap(keep) if hasattr(grad, "_data") else keep)
        if need_v:
            gv = Index.apply(grad, key=ctx.key, advanced=ctx.advanced)
        return gx, gv


@op("index_put", function=False)
def index_put(x, key, value, accumulate=False):
    """Out-of-place ``x[key] = value`` (``+=`` with ``accumulate=True``)."""
    nkey, advanced = normalize_key(x, key)
    if not isinstance(value, Tensor):
        from .creation import tensor as make
        value = make(value, dtype=x.dtype, device=x.device)
    check_devices("index_put", x, value)
    if accumulate:
        return x + index_grad(value.expand(read(x._data, nkey).shape), x._data.shape, nkey,
                              advanced)
    return IndexPut.apply(x, value, key=nkey, advanced=advanced)


def setitem(x, key, value):
    """``x[key] = value``, in place (autograd sees it as an in-place op on x)."""
    try:
        _setitem(x, key, value)
    except IndexError as e:  # NumPy says "axis"; PyTorch says "dimension"
        raise IndexError(f"index_put_: {e} (tensor of shape {list(x._data.shape)})".replace(
            "axis", "dimension")) from None


def _setitem(x, key, value):
    from . import inplace
    nkey, advanced = normalize_key(x, key)
    if not advanced:
        target = _getitem_normalized(x, nkey, False)
        if target._base is None:  # 0-d or other non-view result: fall back to index_put
            inplace.commit(x, index_put(x, key, value), "setitem")
            return
        inplace.copy_(target, value)
        return
    tracked = grad_mode.state.enabled and (x._rg or (isinstance(value, Tensor) and value._rg))
    if not tracked:
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(value, Tensor) and type(v) is not type(x._data):
            raise device_error("index_put", x, value)
        try:
            write(x._data, nkey, v)
        except ValueError as e:
            raise RuntimeError(f"index_put: shape mismatch: value of shape "
                               f"{list(getattr(v, 'shape', ()))} cannot be broadcast to indexing "
                               f"result of shape {list(read(x._data, nkey).shape)} ({e})") \
                from None
        x._vc[0] += 1
        return
    inplace.apply_tracked(x, lambda old: index_put(old, key, value), "index_put_")


def _along_key(index_arr, dim, xp):
    """A full advanced-index key that picks ``index[i, j, ...]`` along ``dim`` and i, j, ...
    elsewhere (the "gather" pattern)."""
    nd = index_arr.ndim
    key = []
    for d in range(nd):
        if d == dim:
            key.append(index_arr)
        else:
            shape = [1] * nd
            shape[d] = index_arr.shape[d]
            key.append(xp.arange(index_arr.shape[d]).reshape(shape))
    return tuple(key)


def _check_index_tensor(op, x, dim, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index (got {index.dtype.name})")
    check_devices(op, x, index)
    nd = max(x._data.ndim, 1)
    d = wrap_dim(dim, nd, op)
    if index._data.ndim != x._data.ndim and not (x._data.ndim == 0 and index._data.ndim <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index {list(index._data.shape)}, input "
                           f"{list(x._data.shape)})")
    for k, (i, s) in enumerate(zip(index._data.shape, x._data.shape)):
        if k != d and i > s:
            raise RuntimeError(f"{op}(): Size does not match at dimension {k} expected index "
                               f"{list(index._data.shape)} to be smaller than self "
                               f"{list(x._data.shape)} apart from dimension {d}")
    size = x._data.shape[d] if x._data.ndim else 1
    if index._data.size:
        lo, hi = int(index._data.min()), int(index._data.max())
        if lo < 0 or hi >= size:
            raise RuntimeError(f"{op}(): index {lo if lo < 0 else hi} is out of bounds for "
                               f"dimension {d} with size {size}")
    return d


@op("gather")
def gather(x, dim, index):
    """``out[i][j] = x[i][index[i][j]]`` for dim=1 (and likewise for other dims)."""
    d = _check_index_tensor("gather", x, dim, index)
    key = _along_key(index._data, d, xp_of(x._data))
    return _getitem_normalized(x, key, True)


@op("take_along_dim")
def take_along_dim(x, indices, dim):
    return gather(x, dim, indices)


@builtin("scatter", backward_name="ScatterBackward0")
class Scatter(Function):
    """Out-of-place ``out[key] = src`` (or a value): x gets the gradient outside ``key``,
    src the gradient gathered at ``key``."""

    @staticmethod
    def forward(ctx, x, src=None, key=(), value=None, src_key=()):
        ctx.key, ctx.src_key = key, src_key
        out = x.copy()
        out[key] = src[src_key].astype(out.dtype, copy=False) if src is not None else value
        return out

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        G = grad._data if hasattr(grad, "_data") else grad
        keep = xp_of(G).ones(G.shape, dtype=bool)
        keep[ctx.key] = False
        gx = grad * (wrap(keep) if hasattr(grad, "_data") else keep) if needs[0] else None
        gs = None
        if len(needs) > 1 and needs[1]:
            gs = Index.apply(grad, key=ctx.key, advanced=True)
        return gx, gs


@op("scatter")
def scatter(x, dim, index, src=None, *, value=None, reduce=None):
    """Out-of-place ``out[i][index[i][j]] = src[i][j]`` for dim=1; ``reduce='add'`` adds."""
    if src is None and value is None:
        raise TypeError("scatter(): expected 'src' or 'value'")
    if not isinstance(src, Tensor) and src is not None:
        value, src = src, None
    if reduce in ("add", "sum"):
        if src is None:
            from .creation import full
            src = full(index._data.shape, value, dtype=x.dtype, device=x.device)
        return scatter_add(x, dim, index, src)
    if reduce is not None:
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                           f"{reduce} (edutorch supports 'add')")
    d = _check_index_tensor("scatter", x, dim, index)
    key = _along_key(index._data, d, xp_of(x._data))
    if src is None:
        return Scatter.apply(x, key=key, value=value)
    check_devices("scatter", x, src)
    return Scatter.apply(x, src, key=key, src_key=tuple(slice(0, n) for n in index._data.shape))


@op("scatter_add")
def scatter_add(x, dim, index, src):
    """Out-of-place ``out[i][index[i][j]] += src[i][j]`` (repeated indices add up)."""
    d = _check_index_tensor("scatter_add", x, dim, index)
    check_devices("scatter_add", x, src)
    key = _along_key(index._data, d, xp_of(x._data))
    ikey = tuple(slice(0, n) for n in index._data.shape) + (Ellipsis,)
    part = src[ikey] if src._data.shape != index._data.shape else src
    return x + index_grad(part.to(x.dtype), x._data.shape, key, True)


@op("index_select")
def index_select(x, dim, index):
    """The slices of dim ``dim`` listed in the 1-D ``index``."""
    if not isinstance(index, Tensor) or index._data.ndim > 1 or index._data.dtype.kind not in "iu":
        raise IndexError("index_select(): Index is supposed to be a vector of integers")
    d = wrap_dim(dim, max(x._data.ndim, 1), "index_select")
    check_devices("index_select", x, index)
    key = (slice(None),) * d + (index._data.reshape(-1),)
    return _getitem_normalized(x, key, True)


@op("index_add")
def index_add(x, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, max(x._data.ndim, 1), "index_add")
    key = (slice(None),) * d + (index._data.reshape(-1),)
    src = source if alpha == 1 else source * alpha
    return x + index_grad(src.to(x.dtype), x._data.shape, key, True)


@builtin("masked_fill")
class MaskedFill(Function):
    """``value`` where ``mask`` holds, else ``x``: x gets the gradient outside the mask, a
    tensor value the sum of it inside."""

    @staticmethod
    def forward(ctx, x, mask, value=None):
        xp = xp_of(x)
        v = value if value is not None else ctx.value
        ctx.mask = xp.broadcast_to(mask, x.shape)
        return xp.where(mask, xp.asarray(v, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, grad, *_):
        m = wrap(ctx.mask) if hasattr(grad, "_data") else ctx.mask
        return grad * ~m, None


@builtin("masked_fill", backward_name="MaskedFillBackward1")
class MaskedFillTensor(Function):
    """``masked_fill`` with a 0-d tensor value (which gets a gradient too)."""

    @staticmethod
    def forward(ctx, x, mask, v):
        xp = xp_of(x)
        ctx.mask = xp.broadcast_to(mask, x.shape)
        return xp.where(mask, v.astype(x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        m = wrap(ctx.mask) if hasattr(grad, "_data") else ctx.mask
        need_x, _, need_v = ctx.needs_input_grad
        return (grad * ~m if need_x else None), None, ((grad * m).sum() if need_v else None)


@op("masked_fill")
def masked_fill(x, mask, value):
    """``value`` where ``mask`` (broadcast) is True, else ``x``; keeps ``x``'s dtype."""
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{getattr(mask, 'dtype', type(mask).__name__)}")
    check_devices("masked_fill", x, mask)
    xp = xp_of(x._data)
    M = mask._data
    try:
        xp.broadcast_shapes(M.shape, x._data.shape)
        if xp.broadcast_shapes(M.shape, x._data.shape) != x._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"masked_fill: the mask of shape {list(M.shape)} must be "
                           f"broadcastable to the input of shape {list(x._data.shape)}") from None
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        return MaskedFillTensor.apply(x, mask, value)
    if isinstance(value, float) and x._data.dtype.kind in "iub":
        raise RuntimeError(f"masked_fill: value {value} cannot be converted to type "
                           f"{x.dtype.name} without overflow")
    return MaskedFill.apply(x, mask, value=value)


@op("masked_select")
def masked_select(x, mask):
    xp = xp_of(x._data)
    shape = xp.broadcast_shapes(mask._data.shape, x._data.shape)
    return getitem(x.expand(shape), wrap(xp.broadcast_to(mask._data, shape)))


@op("nonzero")
def nonzero(x, *, as_tuple=False):
    idx = xp_of(x._data).nonzero(x._data)
    if as_tuple:
        return tuple(wrap(i.astype("int64")) for i in idx)
    xp = xp_of(x._data)
    return wrap(xp.stack(idx, axis=-1).astype("int64") if idx else
                xp.zeros((int(bool(x._data)), 0), dtype="int64"))


def argwhere(x):
    return nonzero(x)


class Tril(Function):
    """The lower (``Triu``: upper) triangle; the gradient keeps the same triangle."""
    upper = False

    @classmethod
    def forward(cls, ctx, x, diagonal=0):
        ctx.diagonal = diagonal
        return (xp_of(x).triu if cls.upper else xp_of(x).tril)(x, diagonal)

    @classmethod
    def backward(cls, ctx, grad):
        if hasattr(grad, "_data"):
            return grad.triu(ctx.diagonal) if cls.upper else grad.tril(ctx.diagonal)
        return cls.forward(ctx, grad, ctx.diagonal)


class Triu(Tril):
    upper = True


builtin("tril")(Tril)
builtin("triu")(Triu)


def _tri(x, diagonal, upper):
    if x._data.ndim < 2:
        raise RuntimeError(f"{'triu' if upper else 'tril'}: input tensor must have at least 2 "
                           f"dimensions")
    return (Triu if upper else Tril).apply(x, diagonal=diagonal)


@op("tril")
def tril(x, diagonal=0):
    """Lower triangle (below and on diagonal ``diagonal``), zeros elsewhere."""
    return _tri(x, diagonal, False)


@op("triu")
def triu(x, diagonal=0):
    """Upper triangle (on and above diagonal ``diagonal``), zeros elsewhere."""
    return _tri(x, diagonal, True)


@op("diagonal")
def diagonal(x, offset=0, dim1=0, dim2=1):
    xp = xp_of(x._data)
    n = x._data.ndim
    d1, d2 = wrap_dim(dim1, n, "diagonal"), wrap_dim(dim2, n, "diagonal")
    rows = x._data.shape[d1]
    cols = x._data.shape[d2]
    i = xp.arange(max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols)))
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    moved = x.movedim((d1, d2), (-2, -1))
    return moved[(Ellipsis, wrap(r), wrap(c))]


__all__ = ["getitem", "setitem", "index_put", "index_grad", "normalize_key"]
