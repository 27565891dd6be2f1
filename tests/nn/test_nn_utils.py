"""nn.utils: gradient clipping and parameters <-> vector, against PyTorch."""
from __future__ import annotations

import math

import numpy as np
import pytest
from nn_compare import assert_close

import edutorch
from edutorch import nn
from edutorch.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

RNG = np.random.default_rng(3)
SHAPES = [(3, 4), (4,), (2, 2, 2)]


def _params(lib, scale=1.0, with_none=False):
    ps = []
    for i, s in enumerate(SHAPES):
        p = lib.nn.Parameter(lib.tensor(RNG.standard_normal(s)))
        p.grad = lib.tensor(np.random.default_rng(i).standard_normal(s) * scale)
        ps.append(p)
    if with_none:
        ps.append(lib.nn.Parameter(lib.ones(2)))  # no gradient: skipped
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    e, t = _params(edutorch, with_none=True), _params(torch, with_none=True)
    ne = clip_grad_norm_(e, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type=norm_type)
    assert_close(ne, nt, rtol=1e-6)
    for pe, pt in zip(e, t):
        if pt.grad is None:
            assert pe.grad is None
        else:
            assert_close(pe.grad, pt.grad, rtol=1e-6)


def test_clip_grad_norm_formula():
    ps = _params(edutorch)
    grads = [p.grad.numpy().copy() for p in ps]
    total = math.sqrt(sum((g ** 2).sum() for g in grads))
    out = clip_grad_norm_(ps, 1.0)
    assert out.item() == pytest.approx(total, rel=1e-9)
    new_total = math.sqrt(sum((p.grad.numpy() ** 2).sum() for p in ps))
    assert new_total == pytest.approx(1.0, rel=1e-5)
    for p, g in zip(ps, grads):  # the direction is kept
        np.testing.assert_allclose(p.grad.numpy(), g * (1.0 / (total + 1e-6)), rtol=1e-9)


def test_clip_grad_norm_single_tensor_and_nonfinite():
    p = nn.Parameter(edutorch.ones(3))
    p.grad = edutorch.tensor([3.0, 4.0, 0.0])
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    assert p.grad.norm().item() == pytest.approx(1.0, rel=1e-5)
    p.grad = edutorch.tensor([float("inf"), 1.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([nn.Parameter(edutorch.ones(2))], 1.0).item() == 0.0


def test_clip_grad_norm_in_a_training_step(torch):
    x = RNG.standard_normal((8, 3))

    def step(lib):
        m = lib.nn.Linear(3, 2).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3)))
            m.bias.fill_(0.5)
        (m(lib.tensor(x)) ** 2).sum().backward()
        n = lib.nn.utils.clip_grad_norm_(m.parameters(), max_norm=0.1)
        return n, m.weight.grad, m.bias.grad
    for a, b in zip(step(edutorch), step(torch)):
        assert_close(a, b, rtol=1e-6)


def test_clip_grad_value_matches_torch(torch):
    e, t = _params(edutorch, scale=3.0), _params(torch, scale=3.0)
    assert clip_grad_value_(e, 1.5) is None
    torch.nn.utils.clip_grad_value_(t, 1.5)
    for pe, pt in zip(e, t):
        assert_close(pe.grad, pt.grad)
        assert float(pe.grad.abs().max().item()) <= 1.5


def test_parameters_to_vector_and_back(torch):
    e = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    e.load_state_dict({k: edutorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    ve = parameters_to_vector(e.parameters())
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    assert_close(ve, vt)
    assert ve.requires_grad  # differentiable, as in torch
    (ve * edutorch.arange(ve.shape[0]).float()).sum().backward()
    assert e[0].weight.grad.reshape(-1).tolist() == list(range(6))
    new = RNG.standard_normal(ve.shape[0]).astype(np.float32)
    vector_to_parameters(edutorch.tensor(new), e.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), t.parameters())
    for (n, pe), (_, pt) in zip(e.named_parameters(), t.named_parameters()):
        assert_close(pe, pt, what=n)
        assert pe.is_leaf
    with pytest.raises(TypeError, match="expected"):
        vector_to_parameters(new, e.parameters())
    with pytest.raises(RuntimeError, match="elements"):
        vector_to_parameters(edutorch.ones(3), e.parameters())
