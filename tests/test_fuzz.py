"""Property-based fuzzing of the common ops against PyTorch (Hypothesis).

Every example builds the same inputs in edutorch and PyTorch and checks that

* both raise, or neither does (a silent result where PyTorch refuses is a bug, and so is a
  refusal where PyTorch computes); where both raise, edutorch's error is of PyTorch's Python
  type (IndexError, RuntimeError, NotImplementedError, ...); a backward PyTorch refuses
  (an op with no derivative) must be refused too;
* the results have the same dtype, shape and values (NaN where PyTorch has NaN);
* for floating point inputs, the gradients of ``sum(out * w)`` (a fixed, uneven ``w``) agree.

The ops: arithmetic with broadcasting and Python scalars on either side, reductions, shape
ops, indexing (reading and writing), softmax/log_softmax, matmul, conv2d and pooling. Shapes
include zero-size dims; dtypes include bool and small integers; values include NaN and inf.

CI runs a few dozen examples per test, derandomized (the same examples every run). For a large
local run: ``EDUTORCH_FUZZ_EXAMPLES=1000 pytest -o addopts="" tests/test_fuzz.py``. The module
is skipped where PyTorch is not installed (it is the oracle).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import edutorch  # noqa: E402

pytestmark = pytest.mark.torch

EXAMPLES = int(os.environ.get("EDUTORCH_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

FLOATS = ("float32", "float64")
INTS = ("int64", "int32", "uint8")
ALL = FLOATS + INTS + ("bool",)
RTOL = {"float16": 2e-2, "float32": 2e-4, "float64": 1e-9}
ATOL = {"float16": 2e-2, "float32": 2e-5, "float64": 1e-11}


# ---------------------------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------------------------

def _elements(dtype, specials=True):
    if dtype == "bool":
        return st.booleans()
    if dtype == "uint8":
        return st.integers(0, 60)
    if dtype.startswith("int"):
        return st.integers(-60, 60)
    finite = st.floats(-100, 100, width=16 if dtype == "float16" else 32)
    if not specials:
        return finite
    return st.one_of(finite, finite, finite, finite, finite, finite, finite,
                     st.sampled_from([0.0, -0.0, 1.0, float("nan"), float("inf"),
                                      float("-inf")]))


def shapes(min_dims=0, max_dims=3, min_side=0, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


@st.composite
def arrays(draw, dtypes=ALL, shape=None, specials=True, **shape_kw):
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes(**shape_kw)) if shape is None else shape
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype, specials)))


@st.composite
def broadcast_pair(draw, dtypes=ALL):
    """Two arrays whose shapes broadcast (or, sometimes, do not)."""
    a, b = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3,
                                                  min_side=0)).input_shapes
    if draw(st.integers(0, 9)) == 0 and len(b):  # now and then, shapes that cannot broadcast
        b = b[:-1] + (b[-1] + 2,)
    x = draw(arrays(dtypes, shape=a))
    y = draw(arrays(dtypes, shape=b))
    return x, y


# ---------------------------------------------------------------------------------------------
# the comparison
# ---------------------------------------------------------------------------------------------

def _name(dtype) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def _lib_tensor(lib, a, grad):
    t = lib.tensor(a) if not isinstance(a, np.ndarray) else lib.from_numpy(a.copy())
    if grad and a.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def _weights(shape, dtype):
    n = int(np.prod(shape)) if shape else 1
    return (np.cos(np.arange(n) * 0.7) + 1.5).reshape(shape).astype(dtype)


def _close(got, want, dtype, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if got.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=RTOL.get(dtype, 1e-6),
                                   atol=ATOL.get(dtype, 1e-6), equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def _outputs(out):
    if isinstance(out, (tuple, list)):
        return [o for o in out]
    return [out]


def _builtin_type(e: BaseException) -> type:
    """The Python exception class an error is (PyTorch's own errors subclass these)."""
    return next(c for c in type(e).__mro__ if c.__module__ == "builtins")


def _raises_like(torch_error, call, what):
    """``call`` must raise where PyTorch raised, an exception of the same Python type
    (``IndexError`` for an index out of range, ``RuntimeError`` for a shape mismatch ...)."""
    kind = _builtin_type(torch_error)
    try:
        call()
    except Exception as e:  # noqa: BLE001
        assert isinstance(e, kind), (f"{what}: edutorch raised {type(e).__name__}: {e}; "
                                     f"PyTorch raised {kind.__name__}: {torch_error}")
        return
    raise AssertionError(f"{what}: edutorch did not raise; PyTorch raised "
                         f"{type(torch_error).__name__}: {torch_error}")


def compare(fn, *inputs, grad=True, check_grad=True):
    """Run ``fn(lib, *tensors)`` in both libraries and compare as described above.

    Inputs are NumPy arrays (become tensors) or anything else (passed through unchanged)."""
    def build(lib):
        return [_lib_tensor(lib, a, grad) if isinstance(a, np.ndarray) else a for a in inputs]

    t_in = build(torch)
    try:
        want = fn(torch, *t_in)
    except Exception as e:  # noqa: BLE001 - whatever PyTorch refuses, edutorch must refuse
        e_in = build(edutorch)
        _raises_like(e, lambda: fn(edutorch, *e_in), "forward")
        return
    e_in = build(edutorch)
    try:
        got = fn(edutorch, *e_in)
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"edutorch raised {type(e).__name__}: {e}; PyTorch returned "
                             f"{want!r}") from e
    wants, gots = _outputs(want), _outputs(got)
    assert len(wants) == len(gots)
    for w, g in zip(wants, gots):
        if not isinstance(w, torch.Tensor):
            assert not isinstance(g, edutorch.Tensor) and w == g, (g, w)
            continue
        assert isinstance(g, edutorch.Tensor), type(g)
        assert _name(g.dtype) == _name(w.dtype), f"dtype {g.dtype} != {w.dtype}"
        _close(g.detach().numpy(), w.detach().cpu().numpy(), _name(w.dtype), "value")
    if not (grad and check_grad):
        return
    pairs = [(g, w) for g, w in zip(gots, wants)
             if isinstance(w, torch.Tensor) and w.requires_grad and w.dtype.is_floating_point]
    leaves = [(e, t) for e, t in zip(e_in, t_in)
              if isinstance(t, torch.Tensor) and t.requires_grad]
    if not pairs or not leaves:
        return
    t_loss = sum((w * torch.from_numpy(_weights(tuple(w.shape), _name(w.dtype)))).sum()
                 for _, w in pairs)
    e_loss = sum((g * edutorch.from_numpy(_weights(tuple(g.shape), _name(g.dtype)))).sum()
                 for g, _ in pairs)
    try:
        t_loss.backward()
    except Exception as e:  # noqa: BLE001 - a backward PyTorch refuses (no derivative defined)
        _raises_like(e, e_loss.backward, "backward")
        return
    e_loss.backward()
    for k, (e, t) in enumerate(leaves):
        if t.grad is None:
            assert e.grad is None or not np.any(e.grad.numpy()), f"grad {k}: torch has None"
            continue
        assert e.grad is not None, f"grad {k}: edutorch has None"
        _close(e.grad.numpy(), t.grad.numpy(), _name(t.dtype), f"grad of input {k}")


