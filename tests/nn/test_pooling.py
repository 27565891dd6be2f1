"""Pooling: max / average / adaptive pooling, functional and modules.

Against PyTorch (float64): outputs, returned indices, input gradients; ties (common after a
ReLU) must send the gradient to the same element as PyTorch (the first maximum). Without
PyTorch: gradcheck, and gradgradcheck for the second derivative.
"""
from __future__ import annotations

import numpy as np
import pytest
from nn_compare import assert_close, compare_module

import edutorch
import edutorch.nn.functional as F
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(11)


def randn(*shape):
    return RNG.standard_normal(shape)


def compare_pool(torch, name, x, kwargs, rtol=1e-6, atol=1e-9):
    e_in = edutorch.tensor(x, requires_grad=True)
    t_in = torch.tensor(x, requires_grad=True)
    e_out = getattr(F, name)(e_in, **kwargs)
    t_out = getattr(torch.nn.functional, name)(t_in, **kwargs)
    if isinstance(t_out, tuple):
        assert_close(e_out[1], t_out[1], what=f"{name} indices")
        e_out, t_out = e_out[0], t_out[0]
    assert_close(e_out, t_out, rtol=rtol, atol=atol, what=f"{name} output")
    go = RNG.standard_normal(tuple(t_out.shape))
    e_out.backward(edutorch.tensor(go))
    t_out.backward(torch.tensor(go))
    assert_close(e_in.grad, t_in.grad, rtol=rtol, atol=atol, what=f"{name} input grad")


CASES = [
    ("max_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("max_pool2d", (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                      return_indices=True)),
    ("max_pool2d", (3, 9, 7), dict(kernel_size=(3, 2), stride=(1, 2), padding=1,
                                   dilation=(2, 1), return_indices=True)),
    ("max_pool2d", (2, 2, 7, 7), dict(kernel_size=2, ceil_mode=True)),
    ("max_pool1d", (2, 3, 10), dict(kernel_size=3, stride=2, ceil_mode=True,
                                    return_indices=True)),
    ("max_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=2, stride=(1, 2, 2), padding=1,
                                         return_indices=True)),
    ("avg_pool2d", (2, 3, 8, 8), dict(kernel_size=2)),
    ("avg_pool2d", (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool2d", (3, 9, 7), dict(kernel_size=(3, 2), stride=(2, 3), padding=1,
                                   divisor_override=5)),
    ("avg_pool1d", (2, 3, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                                    count_include_pad=False)),
    ("avg_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=2, stride=(1, 2, 2), padding=1)),
    ("adaptive_avg_pool2d", (2, 3, 9, 7), dict(output_size=(4, 3))),
    ("adaptive_avg_pool2d", (2, 3, 8, 6), dict(output_size=(4, None))),
    ("adaptive_avg_pool2d", (3, 5, 5), dict(output_size=1)),
    ("adaptive_avg_pool1d", (2, 3, 10), dict(output_size=4)),
    ("adaptive_max_pool2d", (2, 3, 9, 7), dict(output_size=(4, 3), return_indices=True)),
    ("adaptive_max_pool2d", (3, 8, 6), dict(output_size=(2, 3), return_indices=True)),
    ("adaptive_max_pool1d", (2, 3, 10), dict(output_size=4, return_indices=True)),
]


@pytest.mark.parametrize("name,shape,kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pooling_matches_torch(torch, name, shape, kwargs):
    compare_pool(torch, name, randn(*shape), kwargs)


@pytest.mark.parametrize("name,kwargs", [
    ("max_pool2d", dict(kernel_size=2)),
    ("max_pool2d", dict(kernel_size=3, stride=1, padding=1)),
    ("adaptive_max_pool2d", dict(output_size=3)),
])
def test_ties_route_the_gradient_like_torch(torch, name, kwargs):
    # after a ReLU many windows hold several zeros: only the first one gets the gradient
    x = np.maximum(randn(2, 3, 8, 8), 0)
    x[0, 0, :2, :2] = 0.0  # a window made of ties only
    compare_pool(torch, name, x, kwargs)


def test_max_pool_propagates_nan(torch):
    x = randn(1, 1, 4, 4)
    x[0, 0, 1, 1] = np.nan
    e = F.max_pool2d(edutorch.tensor(x), 2).numpy()
    t = torch.nn.functional.max_pool2d(torch.tensor(x), 2).numpy()
    np.testing.assert_array_equal(np.isnan(e), np.isnan(t))
    assert np.isnan(e[0, 0, 0, 0])


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2)])
def test_max_pool_backward_with_inf_gradient(torch, kwargs):
    # an inf in the incoming gradient must reach only the window's winner (inf * 0 = NaN
    # must not leak into the other positions)
    x = randn(1, 2, 6, 6)
    xe, xt = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    oe = F.max_pool2d(xe, **kwargs)
    ot = torch.nn.functional.max_pool2d(xt, **kwargs)
    g = randn(*ot.shape)
    g[0, 0, 0, 0] = np.inf
    oe.backward(edutorch.tensor(g))
    ot.backward(torch.tensor(g))
    assert_close(xe.grad, xt.grad)


