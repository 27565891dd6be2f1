"""The basic layers and their functional forms, against PyTorch (same weights, float64):
outputs, every parameter's gradient and the input's gradient. Without torch, gradcheck."""
from __future__ import annotations

import numpy as np
import pytest
from nn_compare import assert_close, check_op, compare_module, copy_weights

import edutorch
import edutorch.nn.functional as F
from edutorch import nn
from edutorch.autograd import gradcheck

RNG = np.random.default_rng(42)


def randn(*shape):
    return RNG.standard_normal(shape)


# inputs that include the kinks and thresholds of the piecewise activations, and values large
# enough to overflow a naive exp
KINKS = np.array([[-30.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0, 30.0],
                  [-2.5, -1.5, -0.25, 0.25, 1.5, 2.5, 4.0, -4.0, 0.1, -0.1, 2.0, -2.0]])

# (id, builder(lib) -> module, input arrays)
MODULES = [
    ("Identity", lambda nn_: nn_.Identity(3, unused=True), [randn(2, 3)]),
    ("Linear", lambda nn_: nn_.Linear(3, 4), [randn(5, 3)]),
    ("Linear-3d-input", lambda nn_: nn_.Linear(3, 2), [randn(2, 4, 3)]),
    ("Linear-1d-input", lambda nn_: nn_.Linear(3, 2), [randn(3)]),
    ("Linear-nobias", lambda nn_: nn_.Linear(3, 4, bias=False), [randn(5, 3)]),
    ("Bilinear", lambda nn_: nn_.Bilinear(3, 2, 4), [randn(5, 3), randn(5, 2)]),
    ("Flatten", lambda nn_: nn_.Flatten(), [randn(2, 3, 2, 2)]),
    ("Flatten-range", lambda nn_: nn_.Flatten(0, 1), [randn(2, 3, 2)]),
    ("Unflatten", lambda nn_: nn_.Unflatten(1, (2, 3)), [randn(4, 6)]),
    ("ReLU", lambda nn_: nn_.ReLU(), [KINKS]),
    ("LeakyReLU", lambda nn_: nn_.LeakyReLU(0.2), [KINKS]),
    ("ELU", lambda nn_: nn_.ELU(alpha=0.7), [KINKS]),
    ("SELU", lambda nn_: nn_.SELU(), [KINKS]),
    ("CELU", lambda nn_: nn_.CELU(alpha=1.5), [KINKS]),
    ("GELU", lambda nn_: nn_.GELU(), [KINKS]),
    ("GELU-tanh", lambda nn_: nn_.GELU(approximate="tanh"), [KINKS]),
    ("SiLU", lambda nn_: nn_.SiLU(), [KINKS]),
    ("Mish", lambda nn_: nn_.Mish(), [KINKS]),
    ("Sigmoid", lambda nn_: nn_.Sigmoid(), [KINKS]),
    ("Tanh", lambda nn_: nn_.Tanh(), [KINKS]),
    ("Hardtanh", lambda nn_: nn_.Hardtanh(-2.0, 3.0), [KINKS]),
    ("Hardtanh-default", lambda nn_: nn_.Hardtanh(), [KINKS]),
    ("ReLU6", lambda nn_: nn_.ReLU6(), [KINKS]),
    ("Hardsigmoid", lambda nn_: nn_.Hardsigmoid(), [KINKS]),
    ("Hardswish", lambda nn_: nn_.Hardswish(), [KINKS]),
    ("Softplus", lambda nn_: nn_.Softplus(), [KINKS]),
    ("Softplus-beta", lambda nn_: nn_.Softplus(beta=2.0, threshold=5.0), [KINKS]),
    ("Softsign", lambda nn_: nn_.Softsign(), [KINKS]),
    ("LogSigmoid", lambda nn_: nn_.LogSigmoid(), [KINKS]),
    ("Tanhshrink", lambda nn_: nn_.Tanhshrink(), [KINKS]),
    ("Threshold", lambda nn_: nn_.Threshold(0.5, -2.0), [KINKS]),
    ("GLU", lambda nn_: nn_.GLU(), [randn(3, 4)]),
    ("Softmax", lambda nn_: nn_.Softmax(dim=1), [KINKS]),
    ("Softmax-dim0", lambda nn_: nn_.Softmax(dim=0), [randn(3, 4)]),
    ("Softmin", lambda nn_: nn_.Softmin(dim=-1), [randn(3, 4)]),
    ("LogSoftmax", lambda nn_: nn_.LogSoftmax(dim=1), [KINKS * 10]),
    ("LayerNorm", lambda nn_: nn_.LayerNorm(4), [randn(3, 4)]),
    ("LayerNorm-2d", lambda nn_: nn_.LayerNorm([3, 4], eps=1e-3), [randn(2, 3, 4)]),
    ("LayerNorm-noaffine", lambda nn_: nn_.LayerNorm(4, elementwise_affine=False),
     [randn(2, 4)]),
    ("LayerNorm-nobias", lambda nn_: nn_.LayerNorm(4, bias=False), [randn(2, 4)]),
    ("RMSNorm", lambda nn_: nn_.RMSNorm(4), [randn(3, 4)]),
    ("RMSNorm-eps", lambda nn_: nn_.RMSNorm([2, 4], eps=1e-3), [randn(3, 2, 4)]),
    ("GroupNorm", lambda nn_: nn_.GroupNorm(2, 4), [randn(3, 4, 5)]),
    ("GroupNorm-2d", lambda nn_: nn_.GroupNorm(3, 6, eps=1e-3), [randn(2, 6, 2, 3)]),
    ("GroupNorm-noaffine", lambda nn_: nn_.GroupNorm(1, 4, affine=False), [randn(2, 4, 3)]),
    ("BatchNorm1d", lambda nn_: nn_.BatchNorm1d(4), [randn(6, 4)]),
    ("BatchNorm1d-3d", lambda nn_: nn_.BatchNorm1d(3), [randn(4, 3, 5)]),
    ("BatchNorm2d", lambda nn_: nn_.BatchNorm2d(3), [randn(2, 3, 4, 4)]),
    ("BatchNorm2d-noaffine", lambda nn_: nn_.BatchNorm2d(3, affine=False),
     [randn(2, 3, 2, 2)]),
    ("Dropout-eval-identity", lambda nn_: nn_.Dropout(0.5).eval(), [randn(3, 4)]),
]