# ---------------------------------------------------------------------------------------------
# arithmetic with broadcasting and Python scalars
# ---------------------------------------------------------------------------------------------

BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
    "pow": lambda a, b: a ** b, "lt": lambda a, b: a < b, "eq": lambda a, b: a == b,
    "ge": lambda a, b: a >= b,
}
BINARY_FN = {
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "where": lambda lib, a, b: lib.where(a > 0, a, b),
    "atan2_like": lambda lib, a, b: lib.clamp(a, min=-1.0, max=1.0) * b,
}


@FUZZ
@given(pair=broadcast_pair(), op=st.sampled_from(sorted(BINARY) + sorted(BINARY_FN)))
def test_binary_tensor_tensor(pair, op):
    x, y = pair
    if op in BINARY:
        # (floor_divide has no derivative in PyTorch: its backward must raise in both)
        compare(lambda lib, a, b: BINARY[op](a, b), x, y)
    else:
        compare(BINARY_FN[op], x, y)


SCALARS = st.one_of(st.integers(-5, 5), st.floats(-4, 4, width=32), st.booleans(),
                    st.sampled_from([0, 0.0, 0.5, -1, 2, float("nan"), float("inf"), 300,
                                     -300]))


@FUZZ
@given(x=arrays(), s=SCALARS, op=st.sampled_from(sorted(BINARY)), left=st.booleans())
def test_binary_tensor_scalar(x, s, op, left):
    f = BINARY[op]
    if left:
        # A Python bool to the power of a tensor fails inside PyTorch 2.13 itself
        # ("INTERNAL ASSERT FAILED ... Scalar.cpp ... unknown ivalue tag", a PyTorch bug,
        # not a refusal by design): no reference to compare with. edutorch computes it
        # (True ** x is 1, False ** x is 1 where x == 0 and 0 elsewhere).
        assume(not (op == "pow" and isinstance(s, bool)))
        compare(lambda lib, a: f(s, a), x)
    else:
        compare(lambda lib, a: f(a, s), x)


