"""edutorch.interpret against Captum, live: same weights, float64, attributions within 1e-6."""
from __future__ import annotations

import numpy as np
import pytest

import edutorch
import edutorch.nn as enn
from edutorch.interpret import InputXGradient, IntegratedGradients, Occlusion, Saliency
from edutorch.interpret.approximation_methods import gauss_legendre, step_sizes_and_alphas

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")
pytestmark = pytest.mark.torch


def _models(seed=0):
    """A small CNN in both libraries with the same float64 weights."""
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3), torch.nn.Tanh(), torch.nn.Flatten(),
        torch.nn.Linear(3 * 4 * 4, 8), torch.nn.Softplus(), torch.nn.Linear(8, 4)).double()
    em = enn.Sequential(
        enn.Conv2d(1, 3, 3), enn.Tanh(), enn.Flatten(),
        enn.Linear(3 * 4 * 4, 8), enn.Softplus(), enn.Linear(8, 4)).double()
    em.load_state_dict({k: edutorch.tensor(v.detach().numpy()) for k, v in
                        tm.state_dict().items()})
    return em, tm


def _x(seed=1, n=3):
    return np.random.default_rng(seed).normal(size=(n, 1, 6, 6))


def _close(e, t, tol=1e-6):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 20, 50, 64])
def test_gauss_legendre_matches_numpy(n):
    x, w = gauss_legendre(n)
    X, W = np.polynomial.legendre.leggauss(n)
    np.testing.assert_allclose(x, X, atol=1e-14)
    np.testing.assert_allclose(w, W, atol=1e-14)


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_left", "riemann_right",
                                    "riemann_middle", "riemann_trapezoid"])
def test_quadrature_matches_captum(method):
    from captum.attr._utils.approximation_methods import approximation_parameters
    steps_fn, alphas_fn = approximation_parameters(method)
    steps, alphas = step_sizes_and_alphas(method, 17)
    np.testing.assert_allclose(steps, steps_fn(17), rtol=1e-13)
    # Riemann alphas are float32 (torch.linspace): equal to one float32 ulp
    np.testing.assert_allclose(alphas, alphas_fn(17), rtol=0, atol=1.2e-7)


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_left", "riemann_right",
                                    "riemann_middle", "riemann_trapezoid"])
@pytest.mark.parametrize("target", [2, [0, 3, 1]])
def test_integrated_gradients_matches_captum(method, target):
    em, tm = _models()
    x = _x()
    base = np.random.default_rng(5).normal(size=(1, 1, 6, 6)) * 0.1
    ea, ed = IntegratedGradients(em).attribute(
        edutorch.tensor(x), baselines=edutorch.tensor(base), target=target, n_steps=20,
        method=method, return_convergence_delta=True)
    ta, td = captum_attr.IntegratedGradients(tm).attribute(
        torch.tensor(x), baselines=torch.tensor(base), target=target, n_steps=20,
        method=method, return_convergence_delta=True)
    _close(ea, ta)
    _close(ed, td)


def test_integrated_gradients_internal_batches_and_tuple_inputs():
    torch.manual_seed(0)
    tl = torch.nn.Bilinear(3, 4, 2).double()
    el = enn.Bilinear(3, 4, 2).double()
    el.load_state_dict({k: edutorch.tensor(v.detach().numpy()) for k, v in
                        tl.state_dict().items()})
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    ea = IntegratedGradients(el).attribute((edutorch.tensor(a), edutorch.tensor(b)), target=1,
                                           n_steps=12, internal_batch_size=15)
    ta = captum_attr.IntegratedGradients(tl).attribute((torch.tensor(a), torch.tensor(b)),
                                                       target=1, n_steps=12)
    assert isinstance(ea, tuple) and len(ea) == 2
    for e, t in zip(ea, ta):
        _close(e, t)


def test_gauss_legendre_converges_faster_than_riemann():
    em, _ = _models()
    x = edutorch.tensor(_x())
    ig = IntegratedGradients(em)
    _, d_gl = ig.attribute(x, target=1, n_steps=16, return_convergence_delta=True)
    _, d_left = ig.attribute(x, target=1, n_steps=16, method="riemann_left",
                             return_convergence_delta=True)
    assert d_gl.abs().max().item() < d_left.abs().max().item() / 100


@pytest.mark.parametrize("abs_", [True, False])
def test_saliency_matches_captum(abs_):
    em, tm = _models()
    x = _x()
    _close(Saliency(em).attribute(edutorch.tensor(x), target=3, abs=abs_),
           captum_attr.Saliency(tm).attribute(torch.tensor(x), target=3, abs=abs_))


def test_input_x_gradient_matches_captum():
    em, tm = _models()
    x = _x()
    tgt = [1, 0, 2]
    _close(InputXGradient(em).attribute(edutorch.tensor(x), target=edutorch.tensor(tgt)),
           captum_attr.InputXGradient(tm).attribute(torch.tensor(x), target=torch.tensor(tgt)))


@pytest.mark.parametrize("window,stride", [((1, 2, 2), 1), ((1, 3, 3), (1, 2, 2)),
                                           ((1, 4, 3), (1, 3, 2))])
def test_occlusion_matches_captum(window, stride):
    em, tm = _models()
    x = _x(n=2)
    _close(Occlusion(em).attribute(edutorch.tensor(x), sliding_window_shapes=window,
                                   strides=stride, target=0, baselines=0.5),
           captum_attr.Occlusion(tm).attribute(torch.tensor(x), sliding_window_shapes=window,
                                               strides=stride, target=0, baselines=0.5))


def test_errors_name_the_problem():
    em, _ = _models()
    x = edutorch.tensor(_x())
    with pytest.raises(ValueError, match="approximation method"):
        IntegratedGradients(em).attribute(x, target=0, method="simpson")
    with pytest.raises(AssertionError, match="Target not provided"):
        Saliency(em).attribute(x)
    with pytest.raises(ValueError, match="baseline 0 has shape"):
        IntegratedGradients(em).attribute(x, baselines=edutorch.zeros(2, 1, 6, 6), target=0)
