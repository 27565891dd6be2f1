"""``repr`` like PyTorch's: the same string with "torch." replaced by "edutorch.", for values of
many magnitudes, dtypes, shapes (summarized beyond 1000 elements), and autograd suffixes."""
import numpy as np
import pytest

import edutorch

DATA = {
    "floats": [1.5, 2.0, -3.25],
    "whole_floats": [1.0, 2.0, 3.0],
    "ints": [1, 2, -30],
    "bools": [True, False],
    "all_true": [True, True],
    "matrix": [[1.5, 2.0], [3.0, 4.125]],
    "cube": np.arange(24.0).reshape(2, 3, 4).tolist(),
    "scalar": 3.5,
    "int_scalar": 7,
    "zero_scalar": 0.0,
    "tiny": [1e-5, 1.0],
    "huge": [1e9, 1.0],
    "specials": [float("nan"), 1.0, float("inf"), -float("inf")],
    "only_nan": [float("nan")],
    "negative": [-1.0, -2.5],
    "wide_range": [0.001, 1000.0],
    "mixed_wide": [1e-3, 123.456],
    "empty": [],
    "zeros": [0.0, 0.0],
    "long_ints": list(range(2000)),
    "long_floats": np.linspace(0, 1, 1001).tolist(),
    "big_matrix": np.arange(10000.0).reshape(100, 100).tolist(),
    "wide_row": np.linspace(-1, 1, 30).tolist(),
    "precise": [0.123456789, 1.1],
    "large_whole": [123456.0, 1.0],
    "e4": [12345.678, 0.5],
    "nested_empty": [[], []],
}
DTYPES = [None, "float64", "int32", "float16", "int64", "bool"]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(DATA))
def test_repr_matches_torch(torch, name, dtype):
    data = DATA[name]
    try:
        t = torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)
    except (RuntimeError, TypeError, ValueError):
        pytest.skip("torch refuses this combination")
    e = edutorch.tensor(data, dtype=getattr(edutorch, dtype) if dtype else None)
    assert repr(e) == repr(t).replace("torch.", "edutorch.")
    assert str(e) == str(t).replace("torch.", "edutorch.")


GRAD_OPS = {
    "leaf": lambda x: x,
    "mul": lambda x: x * 2,
    "add": lambda x: x + 1,
    "sub": lambda x: x - x,
    "div": lambda x: x / x,
    "neg": lambda x: -x,
    "pow": lambda x: x ** 2,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "sum_dim": lambda x: x.sum(0),
    "mean_dim": lambda x: x.mean(0),
    "amax": lambda x: x.amax(0),
    "max": lambda x: x.max(),
    "clone": lambda x: x.clone(),
    "expand": lambda x: x.expand(2, 2),
    "permute": lambda x: x.permute(0),
    "softmax": lambda x: x.softmax(0),
    "log_softmax": lambda x: x.log_softmax(0),
    "double": lambda x: x.double(),
    "mm": lambda x: x.reshape(1, 2).mm(x.reshape(2, 1)),
    "dot": lambda x: x.dot(x),
    "where": lambda x: x.where(x > 1.6, x * 0),
    "cat": lambda x: x.unsqueeze(0).repeat(2, 1),
    "index": lambda x: x[[0, 0]],
}


@pytest.mark.parametrize("name", sorted(GRAD_OPS))
def test_repr_with_grad_fn_matches_torch(torch, name):
    f = GRAD_OPS[name]
    t = f(torch.tensor([1.5, 2.0], requires_grad=True))
    e = f(edutorch.tensor([1.5, 2.0], requires_grad=True))
    assert repr(e) == repr(t).replace("torch.", "edutorch.")


def test_repr_suffixes():
    x = edutorch.tensor([1.5, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1.5000, 2.0000], requires_grad=True)"
    assert repr(x * x) == "tensor([2.2500, 4.0000], grad_fn=<MulBackward0>)"
    assert repr(edutorch.tensor([1, 2], dtype=edutorch.int32)) == \
        "tensor([1, 2], dtype=edutorch.int32)"
    assert repr(edutorch.zeros(0, 3)) == "tensor([], size=(0, 3))"
    with edutorch.no_grad():
        assert repr(x * 2) == "tensor([3., 4.])"


def test_size_and_dtype_reprs(torch):
    assert repr(edutorch.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape).replace(
        "torch.", "edutorch.")
    for name in ("float32", "float64", "int64", "bool", "uint8"):
        assert repr(getattr(edutorch, name)) == repr(getattr(torch, name)).replace(
            "torch.", "edutorch.")


def test_format_of_scalars():
    x = edutorch.tensor(3.14159)
    assert f"{x:.2f}" == "3.14"
    assert f"{x}" == repr(x)