@FUZZ
@given(x=arrays(FLOATS), s=st.floats(-4, 4, width=32), op=st.sampled_from(["add", "mul",
                                                                            "sub", "div"]))
def test_numpy_scalar_on_the_left(x, s, op):
    f = BINARY[op]
    compare(lambda lib, a: f(np.float64(s), a), x)


UNARY = {
    "neg": lambda lib, a: -a, "abs": lambda lib, a: lib.abs(a), "exp": lambda lib, a: lib.exp(a),
    "log": lambda lib, a: lib.log(a), "sqrt": lambda lib, a: lib.sqrt(a),
    "tanh": lambda lib, a: lib.tanh(a), "sigmoid": lambda lib, a: lib.sigmoid(a),
    "relu": lambda lib, a: lib.relu(a), "sign": lambda lib, a: lib.sign(a),
    "floor": lambda lib, a: lib.floor(a), "clamp": lambda lib, a: lib.clamp(a, -1, 2),
    "square": lambda lib, a: a * a, "reciprocal": lambda lib, a: lib.reciprocal(a),
    "sin": lambda lib, a: lib.sin(a), "log1p": lambda lib, a: lib.log1p(a),
}


@FUZZ
@given(x=arrays(), op=st.sampled_from(sorted(UNARY)))
def test_unary(x, op):
    compare(UNARY[op], x)


# ---------------------------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------------------------

REDUCTIONS = {
    "sum": lambda lib, a, d, k: a.sum(d, keepdim=k) if d is not None else a.sum(),
    "mean": lambda lib, a, d, k: a.mean(d, keepdim=k) if d is not None else a.mean(),
    "prod": lambda lib, a, d, k: a.prod(d, keepdim=k) if d is not None else a.prod(),
    "amax": lambda lib, a, d, k: a.amax(d, keepdim=k) if d is not None else a.amax(),
    "max": lambda lib, a, d, k: a.max(d, keepdim=k) if d is not None else a.max(),
    "min": lambda lib, a, d, k: a.min(d, keepdim=k) if d is not None else a.min(),
    "argmax": lambda lib, a, d, k: a.argmax(d, keepdim=k) if d is not None else a.argmax(),
    "argmin": lambda lib, a, d, k: a.argmin(d, keepdim=k) if d is not None else a.argmin(),
    "var": lambda lib, a, d, k: a.var(d, keepdim=k) if d is not None else a.var(),
    "std": lambda lib, a, d, k: a.std(d, keepdim=k) if d is not None else a.std(),
    "logsumexp": lambda lib, a, d, k: lib.logsumexp(a, d if d is not None else 0, keepdim=k),
    "cumsum": lambda lib, a, d, k: a.cumsum(d if d is not None else 0),
    "all": lambda lib, a, d, k: a.all(d, keepdim=k) if d is not None else a.all(),
    "any": lambda lib, a, d, k: a.any(d, keepdim=k) if d is not None else a.any(),
}


@FUZZ
@given(x=arrays(ALL + ("float16",)), op=st.sampled_from(sorted(REDUCTIONS)),
       dim=st.one_of(st.none(), st.integers(-4, 3)), keepdim=st.booleans())
def test_reduction(x, op, dim, keepdim):
    # edutorch's max/min of ties may pick another index than PyTorch's: compare values only
    fn = REDUCTIONS[op]
    if op in ("max", "min") and dim is not None:
        def values(lib, a):
            return fn(lib, a, dim, keepdim)[0]
        compare(values, x)
    else:
        compare(lambda lib, a: fn(lib, a, dim, keepdim), x)


# ---------------------------------------------------------------------------------------------
# shape ops
# ---------------------------------------------------------------------------------------------

def _reshape_target(draw, shape: tuple) -> list:
    """A shape to reshape to: ``shape``'s sizes shuffled, sometimes one of them -1 (inferred)
    and sometimes an extra 2 (usually an invalid size)."""
    target = list(draw(st.permutations(list(shape)))) if shape else []
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    if draw(st.integers(0, 5)) == 0:
        target = target + [2]
    return target


