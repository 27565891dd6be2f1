"""softmax and log_softmax: values, gradients, second derivatives, numerical stability."""
import numpy as np
import pytest
from helpers import check_double_backward, check_op, random_array

import edutorch


def _x(shape=(3, 4), seed=0):
    return random_array(np.random.default_rng(seed), shape)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, dim):
    check_op(lambda lib, x: getattr(lib, name)(x, dim=dim), _x(seed=1))
    check_op(lambda lib, x: getattr(x, name)(dim), _x((2, 3, 4), seed=2))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_second_derivative(name):
    check_double_backward(lambda lib, x: getattr(x, name)(-1), _x((2, 3), seed=3))
    check_double_backward(lambda lib, x: getattr(x, name)(0) * x, _x((2, 3), seed=4))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_for_huge_inputs(name):
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1002.0], [0.0, 1e4, -1e4]])
    out = check_op(lambda lib, t: getattr(t, name)(1), x, gradcheck_=False)[0]
    assert not np.isnan(out.detach().cpu().numpy()).any()
    t = edutorch.tensor(x, requires_grad=True)
    getattr(t, name)(1)[:, 0].sum().backward()
    assert np.isfinite(t.grad.numpy()).all()


def test_softmax_rows_sum_to_one():
    p = edutorch.randn(4, 5).softmax(-1)
    assert np.allclose(p.sum(-1).numpy(), 1.0)
    assert np.allclose(edutorch.randn(4, 5).log_softmax(1).exp().sum(1).numpy(), 1.0)


def test_softmax_dtype_argument(torch):
    x = _x(seed=5).astype(np.float32)
    check_op(lambda lib, t: t.softmax(-1, dtype=lib.float64), x, dtypes=("float32",),
             gradcheck_=False)


def test_softmax_of_zero_dim(torch):
    check_op(lambda lib, t: t.softmax(0), np.array(2.5))
    check_op(lambda lib, t: t.log_softmax(0), np.array(2.5))


def test_softmax_requires_float_and_dim():
    with pytest.raises(RuntimeError, match="softmax"):
        edutorch.tensor([1, 2]).softmax(0)
    with pytest.raises(TypeError, match="dim"):
        edutorch.softmax(edutorch.zeros(3))
