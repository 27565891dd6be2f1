"""Reductions over dim=None / int / tuple, with keepdim; var/std corrections; max(dim).

Forward and backward against PyTorch (float64 and float32) and gradcheck in float64;
Hypothesis draws shapes and dims.
"""
import numpy as np
import pytest
from helpers import check_double_backward, check_op, random_array
from hypothesis import given, settings
from hypothesis import strategies as st

import edutorch

Rng = np.random.default_rng


def _x(shape=(3, 4, 2), seed=0, **kw):
    return random_array(Rng(seed), shape, **kw)


DIMS = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]
DIFF_REDUCTIONS = ["sum", "mean", "amax", "amin", "logsumexp", "norm", "var", "std"]


def _call(lib, name, x, dim, keepdim):
    if name == "norm":  # p=2 explicitly: PyTorch's default 'fro' refuses 3 dims
        return x.norm(p=2, dim=dim, keepdim=keepdim)
    if dim is None:
        if name == "logsumexp":
            return lib.logsumexp(x, dim=tuple(range(x.dim())), keepdim=keepdim)
        if name in ("amax", "amin"):
            return getattr(lib, name)(x, dim=(), keepdim=keepdim)
        if keepdim:
            return getattr(lib, name)(x, dim=tuple(range(x.dim())), keepdim=True)
        return getattr(x, name)()
    return getattr(x, name)(dim=dim, keepdim=keepdim)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name", DIFF_REDUCTIONS)
def test_reduction(name, dim, keepdim):
    check_op(lambda lib, x: _call(lib, name, x, dim, keepdim), _x(seed=1))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_prod(dim, keepdim):
    x = _x(seed=2, away_from_zero=True)
    check_op(lambda lib, t: t.prod() if dim is None else t.prod(dim, keepdim=keepdim), x)


def test_prod_with_zeros(torch):
    x = np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]])
    check_op(lambda lib, t: t.prod(1), x)
    check_op(lambda lib, t: t.prod(0, keepdim=True), x)
    check_op(lambda lib, t: t.prod(), x)


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_correction(name, correction):
    x = _x((4, 5), seed=3)
    check_op(lambda lib, t: getattr(t, name)(dim=1, correction=correction), x)
    check_op(lambda lib, t: getattr(lib, name)(t, correction=correction), x)


@pytest.mark.parametrize("unbiased", [True, False])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_unbiased(name, unbiased):
    x = _x((4, 5), seed=4)
    check_op(lambda lib, t: getattr(t, name)(0, unbiased=unbiased), x)
    check_op(lambda lib, t: getattr(t, name)(unbiased=unbiased), x)


def test_var_is_unbiased_by_default(rng):
    a = rng.standard_normal((6,))
    assert np.isclose(edutorch.tensor(a).var().item(), a.var(ddof=1))
    assert np.isclose(edutorch.tensor(a).std().item(), a.std(ddof=1))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim_returns_values_and_indices(name, dim, keepdim):
    x = _x((3, 4), seed=5)
    out = check_op(lambda lib, t: getattr(t, name)(dim, keepdim=keepdim), x)
    values, indices = out
    res = getattr(edutorch.tensor(x), name)(dim, keepdim=keepdim)
    assert res.values.shape == values.shape and res.indices.dtype is edutorch.int64
    v, i = res  # unpacks like a tuple
    assert edutorch.equal(i, res.indices)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_all(name):
    check_op(lambda lib, t: getattr(t, name)(), _x(seed=6))
    check_op(lambda lib, t: getattr(lib, name)(t), _x(seed=6))


def test_max_of_two_tensors_is_maximum(torch):
    check_op(lambda lib, a, b: lib.max(a, b), _x(seed=7), _x(seed=8))
    check_op(lambda lib, a, b: lib.min(a, b), _x(seed=7), _x(seed=8))


def test_amax_ties_share_the_gradient(torch):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    check_op(lambda lib, t: t.amax(1), x, gradcheck_=False)
    check_op(lambda lib, t: t.amax(), x, gradcheck_=False)
    check_op(lambda lib, t: t.max(), x, gradcheck_=False)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name, dim, keepdim):
    x = _x((3, 4), seed=9)
    out = check_op(lambda lib, t: getattr(t, name)(dim=dim, keepdim=keepdim), x, grad=False)[0]
    assert out.dtype is edutorch.int64 and not out.requires_grad


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)], ids=str)
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name, dim):
    x = np.array([[True, False, True], [True, True, True]])
    kw = {} if dim is None else {"dim": dim}
    if isinstance(dim, tuple):
        check_op(lambda lib, t: getattr(lib, name)(t, dim=dim), x, grad=False)
    else:
        check_op(lambda lib, t: getattr(t, name)(**kw), x, grad=False)
        check_op(lambda lib, t: getattr(t, name)(**kw), x.astype(np.float64), grad=False)


@pytest.mark.parametrize("p", [1, 2, 3, float("inf"), 0.5])
def test_vector_norms(p):
    x = _x((3, 4), seed=10, away_from_zero=True)
    check_op(lambda lib, t: t.norm(p=p), x)
    check_op(lambda lib, t: t.norm(p=p, dim=1, keepdim=True), x)