@st.composite
def shape_case(draw):
    x = draw(arrays(("float32", "int64", "bool"), max_dims=4))
    nd = x.ndim
    dims = st.integers(-nd - 1, nd)
    choice = draw(st.sampled_from(["reshape", "permute", "transpose", "flatten", "squeeze",
                                   "unsqueeze", "expand", "flip", "cat", "stack", "split",
                                   "chunk", "movedim", "t"]))
    if choice == "reshape":
        shape = _reshape_target(draw, x.shape)
        return choice, x, lambda lib, a: a.reshape(shape)
    if choice == "permute":
        perm = draw(st.permutations(list(range(nd))))
        if nd and draw(st.integers(0, 6)) == 0:
            perm = perm[:-1]
        # (an empty argument list is a TypeError in PyTorch: not a data-dependent case)
        return choice, x, lambda lib, a: a.permute(*perm) if perm else a.permute(())
    if choice == "transpose":
        i, j = draw(dims), draw(dims)
        return choice, x, lambda lib, a: a.transpose(i, j)
    if choice == "flatten":
        i, j = draw(dims), draw(dims)
        return choice, x, lambda lib, a: a.flatten(i, j)
    if choice == "squeeze":
        d = draw(st.one_of(st.none(), dims))
        return choice, x, lambda lib, a: a.squeeze() if d is None else a.squeeze(d)
    if choice == "unsqueeze":
        d = draw(st.integers(-nd - 2, nd + 1))
        return choice, x, lambda lib, a: a.unsqueeze(d)
    if choice == "expand":
        shape = [draw(st.sampled_from([s, -1] if s != 1 else [1, 3, -1, 0])) for s in x.shape]
        lead = draw(st.lists(st.integers(0, 3), max_size=2))
        return choice, x, lambda lib, a: a.expand(tuple(lead + shape))
    if choice == "flip":
        ds = draw(st.lists(dims, max_size=2, unique=True))
        return choice, x, lambda lib, a: a.flip(ds)
    if choice in ("cat", "stack"):
        d = draw(dims)
        y = draw(arrays(("float32", "int64", "bool"),
                        shape=x.shape if draw(st.integers(0, 4)) else draw(shapes())))
        fn = getattr(torch, choice)
        del fn
        return choice, (x, y), lambda lib, a, b: getattr(lib, choice)([a, b], d)
    if choice == "split":
        size, d = draw(st.integers(0, 3)), draw(dims)
        return choice, x, lambda lib, a: a.split(size, d)
    if choice == "chunk":
        n, d = draw(st.integers(0, 4)), draw(dims)
        return choice, x, lambda lib, a: a.chunk(n, d)
    if choice == "movedim":
        i, j = draw(dims), draw(dims)
        return choice, x, lambda lib, a: lib.movedim(a, i, j)
    return choice, x, lambda lib, a: a.t()


@FUZZ
@given(case=shape_case())
def test_shape_ops(case):
    _, x, fn = case
    if isinstance(x, tuple):
        compare(fn, *x)
    else:
        compare(fn, x)


# ---------------------------------------------------------------------------------------------
# indexing
# ---------------------------------------------------------------------------------------------

@st.composite
def index_key(draw, shape):
    parts = []
    for size in shape[:draw(st.integers(0, len(shape)))]:
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis", "list",
                                     "mask"]))
        if kind == "int":
            parts.append(draw(st.integers(-size - 2, size + 1)))
        elif kind == "slice":
            parts.append(slice(draw(st.one_of(st.none(), st.integers(-5, 5))),
                               draw(st.one_of(st.none(), st.integers(-5, 5))),
                               draw(st.one_of(st.none(), st.integers(1, 3)))))
        elif kind == "none":
            parts.append(None)
        elif kind == "ellipsis" and not any(p is Ellipsis for p in parts):
            parts.append(Ellipsis)
        elif kind == "list":
            parts.append(draw(st.lists(st.integers(-size - 1, size), max_size=3)))
        else:
            parts.append(np.array(draw(st.lists(st.booleans(), min_size=size,
                                                max_size=size)), dtype=bool))
    return tuple(parts)


def _key_for(lib, key):
    out = []
    for k in key:
        if isinstance(k, list):
            out.append(lib.tensor(k, dtype=lib.int64))
        elif isinstance(k, np.ndarray):
            out.append(lib.tensor(k.tolist(), dtype=lib.bool))
        else:
            out.append(k)
    return tuple(out)