@pytest.mark.parametrize("name,build,arrays", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_torch(torch, name, build, arrays):
    e, t = build(nn), build(torch.nn)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    compare_module(e, t, *arrays)


@pytest.mark.parametrize("name,build,arrays", MODULES, ids=[m[0] for m in MODULES])
def test_module_gradcheck(name, build, arrays):
    """Runs without torch: finite differences against autograd, inputs and parameters."""
    m = build(nn).double()
    # finite differences are meaningless on a kink: move the points off them
    xs = [edutorch.tensor(a + 0.0123).requires_grad_() for a in arrays]
    params = [p for p in m.parameters()]
    if params:  # parameter gradients, through the module's own parameters
        out = m(*xs)
        go = edutorch.randn(*out.shape, dtype=edutorch.float64)
        grads = edutorch.autograd.grad(out, params, go)
        eps = 1e-6
        for p, g in zip(params, grads):
            flat = p.detach().reshape(-1)
            num = np.zeros(flat.shape[0])
            for i in range(min(flat.shape[0], 6)):
                with edutorch.no_grad():
                    old = flat[i].item()
                    flat[i] = old + eps
                    hi = (m(*xs) * go).sum().item()
                    flat[i] = old - eps
                    lo = (m(*xs) * go).sum().item()
                    flat[i] = old
                num[i] = (hi - lo) / (2 * eps)
                assert abs(num[i] - g.reshape(-1)[i].item()) < 1e-5 * max(1, abs(num[i]))
    assert gradcheck(lambda *ts: m(*ts), tuple(xs), eps=1e-6, atol=1e-6, rtol=1e-4)


# -- default initialisation: PyTorch's distributions --------------------------------------------

def test_linear_default_init_bounds():
    m = nn.Linear(50, 200)
    bound = 1 / np.sqrt(50)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound and b.std() > 0.4 * bound / np.sqrt(3)


def test_default_init_of_norm_and_embedding():
    ln, bn, gn = nn.LayerNorm(5), nn.BatchNorm1d(5), nn.GroupNorm(1, 5)
    for m in (ln, bn, gn):
        assert m.weight.tolist() == [1.0] * 5 and m.bias.tolist() == [0.0] * 5
    assert bn.running_mean.tolist() == [0.0] * 5 and bn.running_var.tolist() == [1.0] * 5
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.dtype == edutorch.int64
    emb = nn.Embedding(400, 50)
    w = emb.weight.detach().numpy()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


def test_factory_kwargs():
    m = nn.Linear(2, 3, dtype=edutorch.float64, device="cpu")
    assert m.weight.dtype == edutorch.float64 and m.bias.dtype == edutorch.float64
    assert nn.LayerNorm(3, dtype=edutorch.float64).weight.dtype == edutorch.float64


def test_linear_shape_error():
    with pytest.raises(RuntimeError, match=r"linear: mat1 and mat2 shapes cannot be multiplied"):
        nn.Linear(3, 2)(edutorch.ones(4, 5))


def test_lazy_linear(torch):
    e = nn.LazyLinear(4)
    out = e(edutorch.randn(2, 3))
    assert out.shape == (2, 4) and e.weight.shape == (4, 3) and e.in_features == 3


# -- activations: functional forms, in-place variants, stability -------------------------------

ACTIVATION_FNS = [
    ("relu", lambda F_, x: F_.relu(x)),
    ("leaky_relu", lambda F_, x: F_.leaky_relu(x, 0.1)),
    ("elu", lambda F_, x: F_.elu(x, 2.0)),
    ("gelu", lambda F_, x: F_.gelu(x)),
    ("gelu_tanh", lambda F_, x: F_.gelu(x, approximate="tanh")),
    ("silu", lambda F_, x: F_.silu(x)),
    ("mish", lambda F_, x: F_.mish(x)),
    ("sigmoid", lambda F_, x: F_.sigmoid(x)),
    ("tanh", lambda F_, x: F_.tanh(x)),
    ("softplus", lambda F_, x: F_.softplus(x, beta=0.5, threshold=10)),
    ("hardtanh", lambda F_, x: F_.hardtanh(x, -0.5, 0.5)),
    ("relu6", lambda F_, x: F_.relu6(x)),
    ("softmax", lambda F_, x: F_.softmax(x, dim=-1)),
    ("log_softmax", lambda F_, x: F_.log_softmax(x, dim=0)),
    ("logsigmoid", lambda F_, x: F_.logsigmoid(x)),
    ("normalize", lambda F_, x: F_.normalize(x, dim=1)),
    ("normalize_p1", lambda F_, x: F_.normalize(x, p=1.0, dim=0)),
]


@pytest.mark.parametrize("name,fn", ACTIVATION_FNS, ids=[a[0] for a in ACTIVATION_FNS])
def test_functional_activation(name, fn):
    """float32 and float64 against torch (check_op), gradcheck in float64 always."""
    x = KINKS * 0.37 + 0.011  # off the kinks, so that gradcheck is meaningful
    check_op(lambda lib, t: fn(lib.nn.functional, t), x)


def test_inplace_activations(torch):
    for name in ("relu", "leaky_relu", "elu", "hardtanh", "relu6", "silu"):
        x = KINKS.copy()
        e, t = edutorch.tensor(x), torch.tensor(x)
        e_out = getattr(F, name)(e, inplace=True)
        t_out = getattr(torch.nn.functional, name)(t, inplace=True)
        assert e_out is e
        assert_close(e, t, rtol=1e-6, what=name)
        assert_close(e_out, t_out, rtol=1e-6, what=name)
    x = edutorch.tensor([-1.0, 2.0])
    assert F.relu_(x) is x and x.tolist() == [0.0, 2.0]


def test_inplace_relu_module_in_graph(torch):
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.ReLU(inplace=True),
                                 lib.nn.Linear(3, 2))
    compare_module(build(edutorch), build(torch), randn(4, 3))