def test_norm_of_zero_vector_has_zero_gradient(torch):
    check_op(lambda lib, t: t.norm(dim=1), np.array([[0.0, 0.0], [3.0, 4.0]]), gradcheck_=False)


def test_logsumexp_is_stable(torch):
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]])
    out = check_op(lambda lib, t: t.logsumexp(1), x[[0, 2]], gradcheck_=False)[0]
    assert np.isfinite(out.detach().cpu().numpy()).all()
    check_op(lambda lib, t: t.logsumexp(1), x, grad=False)  # an all -inf row gives -inf


def test_integer_sum_is_int64_and_mean_needs_float(torch):
    ints = np.array([[1, 2], [3, 4]], dtype=np.int32)
    check_op(lambda lib, t: t.sum(), ints, grad=False)
    check_op(lambda lib, t: t.sum(0), np.array([True, False, True]), grad=False)
    check_op(lambda lib, t: t.prod(), ints, grad=False)
    check_op(lambda lib, t: t.mean(dtype=lib.float64), ints, grad=False)
    with pytest.raises(RuntimeError, match="mean"):
        edutorch.tensor(ints).mean()


def test_sum_dtype_argument(torch):
    check_op(lambda lib, t: t.sum(dtype=lib.float64), _x(seed=11).astype(np.float32),
             dtypes=("float32",), gradcheck_=False)


def test_cumsum(torch):
    check_op(lambda lib, t: t.cumsum(1), _x((3, 4), seed=12))
    check_op(lambda lib, t: lib.cumsum(t, dim=0), _x((3, 4), seed=12))


def test_reductions_of_zero_dim_tensors(torch):
    x = np.array(1.5)
    for f in (lambda lib, t: t.sum(), lambda lib, t: t.mean(0), lambda lib, t: t.amax(-1),
              lambda lib, t: t.sum(dim=0, keepdim=True), lambda lib, t: t.logsumexp(0)):
        check_op(f, x)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "logsumexp", "norm", "var", "std",
                                  "prod"])
def test_reduction_second_derivative(name):
    x = _x((2, 3), seed=13, away_from_zero=True)
    check_double_backward(lambda lib, t: getattr(t, name)(dim=1), x)
    if name not in ("amax", "logsumexp"):
        check_double_backward(lambda lib, t: getattr(t, name)(), x)


def test_max_dim_second_derivative():
    check_double_backward(lambda lib, t: t.max(dim=1)[0], _x((2, 3), seed=14))


# ---------------------------------------------------------------------------------------------
# Hypothesis: shapes and dims
# ---------------------------------------------------------------------------------------------

@st.composite
def _shape_and_dims(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    nd = len(shape)
    dims = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                         unique_by=lambda d: d % nd))
    return shape, tuple(dims)


@settings(max_examples=25, deadline=None)
@given(sd=_shape_and_dims(), keepdim=st.booleans(),
       name=st.sampled_from(["sum", "mean", "amax", "logsumexp", "var", "norm"]),
       seed=st.integers(0, 2 ** 16))
def test_reduction_hypothesis(sd, keepdim, name, seed):
    shape, dims = sd
    x = random_array(Rng(seed), shape)
    n = int(np.prod([shape[d] for d in dims]))
    if name == "var" and n < 2:
        return  # one element: division by zero in both libraries (nan), nothing to compare

    def ref(a):
        axes = tuple(d % len(shape) for d in dims)
        f = {"sum": np.sum, "mean": np.mean, "amax": np.max, "var": lambda v, **k: np.var(
            v, ddof=1, **k), "norm": lambda v, **k: np.sqrt((v * v).sum(**k)),
             "logsumexp": lambda v, **k: np.log(np.exp(v).sum(**k))}[name]
        return f(a, axis=axes, keepdims=keepdim)
    check_op(lambda lib, t: _call(lib, name, t, dims, keepdim), x, expected=ref)


def test_dim_out_of_range_names_the_op():
    x = edutorch.zeros(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range.*\[-2, 1\].*2"):
        x.sum(2)
    with pytest.raises(RuntimeError, match="multiple times"):
        x.sum((0, 0))


def test_reductions_of_empty_tensors(torch):
    empty = np.zeros((0, 3))
    for f in (lambda lib, t: t.sum(), lambda lib, t: t.sum(0), lambda lib, t: t.logsumexp(0),
              lambda lib, t: t.logsumexp(1), lambda lib, t: t.prod(), lambda lib, t: t.amax(1),
              lambda lib, t: t.norm(), lambda lib, t: t.mean(1)):
        check_op(f, empty, gradcheck_=False)
    with pytest.raises(RuntimeError, match="numel\\(\\) == 0"):
        edutorch.zeros(0).amax()


def test_all_any_of_uint8_keep_uint8(torch):
    check_op(lambda lib, t: t.any(), np.array([0, 2], dtype=np.uint8), grad=False)
    check_op(lambda lib, t: t.all(0), np.array([[0, 2], [1, 1]], dtype=np.uint8), grad=False)
    check_op(lambda lib, t: t.all(), np.array([0.5, 2.0]), grad=False)
