"""Indexing: ``x[key]``, ``x[key] = v``, gather/scatter, index_select, masked ops.

Basic indexing (ints, slices, None, ...) gives a view. Advanced indexing (integer or boolean
tensors) gives a copy; its backward scatter-*adds* the gradient, because one element picked twice
(``x[[0, 0]]``) must receive both gradients.
"""
from __future__ import annotations

from .. import backend
from .. import _dtype as dt
from .common import (Node, Tensor, attach, check_devices, fit_grad, meta, needs, state, wrap,
                     wrap_dim, xp_of, device_error)
from .shape import view_result


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
            if type(k._data) is not type(x._data):
                raise device_error("index", x, k)
            a = k._data
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(a)
            advanced = True
        elif isinstance(k, (list, range)) or hasattr(k, "__array_interface__") or (
                type(k).__module__ == "cupy" and hasattr(k, "shape")):
            a = xp.asarray(k)
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(a)
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
    return tuple(out), advanced


def _list_is_tuple(key: list) -> bool:
    """PyTorch reads ``x[[a, b]]`` as ``x[a, b]`` when an item is itself an index sequence,
    a tensor, a slice, None or ``...`` (``x[[[0, 1], [1, 2]]]`` picks two elements)."""
    return len(key) < 32 and any(
        isinstance(k, (Tensor, list, tuple, range, slice)) or k is None or k is Ellipsis
        for k in key)


class IndexBackward0(Node):
    """Gradient of ``x[key]``: zeros shaped like ``x`` with the gradient added at ``key``."""
    __slots__ = ("shape", "key", "advanced")

    def backward(self, g):
        return (index_grad(g, self.shape, self.key, self.advanced),)


class IndexGradBackward(Node):
    """Backward of ``index_grad`` (needed for second derivatives): read back at ``key``."""
    __slots__ = ("key", "advanced")

    def backward(self, g):
        return (_getitem_normalized(g, self.key, self.advanced),)


def index_grad(g: Tensor, shape, key, advanced) -> Tensor:
    """zeros(shape) with ``g`` added at ``key`` (repeated indices add up)."""
    xp = xp_of(g._data)
    z = xp.zeros(shape, dtype=g._data.dtype)
    if advanced:
        backend.scatter_add(z, key, g._data)
    else:
        z[key] = g._data
    out = wrap(z)
    if g._rg and state.enabled:
        node = IndexGradBackward((g,))
        node.key, node.advanced = key, advanced
        attach(out, node)
    return out


def _getitem_normalized(x, key, advanced):
    A = x._data
    arr = A[key]
    out = wrap(arr) if advanced else view_result(x, arr, ("__getitem__", (key,)))
    if x._rg and state.enabled:
        node = IndexBackward0((x,))
        node.shape, node.key, node.advanced = A.shape, key, advanced
        attach(out, node)
    return out


def getitem(x, key):
    """``x[key]`` with PyTorch's (NumPy's) indexing rules."""
    key, advanced = normalize_key(x, key)
    try:
        return _getitem_normalized(x, key, advanced)
    except IndexError as e:
        raise IndexError(f"index: {e} (tensor of shape {list(x._data.shape)})".replace(
            "axis", "dimension")) from None


class IndexPutBackward0(Node):
    """``out = x; out[key] = v``: x gets the gradient outside ``key``, v the part inside."""
    __slots__ = ("key", "advanced", "vmeta", "shape")

    def backward(self, g):
        gx = gv = None
        if needs(self, 0):
            xp = xp_of(g._data)
            keep = xp.ones(self.shape, dtype=bool)
            keep[self.key] = False
            gx = g * wrap(keep)
        if needs(self, 1):
            picked = _getitem_normalized(g, self.key, self.advanced)
            gv = fit_grad(picked, self.vmeta)
        return gx, gv


