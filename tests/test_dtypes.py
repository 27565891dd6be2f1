"""dtype promotion like PyTorch's (tensors with dims > zero-dim tensors > Python numbers, by
category), and conversions (.float() .double() .long() .int() .bool() .to(dtype))."""
import itertools

import numpy as np
import pytest

import edutorch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 2, 2.5]


def _make(lib, dtype, zero_dim):
    data = 1 if zero_dim else [1, 0]
    return lib.tensor(data, dtype=getattr(lib, dtype))


def _name(d):
    return str(d).split(".")[-1]  # "torch.float32" / "edutorch.float32" -> "float32"


def _pairs():
    for a, b in itertools.product(DTYPES, DTYPES):
        for za, zb in ((False, False), (False, True), (True, False), (True, True)):
            yield a, b, za, zb


@pytest.mark.parametrize("op", ["add", "mul", "result_type"])
def test_tensor_tensor_promotion_grid(torch, op):
    """Every dtype pair, with and without zero-dim operands, against torch."""
    mismatches = []
    for a, b, za, zb in _pairs():
        if op == "add" and a == b == "bool":
            continue
        ta, tb = _make(torch, a, za), _make(torch, b, zb)
        ea, eb = _make(edutorch, a, za), _make(edutorch, b, zb)
        if op == "result_type":
            want, got = torch.result_type(ta, tb), edutorch.result_type(ea, eb)
        else:
            want, got = getattr(torch, op)(ta, tb).dtype, getattr(edutorch, op)(ea, eb).dtype
        if _name(want) != _name(got):
            mismatches.append(f"{a}{'(0-d)' if za else ''} {op} {b}{'(0-d)' if zb else ''}: "
                              f"{_name(got)} != torch {_name(want)}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_tensor_scalar_promotion_grid(torch, scalar):
    mismatches = []
    for a in DTYPES:
        for zero_dim in (False, True):
            ta, ea = _make(torch, a, zero_dim), _make(edutorch, a, zero_dim)
            for name, f in (("t+s", lambda x: x + scalar), ("s+t", lambda x: scalar + x),
                            ("t*s", lambda x: x * scalar), ("t-s", lambda x: x - scalar),
                            ("t/s", lambda x: x / scalar), ("t**s", lambda x: x ** scalar)):
                if a == "bool" and name == "t-s" and isinstance(scalar, bool):
                    continue
                try:
                    want = f(ta).dtype
                except RuntimeError:
                    with pytest.raises(RuntimeError):
                        f(ea)
                    continue
                got = f(ea).dtype
                if _name(want) != _name(got):
                    mismatches.append(f"{a}{'(0-d)' if zero_dim else ''} {name} {scalar!r}: "
                                      f"{_name(got)} != torch {_name(want)}")
    assert not mismatches, "\n".join(mismatches)


def test_promotion_examples_from_the_issue():
    t = edutorch.tensor
    assert (t([1, 2]) + 2.5).dtype is edutorch.float32
    assert (t([1.0], dtype=edutorch.float32) + t(1.0, dtype=edutorch.float64)).dtype \
        is edutorch.float32
    assert (t([1, 2]) + t([True, False])).dtype is edutorch.int64
    assert (t([1], dtype=edutorch.int32) + t([1], dtype=edutorch.int64)).dtype \
        is edutorch.int64
    assert (t([1, 2]) / t([2, 2])).dtype is edutorch.float32
    assert (t([1, 2], dtype=edutorch.int32) + t(2.5, dtype=edutorch.float64)).dtype \
        is edutorch.float64


def test_default_dtype_changes_promotion(torch):
    edutorch.set_default_dtype(edutorch.float64)
    try:
        assert edutorch.get_default_dtype() is edutorch.float64
        assert (edutorch.tensor([1, 2]) * 0.5).dtype is edutorch.float64
        assert edutorch.tensor([1.0]).dtype is edutorch.float64
        assert edutorch.zeros(2).dtype is edutorch.float64
    finally:
        edutorch.set_default_dtype(edutorch.float32)
    assert edutorch.tensor([1.0]).dtype is edutorch.float32
    with pytest.raises(TypeError, match="floating point"):
        edutorch.set_default_dtype(edutorch.int64)


def test_promote_types(torch):
    for a, b in itertools.product(DTYPES, DTYPES):
        want = torch.promote_types(getattr(torch, a), getattr(torch, b))
        got = edutorch.promote_types(getattr(edutorch, a), getattr(edutorch, b))
        assert _name(want) == _name(got), (a, b)


CONVERSIONS = ["float", "double", "half", "long", "int", "short", "bool", "byte"]


@pytest.mark.parametrize("method", CONVERSIONS)
def test_conversion_methods(torch, method):
    data = [[-1.5, 0.0, 2.7], [3.0, 0.5, -0.0]]
    for src in ("float32", "int64", "bool"):
        t = torch.tensor(data).to(getattr(torch, src))
        e = edutorch.tensor(data).to(getattr(edutorch, src))
        want, got = getattr(t, method)(), getattr(e, method)()
        assert _name(got.dtype) == _name(want.dtype)
        assert got.tolist() == want.tolist(), (src, method)


def test_to_dtype_variants(torch):
    e = edutorch.tensor([1.5, -2.5])
    assert e.to(edutorch.float64).dtype is edutorch.float64
    assert e.to(dtype=edutorch.int32).tolist() == torch.tensor([1.5, -2.5]).int().tolist()
    assert e.to(edutorch.float32) is e  # no change: the same tensor, as in PyTorch
    assert e.to(edutorch.float32, copy=True) is not e
    assert e.to(edutorch.zeros(1, dtype=edutorch.float64)).dtype is edutorch.float64
    assert e.to("cpu", edutorch.float16).dtype is edutorch.float16
    assert e.type(edutorch.float64).dtype is edutorch.float64
    assert e.type() == "edutorch.FloatTensor"
    assert edutorch.tensor([1]).type() == "edutorch.LongTensor"


def test_conversion_is_differentiable(torch):
    x = edutorch.tensor([1.5, -2.0], requires_grad=True)
    y = x.double()
    assert y.dtype is edutorch.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype is edutorch.float32
    assert np.allclose(x.grad.numpy(), [3.0, -4.0])
    z = x.long()
    assert not z.requires_grad  # integer results are never differentiable


def test_dtype_objects(torch):
    assert edutorch.float is edutorch.float32 and edutorch.double is edutorch.float64
    assert edutorch.long is edutorch.int64 and edutorch.int is edutorch.int32
    assert edutorch.half is edutorch.float16 and edutorch.short is edutorch.int16
    assert repr(edutorch.float32) == repr(torch.float32).replace("torch", "edutorch")
    assert edutorch.float32.is_floating_point and not edutorch.int64.is_floating_point
    assert edutorch.float64.itemsize == torch.float64.itemsize
    assert edutorch.tensor([1.0]).is_floating_point()
    assert not edutorch.tensor([1]).is_floating_point()
    assert edutorch.is_floating_point(edutorch.zeros(1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_inferred_dtypes_of_tensor(torch, dtype):
    a = np.zeros(2, dtype=dtype)
    assert _name(edutorch.tensor(a).dtype) == _name(torch.tensor(a).dtype)
    assert _name(edutorch.from_numpy(a).dtype) == _name(torch.from_numpy(a).dtype)


def test_python_data_dtypes(torch):
    for data in ([1, 2], [1.0, 2], [True, False], 3, 2.5, True, [[1, 2], [3, 4]], []):
        assert _name(edutorch.tensor(data).dtype) == _name(torch.tensor(data).dtype), data


def test_unsupported_dtype_is_a_clear_error():
    with pytest.raises(TypeError, match="complex128.*not supported|not supported.*complex"):
        edutorch.from_numpy(np.zeros(2, dtype=np.complex128))
    with pytest.raises(TypeError, match="unknown dtype"):
        edutorch.zeros(2, dtype="quaternion")


@pytest.mark.parametrize("op", ["div", "maximum", "cat", "where", "eq", "sub", "pow"])
def test_other_ops_promotion_grid(torch, op):
    calls = {
        "div": lambda lib, a, b: a / b,
        "maximum": lambda lib, a, b: lib.maximum(a, b),
        "cat": lambda lib, a, b: lib.cat([a.reshape(-1), b.reshape(-1)]),
        "where": lambda lib, a, b: lib.where(lib.tensor([True, False]), a, b),
        "eq": lambda lib, a, b: a == b,
        "sub": lambda lib, a, b: a - b,
        "pow": lambda lib, a, b: a ** b,
    }
    f = calls[op]
    mismatches = []
    for a, b, za, zb in _pairs():
        try:
            want = f(torch, _make(torch, a, za), _make(torch, b, zb)).dtype
        except (RuntimeError, NotImplementedError) as e:
            with pytest.raises(type(e)):  # refused by both, with the same exception type
                f(edutorch, _make(edutorch, a, za), _make(edutorch, b, zb))
            continue
        got = f(edutorch, _make(edutorch, a, za), _make(edutorch, b, zb)).dtype
        if _name(want) != _name(got):
            mismatches.append(f"{op}({a}{'(0-d)' if za else ''}, {b}{'(0-d)' if zb else ''}):"
                              f" {_name(got)} != torch {_name(want)}")
    assert not mismatches, "\n".join(mismatches)