def test_activation_stability():
    big = edutorch.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    for fn in (F.softplus, F.elu, F.silu, F.mish, F.logsigmoid, F.gelu, F.sigmoid):
        y = fn(big)
        y.sum().backward()
        assert bool(y.isfinite().all()), fn.__name__
        assert bool(big.grad.isfinite().all()), fn.__name__
        big.grad = None
    y = F.log_softmax(edutorch.tensor([[1000.0, 0.0, -1000.0]]), dim=1)
    assert bool(y.isfinite().all()) and abs(y[0, 0].item()) < 1e-6


def test_softmax_implicit_dim_warns(torch):
    x = randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        e = F.softmax(edutorch.tensor(x))
    with pytest.warns(UserWarning):
        t = torch.nn.functional.softmax(torch.tensor(x))
    assert_close(e, t)


def test_gelu_bad_approximate():
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(edutorch.ones(2), approximate="fast")
    with pytest.raises(ValueError):
        nn.GELU("fast")


# -- dropout ------------------------------------------------------------------------------------

def test_dropout_statistics_and_modes():
    x = edutorch.ones(200, 100)
    m = nn.Dropout(0.3)
    y = m(x)
    kept = (y != 0).float().mean().item()
    assert abs(kept - 0.7) < 0.02
    assert np.allclose(np.unique(y.numpy()), [0.0, 1 / 0.7])
    assert abs(y.mean().item() - 1.0) < 0.03  # expectation kept
    m.eval()
    assert m(x) is x
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 1.0).abs().sum().item() == 0
    z = edutorch.ones(10, 10)
    F.dropout(z, 0.5, inplace=True)
    assert (z == 0).any().item()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, -0.1)