def index_put(x, key, value, accumulate=False):
    """Out-of-place ``x[key] = value`` (``+=`` with ``accumulate=True``)."""
    nkey, advanced = normalize_key(x, key)
    if not isinstance(value, Tensor):
        from .creation import tensor as make
        value = make(value, dtype=x.dtype, device=x.device)
    check_devices("index_put", x, value)
    if accumulate:
        return x + index_grad(value.expand(x._data[nkey].shape), x._data.shape, nkey, advanced)
    V = value._data.astype(x._data.dtype, copy=False)
    A = x._data.copy()
    try:
        A[nkey] = V
    except ValueError as e:
        raise RuntimeError(f"index_put: shape mismatch: value tensor of shape "
                           f"{list(value._data.shape)} cannot be broadcast to indexing result of "
                           f"shape {list(x._data[nkey].shape)} ({e})") from None
    out = wrap(A)
    if state.enabled and (x._rg or value._rg):
        node = IndexPutBackward0((x, value))
        node.key, node.advanced, node.vmeta, node.shape = nkey, advanced, meta(value), A.shape
        attach(out, node)
    return out


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
        target = _getitem_normalized(x, nkey, False) if state.enabled and x._rg else \
            view_result(x, x._data[nkey], ("__getitem__", (nkey,)))
        if target._base is None:  # 0-d or other non-view result: fall back to index_put
            inplace.commit(x, index_put(x, key, value), "setitem")
            return
        inplace.copy_(target, value)
        return
    tracked = state.enabled and (x._rg or (isinstance(value, Tensor) and value._rg))
    if not tracked:
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(value, Tensor) and type(v) is not type(x._data):
            raise device_error("index_put", x, value)
        try:
            x._data[nkey] = v
        except ValueError as e:
            raise RuntimeError(f"index_put: shape mismatch: value of shape "
                               f"{list(getattr(v, 'shape', ()))} cannot be broadcast to indexing "
                               f"result of shape {list(x._data[nkey].shape)} ({e})") from None
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


def gather(x, dim, index):
    """``out[i][j] = x[i][index[i][j]]`` for dim=1 (and likewise for other dims)."""
    d = _check_index_tensor("gather", x, dim, index)
    key = _along_key(index._data, d, xp_of(x._data))
    return _getitem_normalized(x, key, True)


def take_along_dim(x, indices, dim):
    return gather(x, dim, indices)


class ScatterBackward0(Node):
    __slots__ = ("key", "dim", "index", "vmeta")

    def backward(self, g):
        gx = gs = None
        if needs(self, 0):
            keep = xp_of(g._data).ones(g._data.shape, dtype=bool)
            keep[self.key] = False
            gx = g * wrap(keep)
        if len(self.next_functions) > 1 and needs(self, 1):
            gs = gather(g, self.dim, self.index)
        return gx, gs


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
    xp = xp_of(x._data)
    key = _along_key(index._data, d, xp)
    A = x._data.copy()
    if src is not None:
        check_devices("scatter", x, src)
        ikey = tuple(slice(0, n) for n in index._data.shape)
        A[key] = src._data[ikey].astype(A.dtype, copy=False)
    else:
        A[key] = value
    out = wrap(A)
    srcs = [src] if src is not None else []
    if state.enabled and (x._rg or any(s._rg for s in srcs)):
        node = ScatterBackward0([x] + srcs)
        node.key, node.dim, node.index = key, d, index
        attach(out, node)
    return out


def scatter_add(x, dim, index, src):
    """Out-of-place ``out[i][index[i][j]] += src[i][j]`` (repeated indices add up)."""
    d = _check_index_tensor("scatter_add", x, dim, index)
    check_devices("scatter_add", x, src)
    key = _along_key(index._data, d, xp_of(x._data))
    ikey = tuple(slice(0, n) for n in index._data.shape) + (Ellipsis,)
    part = src[ikey] if src._data.shape != index._data.shape else src
    return x + index_grad(part.to(x.dtype), x._data.shape, key, True)


