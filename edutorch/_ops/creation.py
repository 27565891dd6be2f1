"""Creating tensors: from data, filled with a value, ranges, and random numbers."""
from __future__ import annotations

import math

from .. import _dtype as dt
from .. import backend
from .._device import to_device
from ..backend import random as rnd
from .common import Tensor, wrap


def _sizes(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, int) and not hasattr(s, "__index__"):
            raise TypeError(f"size must be a sequence of ints, got {type(s).__name__}")
        if int(s) < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(array, requires_grad: bool) -> Tensor:
    t = wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dev(device):
    d = to_device(device)
    return d.type, d.index or 0


def _flatten_tensors(data):
    """Lists holding tensors (``tensor([t1, t2])``) become plain numbers/arrays."""
    if isinstance(data, Tensor):
        return backend.to_numpy(data._data)
    if isinstance(data, (list, tuple)):
        return [_flatten_tensors(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays or tensors).

    Python floats become the default dtype (float32), ints int64, bools bool; an array keeps
    its dtype.
    """
    if isinstance(data, Tensor):
        src_dtype = data.dtype
        arr = data._data
        if device is None:
            device = data.device
    else:
        arr = _flatten_tensors(data)
        src_dtype = None
        if hasattr(arr, "dtype"):  # arrays and NumPy scalars keep their dtype, as in PyTorch
            try:
                src_dtype = dt.to_dtype(arr.dtype)
            except TypeError:
                src_dtype = None
    if dtype is None:
        if src_dtype is None:
            kind = backend.infer_dtype_name(arr)
            if kind.startswith("float"):
                dtype = dt.get_default_dtype()
            elif kind.startswith(("int", "uint")):
                dtype = dt.int64
            elif kind == "bool":
                dtype = dt.bool_
            else:
                raise TypeError(f"tensor(): could not infer dtype from {type(data).__name__} "
                                f"(NumPy made it {kind})")
        else:
            dtype = src_dtype
    dtype = dt.to_dtype(dtype)
    kind, index = _dev(device)
    array = backend.asarray(backend.to_numpy(arr) if hasattr(arr, "device") and kind == "cpu"
                            else arr, dtype=dtype.np, device_type=kind, index=index, copy=True)
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (device or dtype) else data
    if hasattr(data, "__array_interface__") and device in (None, "cpu"):
        d = dt.to_dtype(dtype) if dtype is not None else None
        a = backend.asarray(data, dtype=d.np if d else None)
        dt.from_array(a)
        return wrap(a)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(array) -> Tensor:
    """A CPU tensor sharing memory with the NumPy array (changes show in both)."""
    if not hasattr(array, "__array_interface__"):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dt.from_array(array)
    return wrap(array)


def _filled(kind_fn, size, dtype, device, requires_grad, default=None):
    dtype = dt.to_dtype(dtype) if dtype is not None else (default or dt.get_default_dtype())
    kind, index = _dev(device)
    xp = backend.module_for(kind, index)
    return _finish(kind_fn(xp, _sizes(size), dtype.np), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _filled(lambda xp, s, d: xp.zeros(s, dtype=d), size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _filled(lambda xp, s, d: xp.ones(s, dtype=d), size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _filled(lambda xp, s, d: xp.empty(s, dtype=d), size, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype follows the value)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = dt.bool_ if isinstance(fill_value, bool) else dt.int64 if isinstance(
        fill_value, int) else None
    return _filled(lambda xp, s, d: xp.full(s, fill_value, dtype=d), (size,), dtype, device,
                   requires_grad, default)


def _like(x, dtype, device):
    return (dtype if dtype is not None else x.dtype), (device if device is not None else x.device)


def zeros_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(x, dtype, device)
    return zeros(x._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def ones_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(x, dtype, device)
    return ones(x._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def empty_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(x, dtype, device)
    return empty(x._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def full_like(x, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    d, dev = _like(x, dtype, device)
    return full(x._data.shape, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Identity matrix (n, m), ones on the diagonal."""
    m = n if m is None else m
    dtype = dt.to_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    kind, index = _dev(device)
    return _finish(backend.module_for(kind, index).eye(n, m, dtype=dtype.np), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values start, start+step, ... < end (int64 for ints, the default float otherwise)."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        dtype = dt.int64 if all(isinstance(v, int) for v in vals) else dt.get_default_dtype()
    dtype = dt.to_dtype(dtype)
    kind, index = _dev(device)
    xp = backend.module_for(kind, index)
    n = max(math.ceil((vals[1] - vals[0]) / vals[2]), 0)
    # compute in float64 then cast, as PyTorch does, so the count is exactly ceil((end-start)/step)
    arr = (xp.arange(n, dtype="float64") * vals[2] + vals[0]).astype(dtype.np) \
        if dtype.is_floating_point else xp.arange(vals[0], vals[1], vals[2]).astype(dtype.np)
    return _finish(arr, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included."""
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    dtype = dt.to_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    kind, index = _dev(device)
    xp = backend.module_for(kind, index)
    return _finish(xp.linspace(start, end, steps, dtype="float64").astype(dtype.np),
                   requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError("logspace(): number of steps must be non-negative")
    lin = linspace(start, end, steps, dtype="float64", device=device)
    return _finish((base ** lin._data).astype(
        (dt.to_dtype(dtype) if dtype else dt.get_default_dtype()).np), requires_grad)


# ---------------------------------------------------------------------------------------------
# random
# ---------------------------------------------------------------------------------------------

def _random(fn, size, dtype, device, requires_grad, generator, **kw):
    dtype = dt.to_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    kind, index = _dev(device)
    if kind == "cuda":
        backend.module_for(kind, index)
    return _finish(fn(_sizes(size), dtype.np, kind, generator, **kw), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform on [0, 1)."""
    return _random(rnd.uniform, size, dtype, device, requires_grad, generator)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal: mean 0, variance 1."""
    return _random(rnd.normal, size, dtype, device, requires_grad, generator)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers uniform on [low, high); ``randint(high, size)`` uses low = 0."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    dtype = dt.to_dtype(dtype) if dtype is not None else dt.int64
    kind, _ = _dev(device)
    return _finish(rnd.integers(low, high, _sizes((size,)), dtype.np, kind, generator),
                   requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0 .. n-1."""
    dtype = dt.to_dtype(dtype) if dtype is not None else dt.int64
    kind, _ = _dev(device)
    return _finish(rnd.permutation(n, dtype.np, kind, generator), requires_grad)


def rand_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(x, dtype, device)
    return rand(x._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randn_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    d, dev = _like(x, dtype, device)
    return randn(x._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randint_like(x, low, high=None, *, dtype=None, device=None, requires_grad=False):
    d, dev = _like(x, dtype, device)
    return randint(low, high, x._data.shape, dtype=d, device=dev, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Normal samples: scalar mean/std with ``size``, or tensors of means/stds."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        z = randn(ref._data.shape, generator=generator, dtype=ref.dtype, device=ref.device)
        return (z * std + mean).detach()
    return _random(rnd.normal, size, dtype, device, requires_grad, generator, mean=mean, std=std)


def bernoulli(p, *, generator=None) -> Tensor:
    """1 with probability ``p`` (a tensor of probabilities), else 0; same dtype as ``p``."""
    kind = p.device.type
    mask = rnd.bernoulli(p._data, kind, generator)
    return wrap(mask.astype(p._data.dtype))


def multinomial(probs, num_samples, replacement=False, *, generator=None) -> Tensor:
    """Indices sampled from the rows of ``probs`` (weights, not necessarily normalised)."""
    P = backend.to_numpy(probs._data).astype("float64")
    rows = P.reshape(-1, P.shape[-1])
    rng = (generator or rnd.default_generator("cpu"))._stream("cpu")
    out = []
    for r in rows:
        if (r < 0).any() or r.sum() <= 0:
            raise RuntimeError("multinomial: invalid probability distribution (sum of "
                               "probabilities <= 0 or a negative entry)")
        if not replacement and num_samples > (r > 0).sum():
            raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) "
                               "samples without replacement")
        out.append(rng.choice(len(r), size=num_samples, replace=replacement, p=r / r.sum()))
    res = backend.asarray(out, dtype="int64").reshape(P.shape[:-1] + (num_samples,))
    return wrap(backend.to_device(res, probs.device.type, probs.device.index))


def manual_seed(seed: int):
    """Seed every random number generator edutorch uses (CPU and GPU)."""
    return rnd.manual_seed(seed)


def seed() -> int:
    return rnd.default_generator("cpu").seed()


def initial_seed() -> int:
    return rnd.default_generator("cpu").initial_seed()


__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "eye", "arange", "linspace",
           "logspace", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
           "randint_like", "normal", "bernoulli", "multinomial", "manual_seed", "seed",
           "initial_seed"]
