"""Shared comparison helpers for the core tests.

The central tool is ``check_op``: one callable written for both libraries,

    check_op(lambda lib, x, y: lib.matmul(x, y), a, b)

where ``a`` and ``b`` are NumPy arrays. It builds edutorch and (when importable) PyTorch tensors
from the same arrays, runs the forward pass on both, backpropagates the same random
``grad_output`` through both and compares the outputs, their dtypes and every input's gradient.
It then runs ``edutorch.autograd.gradcheck`` in float64, which needs no PyTorch at all, so the
gradients are still checked where torch is absent.

``check_double_backward`` does the same one level up: second derivatives through
``autograd.grad(..., create_graph=True)``, compared with PyTorch's and checked by
``gradgradcheck``.
"""
from __future__ import annotations

import os

import numpy as np

import edutorch
from edutorch.autograd import gradcheck, gradgradcheck

try:  # PyTorch is the reference where it is installed; the checks degrade gracefully without
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

# Relative tolerances of the brief; absolute tolerances for values near zero.
RTOL = {"float64": 1e-7, "float32": 1e-4, "float16": 1e-2}
ATOL = {"float64": 1e-9, "float32": 1e-5, "float16": 1e-3}
FLOAT_DTYPES = ("float64", "float32")
# The device the op and module checks run on when a test names none: EDUTORCH_TEST_DEVICE=cuda
# runs them all again on "cuda" (in CI, the NumPy stand-in for CuPy: EDUTORCH_FAKE_CUDA=1).
DEVICE = os.environ.get("EDUTORCH_TEST_DEVICE", "cpu")


# ---------------------------------------------------------------------------------------------
# conversions
# ---------------------------------------------------------------------------------------------

def to_numpy(t):
    """The values of an edutorch or torch tensor (or a number) as a NumPy array."""
    if isinstance(t, edutorch.Tensor):
        return np.asarray(t.detach().cpu().numpy())
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy(force=True)  # force: PyTorch's ZeroTensors too
    return np.asarray(t)


def dtype_name(t) -> str:
    """``'float32'`` for edutorch.float32, torch.float32 or a NumPy float32 array."""
    if isinstance(t, edutorch.Tensor):
        return t.dtype.name
    if torch is not None and isinstance(t, torch.Tensor):
        return str(t.dtype).replace("torch.", "")
    return np.asarray(t).dtype.name


def is_float(t) -> bool:
    return dtype_name(t).startswith("float")


def make_inputs(arrays, *, requires_grad=True, device=None, lib="edutorch"):
    """Tensors of ``lib`` from NumPy arrays; anything that is not an array passes through.
    Floating point arrays require grad when ``requires_grad``."""
    out = []
    for a in arrays:
        if not isinstance(a, np.ndarray):
            out.append(a)
            continue
        rg = requires_grad and a.dtype.kind == "f"
        if lib == "edutorch":
            t = edutorch.tensor(a, device=device or DEVICE)
            if rg:
                t.requires_grad_(True)
        else:
            t = torch.tensor(a)
            if rg:
                t.requires_grad_(True)
        out.append(t)
    return out


def cast_floats(arrays, dtype):
    """Float arrays converted to ``dtype`` (integer and bool arrays unchanged)."""
    return [a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in arrays]


def outputs_of(out):
    """The tensors of an op's result (a tensor, a tuple or a namedtuple of tensors)."""
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


# ---------------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------------