def index_select(x, dim, index):
    """The slices of dim ``dim`` listed in the 1-D ``index``."""
    if not isinstance(index, Tensor) or index._data.ndim > 1 or index._data.dtype.kind not in "iu":
        raise IndexError("index_select(): Index is supposed to be a vector of integers")
    d = wrap_dim(dim, max(x._data.ndim, 1), "index_select")
    check_devices("index_select", x, index)
    key = (slice(None),) * d + (index._data.reshape(-1),)
    return _getitem_normalized(x, key, True)


def index_add(x, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, max(x._data.ndim, 1), "index_add")
    key = (slice(None),) * d + (index._data.reshape(-1),)
    src = source if alpha == 1 else source * alpha
    return x + index_grad(src.to(x.dtype), x._data.shape, key, True)


class MaskedFillBackward0(Node):
    __slots__ = ("mask", "vmeta")

    def backward(self, g):
        m = wrap(self.mask)
        gx = g * ~m if needs(self, 0) else None
        gv = None
        if len(self.next_functions) > 1 and needs(self, 1):
            gv = fit_grad((g * m).sum(), self.vmeta)
        return gx, gv


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
    vt = value if isinstance(value, Tensor) else None
    if vt is not None:
        if vt._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {vt._data.ndim} dimension(s).")
        v = vt._data.astype(x._data.dtype)
    else:
        v = value
        if isinstance(value, float) and x._data.dtype.kind in "iub":
            raise RuntimeError(f"masked_fill: value {value} cannot be converted to type "
                               f"{x.dtype.name} without overflow")
    out = wrap(xp.where(M, xp.asarray(v, dtype=x._data.dtype), x._data))
    if state.enabled and (x._rg or (vt is not None and vt._rg)):
        inputs = [x] if vt is None else [x, vt]
        node = MaskedFillBackward0(inputs)
        node.mask = xp.broadcast_to(M, x._data.shape)
        node.vmeta = meta(vt) if vt is not None else None
        attach(out, node)
    return out


def masked_select(x, mask):
    xp = xp_of(x._data)
    shape = xp.broadcast_shapes(mask._data.shape, x._data.shape)
    return getitem(x.expand(shape), wrap(xp.broadcast_to(mask._data, shape)))


def nonzero(x, *, as_tuple=False):
    idx = xp_of(x._data).nonzero(x._data)
    if as_tuple:
        return tuple(wrap(i.astype("int64")) for i in idx)
    xp = xp_of(x._data)
    return wrap(xp.stack(idx, axis=-1).astype("int64") if idx else
                xp.zeros((int(bool(x._data)), 0), dtype="int64"))


def argwhere(x):
    return nonzero(x)


class TrilBackward0(Node):
    __slots__ = ("k", "upper")

    def backward(self, g):
        return ((g.triu if self.upper else g.tril)(self.k),)


def _tri(x, diagonal, upper):
    if x._data.ndim < 2:
        raise RuntimeError(f"{'triu' if upper else 'tril'}: input tensor must have at least 2 "
                           f"dimensions")
    xp = xp_of(x._data)
    out = wrap((xp.triu if upper else xp.tril)(x._data, diagonal))
    if x._rg and state.enabled:
        node = (TriuBackward0 if upper else TrilBackward0)((x,))
        node.k, node.upper = diagonal, upper
        attach(out, node)
    return out


class TriuBackward0(TrilBackward0):
    __slots__ = ()


def tril(x, diagonal=0):
    """Lower triangle (below and on diagonal ``diagonal``), zeros elsewhere."""
    return _tri(x, diagonal, False)


def triu(x, diagonal=0):
    """Upper triangle (on and above diagonal ``diagonal``), zeros elsewhere."""
    return _tri(x, diagonal, True)


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


__all__ = ["getitem", "setitem", "index_put", "gather", "take_along_dim", "scatter",
           "scatter_add", "index_select", "index_add", "masked_fill", "masked_select", "nonzero",
           "argwhere", "tril", "triu", "diagonal", "index_grad", "normalize_key"]
del dt