@FUZZ
@given(data=st.data())
def test_indexing_read(data):
    x = data.draw(arrays(("float32", "int64"), min_dims=1))
    key = data.draw(index_key(x.shape))
    compare(lambda lib, a: a[_key_for(lib, key)], x)


@FUZZ
@given(data=st.data(), value=st.one_of(st.integers(-3, 3), st.floats(-2, 2, width=32)))
def test_indexing_write(data, value):
    x = data.draw(arrays(("float32", "int64"), min_dims=1))
    key = data.draw(index_key(x.shape))

    def write(lib, a):
        b = a.detach().clone()
        b[_key_for(lib, key)] = value
        return b
    compare(write, x, grad=False)


# ---------------------------------------------------------------------------------------------
# softmax, matmul, conv2d, pooling
# ---------------------------------------------------------------------------------------------

@FUZZ
@given(x=arrays(FLOATS + ("int64",)),
       dim=st.integers(-4, 3),
       fn=st.sampled_from(["softmax", "log_softmax"]))
def test_softmax(x, dim, fn):
    compare(lambda lib, a: getattr(lib.nn.functional, fn)(a, dim=dim), x)


@st.composite
def matmul_pair(draw):
    dtype = draw(st.sampled_from(FLOATS + ("int64",)))
    n, k, m = (draw(st.integers(0, 3)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 2), max_size=2))
    a_shape = draw(st.sampled_from([(k,), (n, k), tuple(batch) + (n, k)]))
    b_shape = draw(st.sampled_from([(k,), (k, m), tuple(batch[-1:]) + (k, m)]))
    if draw(st.integers(0, 7)) == 0:
        b_shape = b_shape[:-2] + (k + 1,) + b_shape[-1:] if len(b_shape) >= 2 else (k + 1,)
    a = draw(hnp.arrays(dtype, a_shape, elements=_elements(dtype, specials=False)))
    b = draw(hnp.arrays(dtype, b_shape, elements=_elements(dtype, specials=False)))
    return a, b


@FUZZ
@given(pair=matmul_pair())
def test_matmul(pair):
    compare(lambda lib, a, b: a @ b, *pair)


@st.composite
def conv_case(draw):
    dtype = draw(st.sampled_from(FLOATS))
    n, c, h, w = (draw(st.integers(lo, 4)) for lo in (0, 1, 1, 1))
    groups = draw(st.sampled_from([1, 1, c]))
    out_c = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = draw(hnp.arrays(dtype, (n, c, h, w), elements=_elements(dtype, specials=False)))
    wt = draw(hnp.arrays(dtype, (out_c, c // groups, kh, kw),
                         elements=_elements(dtype, specials=False)))
    kw_ = dict(stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, 2)),
               dilation=draw(st.integers(1, 2)), groups=groups)
    return x, wt, kw_


@FUZZ
@given(case=conv_case(), bias=st.booleans())
def test_conv2d(case, bias):
    x, w, kw = case
    b = np.linspace(-1, 1, w.shape[0]).astype(x.dtype) if bias else None
    if b is None:
        compare(lambda lib, a, ww: lib.nn.functional.conv2d(a, ww, **kw), x, w)
    else:
        compare(lambda lib, a, ww, bb: lib.nn.functional.conv2d(a, ww, bb, **kw), x, w, b)


@FUZZ
@given(x=st.sampled_from(FLOATS).flatmap(lambda d: hnp.arrays(
           d, shapes(3, 4, 1, 6), elements=st.floats(-100, 100, width=32), unique=True)),
       kernel=st.integers(1, 3), stride=st.one_of(st.none(), st.integers(1, 3)),
       padding=st.integers(0, 2), dilation=st.integers(1, 2), ceil=st.booleans(),
       kind=st.sampled_from(["max", "avg"]))
def test_pool2d(x, kernel, stride, padding, dilation, ceil, kind):
    def pool(lib, a):
        F = lib.nn.functional
        if kind == "max":
            return F.max_pool2d(a, kernel, stride, padding, dilation, ceil_mode=ceil)
        return F.avg_pool2d(a, kernel, stride, padding, ceil_mode=ceil)
    # ties in max pooling may send the gradient to a different (equal) element: no specials,
    # and continuous random values make ties unlikely
    compare(pool, x)
