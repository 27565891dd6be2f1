"""Graders for chapter 7 (exercises/ch07_future.py): compared with edutorch.interpret,
edutorch.privacy (DPOptimizer, the RDP accountant's conversion) and edutorch.nn.functional."""
from __future__ import annotations

import numpy as np
import pytest
from gradelib import as_numpy, assert_close

import edutorch
import edutorch.nn as nn
import edutorch.nn.functional as F
from edutorch.interpret import IntegratedGradients
from edutorch.privacy import DPOptimizer
from edutorch.privacy.rdp import DEFAULT_ALPHAS, compute_rdp, get_privacy_spent

# -- integrated gradients ------------------------------------------------------------------------


def _model(seed, n_in):
    edutorch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_in, 6), nn.Tanh(), nn.Linear(6, 3)).double()


IG_CASES = [("4 features, baseline 0, 8 steps", 4, 8, "zero"),
            ("5 features, random baseline, 3 steps", 5, 3, "random"),
            ("3 features, 25 steps", 3, 25, "random")]


@pytest.mark.grades("integrated_gradients")
@pytest.mark.parametrize("name, n_in, steps, base", IG_CASES, ids=[c[0] for c in IG_CASES])
def test_integrated_gradients_matches_library(ex, name, n_in, steps, base):
    model = _model(70, n_in)
    rng = np.random.default_rng(71)
    x = rng.normal(size=n_in) * 2
    b = np.zeros(n_in) if base == "zero" else rng.normal(size=n_in)

    def grad_fn(points):
        pts = edutorch.tensor(np.asarray(points), requires_grad=True)
        model(pts)[:, 1].sum().backward()
        return pts.grad.numpy()

    expected = IntegratedGradients(model).attribute(
        edutorch.tensor(x[None]), baselines=edutorch.tensor(b[None]), target=1,
        n_steps=steps, method="riemann_middle")[0]
    got = ex.integrated_gradients(grad_fn, x.copy(), b.copy(), steps)
    # the library's alphas are float32 (as Captum's): agreement to about 1e-7
    assert_close(got, expected, f"integrated_gradients, {name} (midpoints alpha = (k + 1/2)/n? "
                 f"times (x - baseline)?)", rtol=1e-5, atol=1e-7)


# -- DP-SGD: clip, noise, average ---------------------------------------------------------------

DP_CASES = [("2 params, 5 examples, B=8", [(3, 4), (3,)], 5, 0.7, 1.3, 8),
            ("3 params, 9 examples, B=4", [(2, 2), (2,), (5,)], 9, 2.5, 0.6, 4),
            ("1 param, 6 examples, tiny C", [(4,)], 6, 0.05, 3.0, 6)]


@pytest.mark.grades("dp_sgd_gradient")
@pytest.mark.parametrize("name, shapes, n, C, sigma, B", DP_CASES, ids=[c[0] for c in DP_CASES])
def test_dp_sgd_gradient_matches_dp_optimizer(ex, name, shapes, n, C, sigma, B):
    rng = np.random.default_rng(72)
    # per-parameter norms of different sizes, so that where the clipping norm is taken matters
    grads = [rng.normal(size=(n, *s)) * (1 + 2 * k) for k, s in enumerate(shapes)]
    noise = [rng.normal(size=s) for s in shapes]
    params = [nn.Parameter(edutorch.zeros(*s, dtype=edutorch.float64)) for s in shapes]
    for p, g in zip(params, grads):
        p.grad_sample = edutorch.tensor(g)
    opt = DPOptimizer(edutorch.optim.SGD(params, lr=0.1), noise_multiplier=0.0,
                      max_grad_norm=C, expected_batch_size=B)
    opt.pre_step()  # clip and average, no noise: the noise term is added below
    got = ex.dp_sgd_gradient([g.copy() for g in grads], C, sigma, B, [z.copy() for z in noise])
    assert isinstance(got, (list, tuple)) and len(got) == len(shapes), \
        f"dp_sgd_gradient, {name}: expected a list of {len(shapes)} arrays"
    for k, (p, z) in enumerate(zip(params, noise)):
        expected = p.grad.numpy() + sigma * C * z / B
        assert_close(got[k], expected, f"dp_sgd_gradient, {name}, parameter {k} (one norm over "
                     f"all parameters? noise std sigma*C? divided by the expected batch size "
                     f"{B}, not the {n} examples?)", rtol=1e-9, atol=1e-12)