def test_alpha_dropout_keeps_mean_and_variance():
    x = edutorch.randn(400, 250)
    y = nn.AlphaDropout(0.2)(x)
    assert abs(y.mean().item()) < 0.02 and abs(y.std().item() - 1) < 0.02
    assert (y != x).float().mean().item() > 0.15
    assert F.alpha_dropout(x, 0.2) is x  # training=False by default, as PyTorch


def test_dropout_gradient_uses_the_same_mask():
    x = edutorch.ones(50, 20, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout2d_zeros_whole_channels():
    x = edutorch.ones(8, 16, 3, 3)
    y = nn.Dropout2d(0.5)(x)
    per_channel = y.reshape(8, 16, 9).numpy()
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert 0 < (per_channel == 0).all(-1).mean() < 1
    y1 = nn.Dropout1d(0.5)(edutorch.ones(4, 6, 5)).numpy()
    assert np.all((y1 == 0).all(-1) | (y1 == 2.0).all(-1))
    with pytest.warns(UserWarning, match="dropout2d"):  # PyTorch 2.13 warns, does not raise
        F.dropout2d(edutorch.ones(2, 3), 0.5)
    with pytest.raises(RuntimeError, match="dropout1d"):
        F.dropout1d(edutorch.ones(2, 3, 4, 5), 0.5)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


# -- embedding ----------------------------------------------------------------------------------

def test_embedding_matches_torch(torch):
    idx = np.array([[0, 2, 4], [4, 3, 0]])
    compare_module(nn.Embedding(5, 3), torch.nn.Embedding(5, 3), idx)


def test_embedding_padding_idx(torch):
    e, t = nn.Embedding(6, 3, padding_idx=1), torch.nn.Embedding(6, 3, padding_idx=1)
    assert e.weight[1].abs().sum().item() == 0  # initialised to zero
    assert repr(e) == repr(t)
    idx = np.array([[1, 2, 1], [5, 1, 0]])
    compare_module(e, t, idx)
    assert e.weight.grad[1].abs().sum().item() == 0  # the padding row gets no gradient
    neg = nn.Embedding(4, 2, padding_idx=-1)
    assert neg.padding_idx == 3
    with pytest.raises(AssertionError, match="Padding_idx"):
        nn.Embedding(4, 2, padding_idx=4)


def test_embedding_padding_row_keeps_its_value():
    e = nn.Embedding(3, 2, padding_idx=0)
    with edutorch.no_grad():
        e.weight[0] = edutorch.tensor([5.0, 6.0])
    out = e(edutorch.tensor([0, 1]))
    assert out[0].tolist() == [5.0, 6.0]


def test_embedding_max_norm_and_scale_grad_by_freq(torch):
    idx = np.array([0, 2, 2, 3, 2])
    e = nn.Embedding(5, 4, max_norm=1.0, scale_grad_by_freq=True)
    t = torch.nn.Embedding(5, 4, max_norm=1.0, scale_grad_by_freq=True)
    with torch.no_grad():
        t.weight.mul_(3)  # several rows above the max norm
    assert repr(e) == repr(t)
    compare_module(e, t, idx)
    assert_close(e.weight, t.weight, rtol=1e-6)  # rows renormalised in place, like torch


def test_embedding_from_pretrained_and_errors(torch):
    table = randn(4, 3)
    e = nn.Embedding.from_pretrained(edutorch.tensor(table))
    t = torch.nn.Embedding.from_pretrained(torch.tensor(table))
    assert not e.weight.requires_grad
    assert_close(e(edutorch.tensor([3, 0])), t(torch.tensor([3, 0])))
    e2 = nn.Embedding.from_pretrained(edutorch.tensor(table), freeze=False)
    assert e2.weight.requires_grad
    with pytest.raises(IndexError, match="index out of range"):
        e(edutorch.tensor([4]))
    with pytest.raises(RuntimeError, match="indices"):
        e(edutorch.tensor([1.0]))


def test_functional_embedding_and_one_hot(torch):
    w = randn(5, 2)
    check_op(lambda lib, weight: lib.nn.functional.embedding(lib.tensor([[1, 4], [0, 1]]),
                                                             weight), w)
    x = np.array([[0, 3], [2, 1]])
    assert_close(F.one_hot(edutorch.tensor(x)), torch.nn.functional.one_hot(torch.tensor(x)))
    assert_close(F.one_hot(edutorch.tensor(x), 6),
                 torch.nn.functional.one_hot(torch.tensor(x), 6))
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(edutorch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(edutorch.tensor([3]), 2)


# -- normalisation ------------------------------------------------------------------------------

def test_functional_norms(torch):
    x, w, b = randn(3, 4, 5), randn(4), randn(4)
    check_op(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b), x, w, b)
    w2, b2 = randn(4, 5), randn(4, 5)
    check_op(lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (4, 5), w, b, 1e-3), x, w2,
             b2)
    check_op(lambda lib, x: lib.nn.functional.rms_norm(x, (5,)), x)
    check_op(lambda lib, x, w, b: lib.nn.functional.instance_norm(x, weight=w, bias=b), x, w, b)
    check_op(lambda lib, x, w, b: lib.nn.functional.batch_norm(
        x, None, None, w, b, training=True), x, w, b)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.layer_norm(edutorch.ones(2, 3), (4,))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(edutorch.ones(2, 3, 4), 2)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(2, 3)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("kind,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                        ("BatchNorm2d", (2, 3, 3, 4))])
def test_batchnorm_running_stats_then_eval(torch, kind, shape, momentum):
    e = getattr(nn, kind)(3, momentum=momentum, eps=1e-3)
    t = getattr(torch.nn, kind)(3, momentum=momentum, eps=1e-3)
    e.double()
    t.double()
    with torch.no_grad():
        t.weight.normal_()
        t.bias.normal_()
    copy_weights(e, t)
    for step in range(4):
        x = RNG.standard_normal(shape) * (step + 1) + step
        compare_module(e, t, x, copy=False)
        e.zero_grad()
        t.zero_grad()
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            assert_close(getattr(e, name), getattr(t, name), rtol=1e-6,
                         what=f"{name} after step {step}")
    e.eval()
    t.eval()
    compare_module(e, t, RNG.standard_normal(shape), copy=False)
    assert e.num_batches_tracked.item() == 4  # eval does not count


def test_batchnorm_without_running_stats(torch):
    e = nn.BatchNorm1d(3, track_running_stats=False)
    t = torch.nn.BatchNorm1d(3, track_running_stats=False)
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight", "bias"]
    assert e.running_mean is None
    x = randn(5, 3)
    compare_module(e, t, x)
    e.eval()
    t.eval()
    compare_module(e, t, x, copy=False)  # still batch statistics in eval mode


def test_batchnorm_errors_and_old_checkpoints():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(edutorch.randn(1, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(edutorch.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(edutorch.randn(2, 3))
    with pytest.raises(RuntimeError, match="channels"):
        bn(edutorch.randn(4, 2))
    sd = bn.state_dict()
    del sd["num_batches_tracked"]  # written before the counter existed
    fresh = nn.BatchNorm1d(3)
    assert fresh.load_state_dict(sd).missing_keys == []
    bn.eval()
    assert bn(edutorch.randn(1, 3)).shape == (1, 3)  # eval works on one sample


def test_batchnorm_reset():
    bn = nn.BatchNorm1d(2)
    bn(edutorch.randn(4, 2) + 3)
    assert bn.running_mean.abs().sum().item() > 0
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.num_batches_tracked.item() == 0


# -- linear / bilinear / pad as functions -------------------------------------------------------

def test_functional_linear_bilinear():
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), randn(2, 3, 4), randn(5, 4),
             randn(5))
    check_op(lambda lib, x, w: lib.nn.functional.linear(x, w), randn(3, 4), randn(4))
    check_op(lambda lib, a, b, w, bias: lib.nn.functional.bilinear(a, b, w, bias),
             randn(2, 3, 4), randn(2, 3, 2), randn(5, 4, 2), randn(5))


PADS = [
    ("constant", (1, 2), None, (2, 3, 4, 5)),
    ("constant", (1, 0, 2, 1), 1.5, (2, 3, 4, 5)),
    ("constant", (-1, 1, 0, -1), None, (2, 3, 4, 5)),
    ("constant", (1, 1, 1, 1, 1, 0), -2.0, (2, 3, 4, 5)),
    ("reflect", (2, 1), None, (2, 3, 4)),
    ("reflect", (1, 2, 2, 0), None, (2, 3, 4, 5)),
    ("reflect", (1, 2, 2, 0), None, (3, 4, 5)),
    ("replicate", (2, 3), None, (3, 4)),
    ("replicate", (1, 0, 0, 2, 1, 1), None, (1, 2, 2, 3, 3)),
    ("circular", (1, 2), None, (2, 3, 4)),
    ("circular", (2, 1, 1, 1), None, (2, 3, 4, 5)),
]


@pytest.mark.parametrize("mode,pad,value,shape", PADS,
                         ids=[f"{m}-{p}-{len(s)}d" for m, p, _, s in PADS])
def test_pad(mode, pad, value, shape):
    x = randn(*shape)
    kwargs = {"mode": mode} if value is None else {"mode": mode, "value": value}
    check_op(lambda lib, t: lib.nn.functional.pad(t, pad, **kwargs), x)


def test_pad_errors():
    x = edutorch.ones(2, 3)
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding length"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="less than the corresponding input dimension"):
        F.pad(edutorch.ones(1, 2, 3), (3, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="mode"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(NotImplementedError, match="reflect"):
        F.pad(edutorch.ones(2, 3, 4, 5), (1, 1), mode="reflect")
