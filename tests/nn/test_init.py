"""nn.init: gains, fans, and the distributions each scheme draws from (compared with
PyTorch's where deterministic, with PyTorch's samples and the formulas where random)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from nn_compare import assert_close

import edutorch
from edutorch import nn
from edutorch.nn import init


def test_calculate_gain_matches_torch(torch):
    cases = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv_transpose2d", None),
             ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
             ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)]
    for name, param in cases:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-12), name
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "a")


def test_fans_match_torch(torch):
    for shape in [(3, 4), (5, 3, 2, 2), (2, 3, 4), (7, 1, 3, 3, 3)]:
        assert init._calculate_fan_in_and_fan_out(edutorch.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(edutorch.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(edutorch.empty(3, 3), mode="fan_avg")


SHAPE = (256, 128)
FAN_IN, FAN_OUT = 128, 256


def _std(t):
    return float(np.asarray(t.detach().numpy() if isinstance(t, edutorch.Tensor)
                            else t.detach().numpy()).std())


def _absmax(t):
    return float(np.abs(t.detach().numpy()).max())


# (id, edutorch/torch call, theoretical bound for uniform draws or None, theoretical std)
SCHEMES = [
    ("uniform", lambda m, t: m.uniform_(t, -0.3, 0.7), None, 1.0 / math.sqrt(12)),
    ("normal", lambda m, t: m.normal_(t, 0.5, 2.0), None, 2.0),
    ("xavier_uniform", lambda m, t: m.xavier_uniform_(t, gain=1.7),
     1.7 * math.sqrt(6 / (FAN_IN + FAN_OUT)), 1.7 * math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("xavier_normal", lambda m, t: m.xavier_normal_(t), None,
     math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("kaiming_uniform", lambda m, t: m.kaiming_uniform_(t), math.sqrt(6 / FAN_IN),
     math.sqrt(2 / FAN_IN)),
    ("kaiming_uniform_a_sqrt5", lambda m, t: m.kaiming_uniform_(t, a=math.sqrt(5)),
     1 / math.sqrt(FAN_IN), 1 / math.sqrt(3 * FAN_IN)),
    ("kaiming_uniform_fan_out_relu", lambda m, t: m.kaiming_uniform_(
        t, mode="fan_out", nonlinearity="relu"), math.sqrt(6 / FAN_OUT), math.sqrt(2 / FAN_OUT)),
    ("kaiming_normal", lambda m, t: m.kaiming_normal_(t, a=0.2), None,
     math.sqrt(2 / (1.04 * FAN_IN))),
    ("kaiming_normal_fan_out", lambda m, t: m.kaiming_normal_(t, mode="fan_out",
                                                               nonlinearity="tanh"), None,
     (5 / 3) / math.sqrt(FAN_OUT)),
]


@pytest.mark.parametrize("name,call,bound,std", SCHEMES, ids=[s[0] for s in SCHEMES])
def test_random_schemes_formulas(name, call, bound, std):
    t = edutorch.empty(*SHAPE)
    assert call(init, t) is t
    assert abs(_std(t) / std - 1) < 0.03, name
    if bound is not None:
        assert _absmax(t) <= bound * (1 + 1e-6) and _absmax(t) > 0.97 * bound


@pytest.mark.parametrize("name,call,bound,std", SCHEMES, ids=[s[0] for s in SCHEMES])
def test_random_schemes_match_torch_statistics(torch, name, call, bound, std):
    e, t = edutorch.empty(*SHAPE), torch.empty(*SHAPE)
    call(init, e)
    call(torch.nn.init, t)
    assert abs(_std(e) / _std(t) - 1) < 0.04
    assert abs(float(e.mean().item()) - float(t.mean())) < 0.05 * max(_std(t), 1e-3) + 0.02
    if bound is not None:
        assert abs(_absmax(e) / _absmax(t) - 1) < 0.02


def test_init_runs_without_grad_tracking():
    p = nn.Parameter(edutorch.empty(4, 3))
    for fn in (init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_, init.zeros_,
               init.eye_, init.trunc_normal_, lambda t: init.constant_(t, 0.3)):
        fn(p)
        assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_deterministic_schemes_match_torch(torch):
    pairs = [
        (lambda m, t: m.constant_(t, 0.25), (3, 4)),
        (lambda m, t: m.ones_(t), (2, 5)),
        (lambda m, t: m.zeros_(t), (2, 5)),
        (lambda m, t: m.eye_(t), (3, 5)),
        (lambda m, t: m.eye_(t), (4, 2)),
        (lambda m, t: m.dirac_(t), (4, 3, 3)),
        (lambda m, t: m.dirac_(t), (3, 4, 3, 3)),
        (lambda m, t: m.dirac_(t, groups=2), (4, 2, 3, 3)),
    ]
    for call, shape in pairs:
        e, t = edutorch.full(shape, 9.0), torch.full(shape, 9.0)
        call(init, e)
        call(torch.nn.init, t)
        assert_close(e, t)
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(edutorch.empty(2, 2, 2))


@pytest.mark.parametrize("shape,gain", [((5, 3), 1.0), ((3, 5), 2.0), ((4, 4), 1.0),
                                        ((6, 2, 2, 2), 0.5)])
def test_orthogonal(shape, gain):
    t = edutorch.empty(*shape)
    init.orthogonal_(t, gain=gain)
    m = t.reshape(shape[0], -1).numpy()
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(edutorch.empty(3))


def test_trunc_normal(torch):
    e = edutorch.empty(20000)
    init.trunc_normal_(e, mean=0.5, std=1.0, a=-0.5, b=2.0)
    assert float(e.min().item()) >= -0.5 and float(e.max().item()) <= 2.0
    t = torch.empty(20000)
    torch.nn.init.trunc_normal_(t, mean=0.5, std=1.0, a=-0.5, b=2.0)
    assert abs(float(e.mean().item()) - float(t.mean())) < 0.03
    assert abs(_std(e) / _std(t) - 1) < 0.03
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(edutorch.empty(10), mean=10.0, std=1.0, a=-2.0, b=2.0)


def test_trunc_normal_formula():
    e = edutorch.empty(20000, dtype=edutorch.float64)
    init.trunc_normal_(e, std=1.0, a=-1.0, b=1.0)
    # variance of N(0, 1) truncated to [-1, 1]: 1 - 2 phi(1) / (Phi(1) - Phi(-1))
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    z = math.erf(1 / math.sqrt(2))
    assert abs(_std(e) - math.sqrt(1 - 2 * phi / z)) < 0.02
    assert float(e.abs().max().item()) <= 1.0


def test_generator_keyword():
    a, b, c = edutorch.empty(5, 5), edutorch.empty(5, 5), edutorch.empty(5, 5)
    init.kaiming_uniform_(a, generator=edutorch.Generator().manual_seed(3))
    init.kaiming_uniform_(b, generator=edutorch.Generator().manual_seed(3))
    init.kaiming_uniform_(c, generator=edutorch.Generator().manual_seed(4))
    assert edutorch.equal(a, b) and not edutorch.equal(a, c)
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
               init.kaiming_normal_, init.orthogonal_, init.trunc_normal_):
        x, y = edutorch.empty(4, 4), edutorch.empty(4, 4)
        fn(x, generator=edutorch.Generator().manual_seed(1))
        fn(y, generator=edutorch.Generator().manual_seed(1))
        assert edutorch.equal(x, y), fn.__name__


def test_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(edutorch.empty(0, 3))


def test_manual_seed_reproduces_model_init():
    edutorch.manual_seed(11)
    a = nn.Linear(4, 3)
    edutorch.manual_seed(11)
    b = nn.Linear(4, 3)
    assert edutorch.equal(a.weight, b.weight) and edutorch.equal(a.bias, b.bias)
