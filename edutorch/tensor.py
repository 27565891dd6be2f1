"""The Tensor: an n-dimensional array plus what autograd needs to differentiate through it.

A tensor holds a backend array (``_data``: NumPy on the CPU, CuPy on the GPU) and, for autograd:

- ``requires_grad``: whether gradients should flow to it;
- ``grad_fn``: the graph node that produced it (``None`` for leaves, which the user created);
- ``grad``: for leaves, the gradient summed in by ``backward``;
- a version counter, shared with its views, bumped by every in-place change, so that backward
  can refuse to use a saved value that has since been overwritten.

The operations themselves live in ``edutorch/_ops/`` and are attached as methods at the bottom
of this file.
"""
from __future__ import annotations

import weakref

from . import _dtype as dt
from . import backend
from ._device import device, to_device
from .autograd import grad_mode
from .autograd.graph import AccumulateGrad, _Handle, run_backward

_new = object.__new__
_ndarray = backend.ndarray


class Size(tuple):
    """A tensor's shape: a tuple that prints like ``edutorch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"edutorch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


_AUTOGRAD_ATTRS = ("_acc", "_hooks", "_post_acc_hooks")


class Tensor:
    __slots__ = ("_data", "_rg", "grad", "grad_fn", "_output_nr", "_vc", "_base", "_view_fn",
                 "_view_version", "__dict__", "__weakref__")
    # set on few tensors (leaves with hooks): class defaults, so that making a tensor, which
    # every op does, need not set them
    _acc = _hooks = _post_acc_hooks = None

    # -- construction ------------------------------------------------------------------------
    def __init__(self, *args, device=None, dtype=None):
        """``Tensor(data)`` (float32 copy of ``data``) or ``Tensor(2, 3)`` (uninitialised)."""
        from ._ops import creation
        if len(args) == 1 and not isinstance(args[0], int):
            src = creation.tensor(args[0], dtype=dtype or dt.get_default_dtype(), device=device)
        else:
            src = creation.empty(*args, dtype=dtype, device=device)
        self._init(src._data)

    def _init(self, data) -> None:
        self._data = data
        self._rg = False
        self.grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._vc = [0]
        self._base = None

    @classmethod
    def _wrap(cls, data) -> "Tensor":
        """A new tensor around a backend array (no copy). The fast path of every op."""
        t = _new(Tensor)
        if type(data) is not _ndarray and not backend.is_gpu_array(data):
            data = backend.asarray(data)  # NumPy returns scalars from whole-array reductions
        t._data = data
        t._rg = False
        t.grad = None
        t.grad_fn = None
        t._output_nr = 0
        t._vc = [0]
        t._base = None
        return t

    # -- what it is ----------------------------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """The same values, detached from autograd (and its version tracking), as in PyTorch."""
        t = Tensor._wrap(self._data)
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def dtype(self) -> dt.dtype:
        return dt._by_np[self._data.dtype]

    @property
    def device(self) -> device:
        kind, index = backend.device_of(self._data)
        return device(kind, index)

    @property
    def is_cuda(self) -> bool:
        return not backend.is_numpy(self._data)

    @property
    def is_cpu(self) -> bool:
        return backend.is_numpy(self._data)

    def is_floating_point(self) -> bool:
        return backend.is_floating(self._data.dtype)

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[self._wrap_dim(dim, "stride")]

    def _wrap_dim(self, dim: int, op: str) -> int:
        n = self._data.ndim
        lo, hi = (-n, n - 1) if n else (-1, 0)
        if not lo <= dim <= hi:
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                             f"[{lo}, {hi}], but got {dim})")
        return dim + n if dim < 0 else dim

    # -- autograd ------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None:
            if not flag:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "If you want to use a computed variable in a subgraph that "
                                   "doesn't require differentiation use var_no_grad = var.detach()")
            return
        if flag and not backend.is_floating(self._data.dtype):
            raise RuntimeError(f"only floating point tensors can require gradients "
                               f"(got dtype {self.dtype})")
        self._rg = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has seen (shared with its views)."""
        return self._vc[0]

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        return bool(fn is not None and fn._extras and self._output_nr in
                    fn._extras.get("retain", {}))

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        self.grad_fn._extra("retain", dict)[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """``hook(grad) -> new grad or None`` runs when the gradient for this tensor is computed."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            return _Handle(self._hooks, hook)
        return _Handle(self.grad_fn._tensor_hooks(self._output_nr), hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        return _Handle(self._post_acc_hooks, hook)

    def _grad_accumulator(self) -> AccumulateGrad:
        acc = self._acc() if self._acc is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._acc = weakref.ref(acc)
        return acc

    def _refresh_view_grad_fn(self):
        """Re-derive a view's grad_fn from its base, after an in-place change to either."""
        with grad_mode.enable_grad():
            fresh = _apply_view_steps(self._base, self._view_fn)
        self.grad_fn, self._output_nr = fresh.grad_fn, fresh._output_nr
        self._rg = fresh._rg
        self._view_version = self._vc[0]
        return self.grad_fn

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (the chain rule, backwards).

        ``gradient`` is dL/d(self), needed when ``self`` is not a scalar.
        """
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                   f"(got a tensor of shape {list(self._data.shape)}); pass "
                                   f"gradient=, the gradient of the final loss w.r.t. it")
            gradient = Tensor._wrap(backend.xp_of(self._data).ones_like(self._data))
        else:
            gradient = _check_gradient(self, gradient, "backward")
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
        run_backward([self], [gradient], retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """Same data (shared, with the same version counter), cut off from the graph."""
        t = Tensor._wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._rg = False
        self._base = None
        return self

    # -- conversions ---------------------------------------------------------------------------
    def numpy(self, *, force: bool = False):
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if not backend.is_numpy(self._data):
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. "
                                f"Use Tensor.cpu() to copy the tensor to host memory first.")
            return backend.to_numpy(self._data)
        return self._data

    # NumPy's operators defer to the Tensor (np.float64(2) * t calls t.__rmul__), as in PyTorch
    __array_ufunc__ = None

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               f"to Scalar")
        return self._data.item()

    def tolist(self):
        return backend.to_numpy(self._data).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {list(self._data.shape)})")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def __reduce_ex__(self, protocol):
        raise TypeError("edutorch tensors are not pickled (pickle runs code when loaded); use "
                        "edutorch.save / edutorch.load, which write safetensors")

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        t = type(self).__new__(type(self))
        Tensor._init(t, self._data.copy())
        t._rg = self._rg
        if self.grad is not None:
            t.grad = self.grad.clone()
        if hasattr(self, "__dict__"):
            import copy
            # the user's attributes; not the autograd bookkeeping (the gradient accumulator,
            # hooks), which belongs to this tensor alone
            mine = {k: v for k, v in self.__dict__.items() if k not in _AUTOGRAD_ATTRS}
            t.__dict__.update(copy.deepcopy(mine, memo))
        memo[id(self)] = t
        return t

    def to(self, *args, **kwargs) -> "Tensor":
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; ``copy=False``."""
        dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dev, dtype = a.device, a.dtype
            elif isinstance(a, dt.dtype):
                dtype = a
            elif isinstance(a, (str, device, int)):
                dev = a
            else:
                raise TypeError(f"to(): expected a dtype, a device or a Tensor, got "
                                f"{type(a).__name__}")
        out = self
        if dev is not None:
            d = to_device(dev)
            cur_kind, cur_idx = backend.device_of(self._data)
            if (d.type, d.index or 0) != (cur_kind, cur_idx or 0):
                from ._ops.pointwise import to_device_op
                out = to_device_op(out, d)
        if dtype is not None and dt.to_dtype(dtype).np != out._data.dtype:
            from ._ops.pointwise import cast
            out = cast(out, dt.to_dtype(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, device=None) -> "Tensor":
        return self.to(device if device is not None else "cuda")

    def type(self, dtype=None):
        if dtype is None:  # PyTorch's legacy names: FloatTensor, LongTensor, ...
            return f"edutorch.{dt.scalar_type_name(self.dtype)}Tensor"
        return self.to(dt.to_dtype(dtype))

    def float(self) -> "Tensor":
        return self.to(dt.float32)

    def double(self) -> "Tensor":
        return self.to(dt.float64)

    def half(self) -> "Tensor":
        return self.to(dt.float16)

    def bfloat16(self) -> "Tensor":
        return self.to(dt.bfloat16)

    def long(self) -> "Tensor":
        return self.to(dt.int64)

    def int(self) -> "Tensor":
        return self.to(dt.int32)

    def short(self) -> "Tensor":
        return self.to(dt.int16)

    def bool(self) -> "Tensor":
        return self.to(dt.bool_)

    def byte(self) -> "Tensor":
        return self.to(dt.uint8)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)


def _apply_view_steps(base, steps):
    """Make a view again from its base: replay the view ops that made it."""
    t = base
    for cls, kwargs, nr in steps:
        t = cls.apply(t, **kwargs)
        if nr is not None:
            t = t[nr]
    return t


def _check_gradient(out, gradient, op):
    if not isinstance(gradient, Tensor):
        from ._ops.creation import tensor as make
        gradient = make(gradient, dtype=out.dtype, device=out.device)
    if gradient._data.shape != out._data.shape:
        raise RuntimeError(f"{op}: Mismatch in shape: grad_output has a shape of "
                           f"{list(gradient._data.shape)} and output has a shape of "
                           f"{list(out._data.shape)}.")
    if type(gradient._data) is not type(out._data):
        raise RuntimeError(f"{op}: gradient is on {gradient.device} but the output is on "
                           f"{out.device}")
    return gradient


from .autograd import function as _function  # noqa: E402

_function._Tensor = Tensor  # the op mechanism wraps its results in Tensors
from ._ops import methods as _methods  # noqa: E402  (attaches the ops as Tensor methods)

_methods.attach(Tensor)