# -- RDP to (epsilon, delta) ---------------------------------------------------------------------

RDP_CASES = [("sigma 1.1, q 0.01, 1000 steps, delta 1e-5", 1.1, 0.01, 1000, 1e-5),
             ("sigma 0.8, q 0.1, 50 steps, delta 1e-6", 0.8, 0.1, 50, 1e-6),
             ("sigma 4, q 0.02, 10 steps, delta 1e-3", 4.0, 0.02, 10, 1e-3)]


@pytest.mark.grades("rdp_to_epsilon")
@pytest.mark.parametrize("name, sigma, q, steps, delta", RDP_CASES, ids=[c[0] for c in RDP_CASES])
def test_rdp_to_epsilon_matches_accountant(ex, name, sigma, q, steps, delta):
    orders = np.array(DEFAULT_ALPHAS, dtype=float)
    rdp = np.array(compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=list(orders)))
    eps, order = get_privacy_spent(orders=list(orders), rdp=list(rdp), delta=delta)
    got = ex.rdp_to_epsilon(orders.copy(), rdp.copy(), delta)
    assert isinstance(got, tuple) and len(got) == 2, "rdp_to_epsilon must return (eps, order)"
    assert_close(float(as_numpy(got[0], "epsilon")), eps,
                 f"rdp_to_epsilon epsilon, {name} (divided by alpha - 1? the log(alpha) and "
                 f"log((alpha-1)/alpha) terms?)", rtol=1e-9)
    assert_close(float(as_numpy(got[1], "order")), order, f"rdp_to_epsilon best order, {name}")


# -- Conv2d + BatchNorm folding ------------------------------------------------------------------

FOLD_CASES = [("3->4 channels, bias", 3, 4, True, 1e-5),
              ("2->5 channels, no bias", 2, 5, False, 1e-5),
              ("1->3 channels, bias, eps 1e-3", 1, 3, True, 1e-3)]


@pytest.mark.grades("fold_conv_bn")
@pytest.mark.parametrize("name, cin, cout, has_bias, eps", FOLD_CASES,
                         ids=[c[0] for c in FOLD_CASES])
def test_fold_conv_bn_matches_conv_then_batch_norm(ex, name, cin, cout, has_bias, eps):
    rng = np.random.default_rng(73)
    w = rng.normal(size=(cout, cin, 3, 3))
    b = rng.normal(size=cout) if has_bias else None
    gamma, beta = rng.normal(size=cout), rng.normal(size=cout)
    mean = rng.normal(size=cout)
    var = rng.uniform(1e-4, 1e-3, size=cout)  # small variances: eps matters
    x = edutorch.tensor(rng.normal(size=(2, cin, 6, 6)))
    T = edutorch.tensor
    y = F.conv2d(x, T(w), None if b is None else T(b))
    expected = F.batch_norm(y, T(mean), T(var), T(gamma), T(beta), training=False, eps=eps)
    got = ex.fold_conv_bn(w.copy(), None if b is None else b.copy(), gamma.copy(), beta.copy(),
                          mean.copy(), var.copy(), eps)
    assert isinstance(got, tuple) and len(got) == 2, "fold_conv_bn must return (weight, bias)"
    w2, b2 = (as_numpy(g, "folded") for g in got)
    out = F.conv2d(x, T(w2), T(b2))
    assert_close(out, expected, f"conv2d with the folded weights, {name} (eps inside the square "
                 f"root? the conv's own bias?)", rtol=1e-7, atol=1e-7)