def test_pooling_float32_keeps_dtype(torch):
    x = randn(2, 3, 8, 8).astype(np.float32)
    for name in ("max_pool2d", "avg_pool2d"):
        out = getattr(F, name)(edutorch.tensor(x), 2)
        assert out.dtype == edutorch.float32
        assert_close(out, getattr(torch.nn.functional, name)(torch.tensor(x), 2),
                     rtol=1e-6, atol=1e-7)


MODULES = [
    ("MaxPool2d", lambda nn_: nn_.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)),
    ("MaxPool1d", lambda nn_: nn_.MaxPool1d(2)),
    ("AvgPool2d", lambda nn_: nn_.AvgPool2d(2, stride=1, count_include_pad=False)),
    ("AvgPool1d", lambda nn_: nn_.AvgPool1d(3, stride=2, padding=1)),
    ("AdaptiveAvgPool2d", lambda nn_: nn_.AdaptiveAvgPool2d((3, 2))),
    ("AdaptiveMaxPool2d", lambda nn_: nn_.AdaptiveMaxPool2d(2)),
]


@pytest.mark.parametrize("build", [m[1] for m in MODULES], ids=[m[0] for m in MODULES])
def test_pooling_modules_match_torch(torch, build):
    e_mod, t_mod = build(nn), build(torch.nn)
    assert repr(e_mod) == repr(t_mod)
    shape = (2, 3, 7) if "1d" in repr(e_mod) else (2, 3, 7, 6)
    compare_module(e_mod, t_mod, randn(*shape))


def test_max_pool_module_return_indices(torch):
    x = randn(2, 2, 6, 6)
    e_out, e_idx = nn.MaxPool2d(2, return_indices=True)(edutorch.tensor(x))
    t_out, t_idx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    assert_close(e_idx, t_idx)
    assert_close(e_out, t_out)


# -- without PyTorch ------------------------------------------------------------------------------

def _t(*shape):
    return edutorch.tensor(randn(*shape), requires_grad=True)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2),
    lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: F.adaptive_max_pool2d(x, (2, 3)),
], ids=["max-overlap", "max-disjoint", "avg-ceil", "avg-disjoint", "adaptive-avg",
        "adaptive-max"])
def test_pooling_gradcheck_and_second_order(fn):
    # distinct values: the max is not at a tie, where the derivative does not exist
    x = edutorch.tensor(RNG.permutation(2 * 5 * 5).reshape(2, 1, 5, 5) / 7.0,
                        requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(lambda x: fn(x).pow(2), (x,))


def test_pooling_errors_name_the_problem():
    x = edutorch.randn(1, 1, 4, 4)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(x, 5)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D input"):
        F.avg_pool2d(edutorch.randn(4, 4), 2)
