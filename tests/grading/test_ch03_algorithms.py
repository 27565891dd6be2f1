"""Graders for chapter 3 (exercises/ch03_algorithms.py): compared with edutorch.nn.functional,
edutorch's autograd and edutorch.optim.SGD."""
from __future__ import annotations

import numpy as np
import pytest
from gradelib import as_numpy, assert_close, library_grads

import edutorch
import edutorch.nn.functional as F


def _loss_and_grad(got, what):
    assert isinstance(got, tuple) and len(got) == 2, f"{what} must return (loss, grad)"
    loss, grad = got
    loss = as_numpy(loss, f"{what} loss")
    assert loss.shape == (), f"{what}: the loss must be a scalar, got shape {loss.shape}"
    return float(loss), grad


# -- binary cross-entropy on logits ------------------------------------------------------------

BCE_CASES = [
    ("(8,)", lambda r: (r.normal(0, 3, 8), r.integers(0, 2, 8).astype(float))),
    ("(3, 4) soft targets", lambda r: (r.normal(0, 3, (3, 4)), r.uniform(0, 1, (3, 4)))),
    ("(2, 2, 3)", lambda r: (r.normal(0, 1, (2, 2, 3)), r.integers(0, 2, (2, 2, 3)) * 1.0)),
    ("large logits", lambda r: (np.array([-100.0, -40.0, 40.0, 100.0, 0.0, 35.5]),
                                np.array([1.0, 0.0, 1.0, 0.0, 0.3, 0.7]))),
]


@pytest.mark.grades("bce_with_logits")
@pytest.mark.parametrize("name, make", BCE_CASES, ids=[c[0] for c in BCE_CASES])
def test_bce_with_logits_matches_library(ex, name, make):
    logits, targets = make(np.random.default_rng(30))
    loss, (grad,) = library_grads(
        lambda z: F.binary_cross_entropy_with_logits(
            z, edutorch.tensor(targets, dtype=edutorch.float64)), logits)
    got_loss, got_grad = _loss_and_grad(ex.bce_with_logits(logits.copy(), targets.copy()),
                                        "bce_with_logits")
    assert_close(got_loss, loss, f"bce_with_logits loss, {name}", rtol=1e-9, atol=1e-12)
    assert_close(got_grad, grad, f"bce_with_logits gradient, {name}", rtol=1e-9, atol=1e-12)


# -- softmax cross-entropy ---------------------------------------------------------------------

CE_CASES = [("(5, 3)", 5, 3, 2.0), ("(1, 4)", 1, 4, 1.0), ("(8, 10)", 8, 10, 3.0),
            ("(6, 5) logits ~1000", 6, 5, 1000.0)]


@pytest.mark.grades("softmax_cross_entropy")
@pytest.mark.parametrize("name, n, c, scale", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_softmax_cross_entropy_matches_library(ex, name, n, c, scale):
    rng = np.random.default_rng(31)
    logits = rng.normal(0, scale, (n, c))
    targets = rng.integers(0, c, n)
    loss, (grad,) = library_grads(lambda z: F.cross_entropy(z, edutorch.tensor(targets)),
                                  logits)
    got_loss, got_grad = _loss_and_grad(ex.softmax_cross_entropy(logits.copy(), targets.copy()),
                                        "softmax_cross_entropy")
    assert_close(got_loss, loss, f"softmax_cross_entropy loss, {name}", rtol=1e-9, atol=1e-12)
    assert_close(got_grad, grad, f"softmax_cross_entropy gradient, {name}", rtol=1e-9,
                 atol=1e-12)


# -- conv2d by im2col --------------------------------------------------------------------------

CONV_CASES = [
    # x shape, weight shape, bias, stride, padding
    ((1, 1, 5, 5), (1, 1, 3, 3), False, 1, 0),
    ((2, 3, 7, 6), (4, 3, 3, 2), True, (2, 1), (1, 0)),
    ((2, 2, 8, 8), (3, 2, 3, 3), True, 2, 1),
    ((1, 3, 5, 7), (2, 3, 1, 1), True, 1, 0),
    ((2, 1, 6, 6), (2, 1, 6, 6), False, 1, 0),
    ((1, 2, 9, 7), (2, 2, 2, 3), True, 3, 2),
    ((3, 2, 4, 5), (5, 2, 3, 3), False, (1, 2), 1),
]


@pytest.mark.grades("conv2d_im2col")
@pytest.mark.parametrize("x_shape, w_shape, has_bias, stride, padding", CONV_CASES,
                         ids=[f"x{c[0]}-w{c[1]}-s{c[3]}-p{c[4]}" for c in CONV_CASES])
def test_conv2d_im2col_matches_library(ex, x_shape, w_shape, has_bias, stride, padding):
    rng = np.random.default_rng(32)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if has_bias else None
    expected = F.conv2d(edutorch.from_numpy(x), edutorch.from_numpy(w),
                        None if b is None else edutorch.from_numpy(b), stride=stride,
                        padding=padding)
    got = ex.conv2d_im2col(x.copy(), w.copy(), None if b is None else b.copy(), stride=stride,
                           padding=padding)
    assert_close(got, expected, f"conv2d of x{x_shape} with w{w_shape}, stride {stride}, "
                                f"padding {padding}", rtol=1e-9, atol=1e-10)


# -- SGD with momentum -------------------------------------------------------------------------

SGD_CONFIGS = [
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.05, momentum=0.5, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.01, momentum=0.99, weight_decay=0.1, nesterov=True),
    dict(lr=0.2, momentum=0.0),
]


