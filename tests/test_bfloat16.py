"""edutorch.bfloat16 (through the optional ml_dtypes package) against torch.bfloat16."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from helpers import to_numpy

import edutorch
from edutorch import _dtype, backend

pytest.importorskip("ml_dtypes")

VALUES = [1.5, 2.25, 3.3, -0.1, 1e30, 65504.0 * 4]


def test_bfloat16_names_and_repr(torch):
    assert edutorch.bfloat16.is_floating_point and edutorch.bfloat16.itemsize == 2
    assert repr(edutorch.bfloat16) == "edutorch.bfloat16"
    x = edutorch.tensor([1.5, 2.25, 3.3], dtype=edutorch.bfloat16)
    y = torch.tensor([1.5, 2.25, 3.3], dtype=torch.bfloat16)
    assert repr(x).replace("edutorch", "torch") == repr(y)
    assert x.is_floating_point() and x.element_size() == 2


def test_creation_and_casting_round_like_pytorch(torch):
    for make in (lambda lib: lib.tensor(VALUES, dtype=lib.bfloat16),
                 lambda lib: lib.tensor(VALUES).to(lib.bfloat16),
                 lambda lib: lib.tensor(VALUES, dtype=lib.float64).to(lib.bfloat16).float(),
                 lambda lib: lib.arange(5).to(lib.bfloat16),
                 lambda lib: lib.zeros(2, 3, dtype=lib.bfloat16),
                 lambda lib: lib.full((2,), 3.3, dtype=lib.bfloat16)):
        ours, ref = make(edutorch), make(torch)
        assert ours.dtype.name == str(ref.dtype).replace("torch.", "")
        np.testing.assert_array_equal(to_numpy(ours.float()), to_numpy(ref.float()))
    small = VALUES[:4]  # (casting 1e30 to an integer is undefined in both libraries)
    assert edutorch.tensor(small, dtype=edutorch.bfloat16).to(edutorch.int64).tolist() == \
        torch.tensor(small, dtype=torch.bfloat16).to(torch.int64).tolist()


def test_promotion_matches_pytorch(torch):
    names = ["bool", "uint8", "int64", "float16", "bfloat16", "float32", "float64"]
    for a in names:
        for b in names:
            ours = edutorch.promote_types(getattr(edutorch, a), getattr(edutorch, b))
            ref = torch.promote_types(getattr(torch, a), getattr(torch, b))
            assert ours.name == str(ref).replace("torch.", ""), (a, b)


@pytest.mark.parametrize("other", ["float32", "float16", "float64-0d", "int64", "2.5", "3",
                                   "bfloat16"])
@pytest.mark.parametrize("op", ["add", "mul", "sub", "div"])
def test_arithmetic_dtype_and_values(torch, other, op):
    a = np.array([1.5, 2.25, 3.3, -0.7])

    def run(lib):
        x = lib.tensor(a, dtype=lib.bfloat16)
        if other in ("2.5", "3"):
            y = float(other) if "." in other else int(other)
        elif other == "float64-0d":
            y = lib.tensor(0.3, dtype=lib.float64)
        elif other == "int64":
            y = lib.tensor([1, 2, 3, 4])
        else:
            y = lib.tensor([0.5, -1.25, 2.0, 7.1], dtype=getattr(lib, other))
        return getattr(lib, op)(x, y)
    ours, ref = run(edutorch), run(torch)
    assert ours.dtype.name == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(to_numpy(ours.float()), to_numpy(ref.float()), rtol=1e-2)


def test_elementwise_and_gradient_in_bfloat16(torch):
    a = np.array([0.5, 1.25, -2.0, 3.3])
    x = edutorch.tensor(a, dtype=edutorch.bfloat16, requires_grad=True)
    t = torch.tensor(a, dtype=torch.bfloat16, requires_grad=True)
    for v in (x, t):
        (v.exp() * v.sin()).sum().backward()
    assert x.grad.dtype is edutorch.bfloat16
    np.testing.assert_allclose(to_numpy(x.grad.float()), to_numpy(t.grad.float()), rtol=2e-2)


def test_finfo_matches_pytorch(torch):
    ours, ref = edutorch.finfo(edutorch.bfloat16), torch.finfo(torch.bfloat16)
    for field in ("eps", "max", "min", "tiny", "bits"):
        assert getattr(ours, field) == getattr(ref, field), field


def test_without_ml_dtypes_the_dtype_exists_and_using_it_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # import ml_dtypes now fails
    with pytest.raises(ModuleNotFoundError, match="pip install ml_dtypes"):
        backend.np_dtype("bfloat16")
    missing = _dtype._NeedsPackage("bfloat16", _dtype.FLOAT, 2)
    assert missing.is_floating_point and repr(missing) == "edutorch.bfloat16"
    with pytest.raises(ModuleNotFoundError, match="edutorch.bfloat16 needs the ml_dtypes"):
        _ = missing.np


# issue 9: bfloat16 through the common ops, as PyTorch (products and sums stay bfloat16;
# sums and means accumulate in float32)
BF16_OPS = [
    ("matmul", lambda lib, x, y: x.bfloat16() @ y.bfloat16()),
    ("matmul-fn", lambda lib, x, y: lib.matmul(x.bfloat16(), y.bfloat16())),
    ("sum", lambda lib, x, y: (x.bfloat16() * 100).sum()),
    ("sum-dim", lambda lib, x, y: x.bfloat16().sum(1)),
    ("mean", lambda lib, x, y: x.bfloat16().mean(0)),
    ("var", lambda lib, x, y: x.bfloat16().var(0)),
    ("linear", lambda lib, x, y: lib.nn.functional.linear(x.bfloat16(), y.T.bfloat16())),
]


@pytest.mark.parametrize("name,fn", BF16_OPS, ids=[n for n, _ in BF16_OPS])
def test_bfloat16_common_ops_match_pytorch(torch, name, fn):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((64, 16)).astype("float32")
    b = rng.standard_normal((16, 8)).astype("float32")
    ours = fn(edutorch, edutorch.tensor(a), edutorch.tensor(b))
    ref = fn(torch, torch.tensor(a), torch.tensor(b))
    assert ours.dtype.name == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(to_numpy(ours.float()), to_numpy(ref.float()), rtol=1e-2,
                               atol=1e-2)


def test_bfloat16_gradient_of_a_product_is_bfloat16(torch):
    rng = np.random.default_rng(6)
    a = rng.standard_normal((4, 5)).astype("float32")
    grads = []
    for lib in (edutorch, torch):
        w = lib.tensor(a, dtype=lib.bfloat16, requires_grad=True)
        (w @ lib.ones(5, 3, dtype=lib.bfloat16)).sum().backward()
        grads.append(w.grad)
    assert grads[0].dtype.name == str(grads[1].dtype).replace("torch.", "")
    np.testing.assert_array_equal(to_numpy(grads[0].float()), to_numpy(grads[1].float()))


def test_tensor_and_module_bfloat16(torch):
    x = edutorch.tensor([1.0, 2.5])
    assert x.bfloat16().dtype is edutorch.bfloat16
    m = edutorch.nn.Linear(3, 2).bfloat16()
    assert m.weight.dtype is edutorch.bfloat16 and m.bias.dtype is edutorch.bfloat16
    assert m(edutorch.randn(4, 3).bfloat16()).dtype is edutorch.bfloat16
    assert edutorch.nn.Linear(3, 2).to(edutorch.bfloat16).weight.dtype is edutorch.bfloat16