def assert_close(actual, expected, *, rtol=None, atol=None, check_dtype=True, what="value"):
    """``actual`` (edutorch) matches ``expected`` (torch, NumPy or a number): shape, dtype
    name and values (NaNs must sit in the same places)."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    if check_dtype:
        assert dtype_name(actual) == dtype_name(expected), \
            f"{what}: dtype {dtype_name(actual)} != expected {dtype_name(expected)}"
    name = dtype_name(expected) if is_float(expected) else dtype_name(actual)
    if a.dtype.kind in "fc" or e.dtype.kind in "fc":
        r = RTOL.get(name, 1e-7) if rtol is None else rtol
        t = ATOL.get(name, 1e-9) if atol is None else atol
        np.testing.assert_allclose(a.astype(np.float64), e.astype(np.float64), rtol=r, atol=t,
                                   equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, e, err_msg=what)


def _grad_or_zeros(g, like):
    return np.zeros(like.shape, dtype=np.float64) if g is None else to_numpy(g)


# ---------------------------------------------------------------------------------------------
# the op harness
# ---------------------------------------------------------------------------------------------

def check_op(fn, *inputs, dtypes=FLOAT_DTYPES, grad=True, gradcheck_=True, device=None,
             rtol=None, atol=None, seed=0, expected=None):
    """Forward and backward of ``fn(lib, *tensors)`` in edutorch against PyTorch.

    - ``inputs``: NumPy arrays (float ones are cast to each dtype of ``dtypes`` and require
      grad) or other arguments passed as they are.
    - outputs: same shapes, dtypes and values (rtol 1e-7 in float64, 1e-4 in float32).
    - gradients: the same random grad_output goes backward through both libraries; every
      differentiable input's gradient must match (``None`` counts as zeros).
    - ``gradcheck_``: edutorch's gradients are checked against finite differences in float64.
    - ``expected``: a NumPy reference ``expected(*arrays)`` used when torch is not installed.

    Returns the edutorch outputs of the last dtype, for extra assertions.
    """
    last = None
    for dtype in dtypes:
        arrays = cast_floats(inputs, dtype)
        e_in = make_inputs(arrays, requires_grad=grad, device=device)
        e_out = outputs_of(fn(edutorch, *e_in))
        last = e_out
        if torch is None:
            if expected is not None:
                for i, (o, ref) in enumerate(zip(e_out, outputs_of(expected(*arrays)))):
                    assert_close(o, np.asarray(ref), rtol=rtol, atol=atol,
                                 check_dtype=False, what=f"output {i} ({dtype})")
            continue
        t_in = make_inputs(arrays, requires_grad=grad, lib="torch")
        t_out = outputs_of(fn(torch, *t_in))
        assert len(e_out) == len(t_out), f"{len(e_out)} outputs, torch gives {len(t_out)}"
        for i, (o, r) in enumerate(zip(e_out, t_out)):
            if isinstance(r, torch.Tensor):
                assert isinstance(o, edutorch.Tensor), f"output {i} is not a Tensor"
                assert o.device.type == edutorch.device(device or DEVICE).type, \
                    f"output {i} is on {o.device}, its inputs on {device or DEVICE}"
                assert_close(o, r, rtol=rtol, atol=atol, what=f"output {i} ({dtype})")
            else:
                assert o == r, f"output {i}: {o!r} != {r!r}"
        if not grad:
            continue
        _compare_backward(e_in, e_out, t_in, t_out, dtype, rtol, atol, seed)
    if grad and gradcheck_ and "float64" in dtypes:
        arrays = cast_floats(inputs, "float64")
        e_in = make_inputs(arrays, device=device)
        if any(isinstance(t, edutorch.Tensor) and t.requires_grad for t in e_in):
            assert gradcheck(lambda *xs: fn(edutorch, *xs), tuple(e_in), eps=1e-6, atol=1e-6,
                             rtol=1e-4)
    return last


def _differentiable(out_list):
    return [i for i, o in enumerate(out_list)
            if torch is not None and isinstance(o, torch.Tensor) and o.requires_grad]


def _compare_backward(e_in, e_out, t_in, t_out, dtype, rtol, atol, seed):
    rng = np.random.default_rng(seed)
    idx = _differentiable(t_out)
    e_diff = [t for t in e_in if isinstance(t, edutorch.Tensor) and t.requires_grad]
    t_diff = [t for t in t_in if isinstance(t, torch.Tensor) and t.requires_grad]
    if not idx or not t_diff:
        for i, o in enumerate(e_out):  # torch records no graph: neither may edutorch
            if isinstance(o, edutorch.Tensor) and i not in idx:
                assert not o.requires_grad or not t_diff, \
                    f"output {i} requires grad but torch's does not"
        return
    gos = [rng.standard_normal(t_out[i].shape).astype(dtype) for i in idx]
    for i in idx:
        assert e_out[i].requires_grad, f"output {i} does not require grad"
    e_grads = edutorch.autograd.grad([e_out[i] for i in idx], e_diff,
                                     [edutorch.tensor(g, device=e_out[i].device)
                                      for g, i in zip(gos, idx)], allow_unused=True)
    t_grads = torch.autograd.grad([t_out[i] for i in idx], t_diff,
                                  [torch.tensor(g) for g in gos], allow_unused=True)
    for k, (ge, gt, x) in enumerate(zip(e_grads, t_grads, t_diff)):
        if ge is not None:
            assert ge.device == e_diff[k].device, \
                f"grad of input {k}: on {ge.device}, the input on {e_diff[k].device}"
            assert tuple(ge.shape) == tuple(x.shape), \
                f"grad of input {k}: shape {tuple(ge.shape)} != input's {tuple(x.shape)}"
            assert ge.dtype.name == dtype_name(x), \
                f"grad of input {k}: dtype {ge.dtype.name} != input's {dtype_name(x)}"
        assert_close(_grad_or_zeros(ge, x), _grad_or_zeros(gt, x),
                     rtol=RTOL[dtype] if rtol is None else rtol,
                     atol=ATOL[dtype] if atol is None else atol, check_dtype=False,
                     what=f"grad of input {k} ({dtype})")


def check_double_backward(fn, *inputs, device=None, rtol=None, atol=None, seed=1,
                          gradgradcheck_=True):
    """Second derivatives of ``fn`` in float64: gradgradcheck, and against PyTorch.

    The first backward runs with ``create_graph=True`` and a grad_output ``go`` that itself
    requires grad; then ``sum(v * grads)`` (v random) is differentiated w.r.t. the inputs and
    ``go``. Every one of those gradients must match PyTorch's.
    """
    arrays = cast_floats(inputs, "float64")
    e_in = make_inputs(arrays, device=device)
    e_diff = [t for t in e_in if isinstance(t, edutorch.Tensor) and t.requires_grad]
    if gradgradcheck_:
        assert gradgradcheck(lambda *xs: fn(edutorch, *xs), tuple(e_in), eps=1e-6, atol=1e-5,
                             rtol=1e-3)
    if torch is None:
        return
    rng = np.random.default_rng(seed)
    e_out = fn(edutorch, *e_in)
    go = rng.standard_normal(tuple(e_out.shape))
    vs = [rng.standard_normal(tuple(t.shape)) for t in e_diff]

    def second(lib, out, diff):
        g_out = lib.tensor(go).to(out.device).requires_grad_()
        firsts = lib.autograd.grad(out, diff, g_out, create_graph=True, allow_unused=True)
        total = None
        for f, v in zip(firsts, vs):
            if f is None or not f.requires_grad:
                continue
            term = (f * lib.tensor(v, dtype=f.dtype).to(f.device)).sum()
            total = term if total is None else total + term
        if total is None:
            return [np.zeros(tuple(t.shape)) for t in diff] + [np.zeros(go.shape)], firsts
        res = lib.autograd.grad(total, list(diff) + [g_out], allow_unused=True)
        return [_grad_or_zeros(r, t) for r, t in zip(res, list(diff) + [g_out])], firsts

    t_in = make_inputs(arrays, lib="torch")
    t_diff = [t for t in t_in if isinstance(t, torch.Tensor) and t.requires_grad]
    t_out = fn(torch, *t_in)
    e_res, e_first = second(edutorch, e_out, e_diff)
    t_res, t_first = second(torch, t_out, t_diff)
    for k, (a, b) in enumerate(zip(e_first, t_first)):
        assert_close(_grad_or_zeros(a, e_diff[k]), _grad_or_zeros(b, t_diff[k]), rtol=rtol,
                     atol=atol, check_dtype=False, what=f"first derivative {k}")
    for k, (a, b) in enumerate(zip(e_res, t_res)):
        wrt = "grad_output" if k == len(e_res) - 1 else f"input {k}"
        assert_close(a, b, rtol=rtol, atol=atol, check_dtype=False,
                     what=f"second derivative w.r.t. {wrt}")


def random_array(rng, shape, dtype="float64", low=None, high=None, positive=False,
                 away_from_zero=False):
    """A NumPy test array: normal values, or uniform in [low, high); optionally > 0 or with
    |x| >= 0.5 (for ops whose derivative is singular or not smooth at 0)."""
    if low is not None:
        a = rng.uniform(low, high, shape)
    else:
        a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    if away_from_zero:
        a = np.where(a >= 0, a + 0.5, a - 0.5)
    return np.asarray(a, dtype=dtype)