@pytest.mark.grades("sgd_momentum_step")
@pytest.mark.parametrize("shape", [(3,), (2, 3), ()], ids=str)
@pytest.mark.parametrize("config", SGD_CONFIGS,
                         ids=["-".join(f"{k}={v}" for k, v in c.items()) for c in SGD_CONFIGS])
def test_sgd_momentum_step_follows_optim_sgd(ex, shape, config):
    rng = np.random.default_rng(33)
    param = rng.standard_normal(shape)
    p = edutorch.tensor(param, requires_grad=True)
    opt = edutorch.optim.SGD([p], **config)
    buf = None
    for step in range(5):
        grad = rng.standard_normal(shape)
        p.grad = edutorch.tensor(grad)
        opt.step()
        got = ex.sgd_momentum_step(param.copy(), grad.copy(),
                                   None if buf is None else buf.copy(), **config)
        assert isinstance(got, tuple) and len(got) == 2, \
            "sgd_momentum_step must return (new_param, new_buf)"
        param, buf = got
        assert_close(param, p, f"the parameter after step {step + 1} with {config}",
                     rtol=1e-10, atol=1e-12)


# -- linear regression in closed form ----------------------------------------------------------

@pytest.mark.grades("linear_regression_closed_form")
@pytest.mark.parametrize("n, d, offset", [(50, 3, 3.0), (20, 1, -2.0), (100, 5, 0.5)])
def test_closed_form_zeroes_the_mse_gradient(ex, n, d, offset):
    rng = np.random.default_rng(34)
    X = rng.standard_normal((n, d)) + 1.0  # not centred: the intercept matters
    y = X @ rng.standard_normal(d) + offset + 0.3 * rng.standard_normal(n)
    w, b = ex.linear_regression_closed_form(X.copy(), y.copy())
    w = as_numpy(w, "w")
    assert w.shape == (d,), f"w has shape {w.shape}, expected ({d},)"
    b = as_numpy(b, "b")
    assert b.size == 1, f"b must be a scalar, got shape {b.shape}"
    # at the least-squares solution, autograd's gradient of the MSE is zero
    Xt, yt = edutorch.from_numpy(X), edutorch.from_numpy(y)
    loss, (gw, gb) = library_grads(lambda wt, bt: F.mse_loss(Xt @ wt + bt, yt), w,
                                   b.reshape(()))
    scale = float(np.abs(y).mean())
    assert_close(gw, np.zeros(d), "dMSE/dw at your (w, b) (should be 0 at the minimum)",
                 rtol=0, atol=1e-9 * scale)
    assert_close(gb, np.zeros(()), "dMSE/db at your (w, b) (should be 0: did you fit the "
                                   "intercept?)", rtol=0, atol=1e-9 * scale)
