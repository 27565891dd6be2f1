"""edutorch.privacy: per-sample gradients against one-example-at-a-time PyTorch, the DP-SGD
step and the RDP accountant against Opacus, live."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import edutorch
import edutorch.nn as enn
from edutorch.privacy import (
    DPOptimizer,
    GradSampleModule,
    PrivacyEngine,
    RDPAccountant,
    UniformWithReplacementSampler,
    get_noise_multiplier,
)
from edutorch.privacy.rdp import log_erfc

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _copy(em, tm):
    em.load_state_dict({k: edutorch.tensor(v.detach().numpy()) for k, v in
                        tm.state_dict().items()})


LAYERS = {
    "linear3d": (lambda L: L.Linear(4, 3), (5, 2, 4), "float"),
    "conv1d": (lambda L: L.Conv1d(2, 3, 3, padding=1, stride=2), (5, 2, 7), "float"),
    "conv2d_groups": (lambda L: L.Conv2d(4, 6, 3, groups=2, dilation=(1, 2)), (5, 4, 6, 7),
                      "float"),
    "conv2d_same": (lambda L: L.Conv2d(2, 3, 3, padding="same"), (4, 2, 5, 5), "float"),
    "embedding": (lambda L: L.Embedding(7, 3), (5, 4), "index"),
    "layernorm": (lambda L: L.LayerNorm((3, 4)), (5, 2, 3, 4), "float"),
    "groupnorm": (lambda L: L.GroupNorm(2, 4), (5, 4, 3), "float"),
    "rnn": (lambda L: L.RNN(3, 4, num_layers=2, batch_first=True), (5, 6, 3), "float"),
    "lstm_seq_first": (lambda L: L.LSTM(3, 4), (6, 5, 3), "float"),
    "gru": (lambda L: L.GRU(3, 4, batch_first=True, bidirectional=True), (5, 6, 3), "float"),
}


def _outputs(out):
    return [t for t in (out if isinstance(out, tuple) else (out,))
            for t in (t if isinstance(t, tuple) else (t,))]


@pytest.mark.parametrize("name", list(LAYERS))
def test_per_sample_gradients_equal_one_example_at_a_time(name):
    make, shape, kind = LAYERS[name]
    torch.manual_seed(0)
    tm = make(torch.nn).double()
    em = make(enn).double()
    _copy(em, tm)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 7, size=shape) if kind == "index" else rng.normal(size=shape)
    seq_first = name == "lstm_seq_first"
    n = shape[1] if seq_first else shape[0]
    gsm = GradSampleModule(em, loss_reduction="sum")
    outs = _outputs(gsm(edutorch.tensor(x)))
    ws = [rng.normal(size=tuple(o.shape)) for o in outs]
    sum(((o * edutorch.tensor(w)).sum() for o, w in zip(outs, ws))).backward()
    for pname, p in tm.named_parameters():
        ep = em.get_parameter(pname)
        assert ep.grad_sample.shape == (n, *p.shape), pname
        for i in range(n):
            xi = x[:, i:i + 1] if seq_first else x[i:i + 1]
            touts = _outputs(tm(torch.tensor(xi)))
            loss = 0
            for k, (o, w) in enumerate(zip(touts, ws)):
                # states (h, c) of recurrent layers keep the batch in dim 1
                bdim = 1 if (seq_first or k > 0) and name in ("rnn", "lstm_seq_first", "gru") \
                    else 0
                loss = loss + (o * torch.tensor(np.take(w, [i], axis=bdim))).sum()
            (g,) = torch.autograd.grad(loss, p)
            np.testing.assert_allclose(ep.grad_sample[i].numpy(), g.numpy(), atol=1e-10,
                                       err_msg=f"{name}: {pname}, example {i}")
    # and their sum is the ordinary gradient
    for p in em.parameters():
        np.testing.assert_allclose(p.grad_sample.sum(0).numpy(), p.grad.numpy(), atol=1e-10)


def test_batchnorm_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="BatchNorm2d.*GroupNorm"):
        GradSampleModule(enn.Sequential(enn.Conv2d(1, 2, 3), enn.BatchNorm2d(2)))


def _dp_models():
    torch.manual_seed(3)

    def make(L):
        return L.Sequential(L.Conv2d(1, 3, 3), L.ReLU(), L.Flatten(), L.Linear(3 * 4 * 4, 6),
                            L.LayerNorm(6), L.Tanh(), L.Linear(6, 3))
    tm = make(torch.nn).double()
    em = make(enn).double()
    _copy(em, tm)
    return em, tm


@pytest.mark.parametrize("loss_reduction", ["mean", "sum"])
def test_one_dp_sgd_step_without_noise_equals_opacus(loss_reduction):
    opacus = pytest.importorskip("opacus")
    from opacus.optimizers import DPOptimizer as ODPOptimizer
    em, tm = _dp_models()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(7, 1, 6, 6)), rng.integers(0, 3, size=7)
    # Opacus
    tg = opacus.GradSampleModule(tm, loss_reduction=loss_reduction)
    topt = ODPOptimizer(torch.optim.SGD(tg.parameters(), lr=0.5), noise_multiplier=0.0,
                        max_grad_norm=0.3, expected_batch_size=8,
                        loss_reduction=loss_reduction)
    torch.nn.functional.cross_entropy(tg(torch.tensor(x)), torch.tensor(y),
                                      reduction=loss_reduction).backward()
    topt.step()
    # edutorch
    eg = GradSampleModule(em, loss_reduction=loss_reduction)
    eopt = DPOptimizer(edutorch.optim.SGD(eg.parameters(), lr=0.5), noise_multiplier=0.0,
                       max_grad_norm=0.3, expected_batch_size=8, loss_reduction=loss_reduction)
    edutorch.nn.functional.cross_entropy(eg(edutorch.tensor(x)), edutorch.tensor(y),
                                         reduction=loss_reduction).backward()
    eopt.step()
    for (name, tp), ep in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-6,
                                   atol=1e-9, err_msg=name)


def test_clipping_bounds_each_example_and_noise_has_std_sigma_c():
    em, _ = _dp_models()
    eg = GradSampleModule(em, loss_reduction="sum")
    opt = DPOptimizer(edutorch.optim.SGD(eg.parameters(), lr=0.0), noise_multiplier=0.0,
                      max_grad_norm=0.05, expected_batch_size=4, loss_reduction="sum")
    x = edutorch.randn(4, 1, 6, 6, dtype=edutorch.float64) * 10
    eg(x).sum().backward()
    opt.pre_step()
    total = sum(p.grad.norm() ** 2 for p in eg.parameters()) ** 0.5
    assert total.item() <= 4 * 0.05 + 1e-9  # each of the 4 examples contributes at most C
    big = enn.Linear(200, 200, bias=False)
    g = GradSampleModule(big, loss_reduction="sum")
    opt = DPOptimizer(edutorch.optim.SGD(g.parameters(), lr=0.0), noise_multiplier=2.0,
                      max_grad_norm=0.5, expected_batch_size=1, loss_reduction="sum",
                      generator=edutorch.Generator().manual_seed(0))
    g(edutorch.zeros(1, 200)).sum().backward()
    opt.pre_step()
    assert abs(big.weight.grad.std().item() - 1.0) < 0.02  # sigma * C = 1.0


def _opacus_epsilon(history, delta):
    from opacus.accountants import RDPAccountant as O
    acc = O()
    acc.history = list(history)
    return acc.get_epsilon(delta)


CASES = list(itertools.product([0.6, 1.1, 2.5, 8.0], [0.004, 0.05, 0.3],
                               [1, 250], [1e-5, 1e-3]))[:30]


@pytest.mark.parametrize("sigma,q,steps,delta", CASES)
def test_rdp_epsilon_equals_opacus(sigma, q, steps, delta):
    pytest.importorskip("opacus")
    acc = RDPAccountant()
    for _ in range(steps):
        acc.step(noise_multiplier=sigma, sample_rate=q)
    assert acc.history == [(sigma, q, steps)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "optimal order is the largest alpha" on some cases
        ours, ref = acc.get_epsilon(delta), _opacus_epsilon(acc.history, delta)
    assert ours == pytest.approx(ref, rel=1e-6)


def test_mixed_history_and_noise_multiplier_equal_opacus():
    pytest.importorskip("opacus")
    from opacus.accountants.utils import get_noise_multiplier as o_gnm
    acc = RDPAccountant()
    acc.history = [(1.0, 0.01, 100), (2.0, 0.1, 30)]
    assert acc.get_epsilon(1e-5) == pytest.approx(_opacus_epsilon(acc.history, 1e-5), rel=1e-6)
    kw = dict(target_epsilon=3.0, target_delta=1e-5, sample_rate=0.02, epochs=5)
    assert get_noise_multiplier(**kw) == pytest.approx(o_gnm(**kw), rel=1e-9)


@pytest.mark.parametrize("x", [-3.0, 0.0, 1.0, 4.9, 5.1, 12.0, 40.0])
def test_log_erfc_against_scipy(x):
    special = pytest.importorskip("scipy.special")
    ref = np.log(2) + special.log_ndtr(-x * 2 ** 0.5)
    assert log_erfc(x) == pytest.approx(ref, rel=1e-12)


def test_poisson_sampler_batches_vary_around_the_expected_size():
    s = UniformWithReplacementSampler(num_samples=1000, sample_rate=0.05,
                                      generator=edutorch.Generator().manual_seed(0))
    batches = list(s)
    assert len(batches) == len(s) == 20
    sizes = [len(b) for b in batches]
    assert len(set(sizes)) > 1 and 35 < np.mean(sizes) < 65
    assert all(len(set(b)) == len(b) and all(0 <= i < 1000 for i in b) for b in batches)


def test_make_private_with_epsilon_spends_the_budget():
    gen = edutorch.Generator().manual_seed(0)
    x = edutorch.randn(200, 4, generator=gen)
    y = (x[:, 0] > 0).long()
    loader = edutorch.utils.data.DataLoader(edutorch.utils.data.TensorDataset(x, y),
                                            batch_size=20)
    model = enn.Sequential(enn.Linear(4, 8), enn.ReLU(), enn.Linear(8, 2))
    opt = edutorch.optim.SGD(model.parameters(), lr=0.5)
    engine = PrivacyEngine()
    model, opt, loader = engine.make_private_with_epsilon(
        module=model, optimizer=opt, data_loader=loader, target_epsilon=4.0,
        target_delta=1e-5, epochs=2, max_grad_norm=1.0, noise_generator=gen)
    assert opt.expected_batch_size == 20 and len(loader) == 10
    for _ in range(2):
        for xb, yb in loader:
            opt.zero_grad()
            edutorch.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
    eps = engine.get_epsilon(1e-5)
    assert 3.9 < eps <= 4.0
    assert len(engine.accountant) == 1 and engine.accountant.history[0][2] == 20


def test_make_private_refuses_foreign_parameters():
    model = enn.Linear(2, 2)
    other = edutorch.optim.SGD(enn.Linear(2, 2).parameters(), lr=0.1)
    loader = edutorch.utils.data.DataLoader(
        edutorch.utils.data.TensorDataset(edutorch.randn(4, 2)), batch_size=2)
    with pytest.raises(ValueError, match="Module parameters are different"):
        PrivacyEngine().make_private(module=model, optimizer=other, data_loader=loader,
                                     noise_multiplier=1.0, max_grad_norm=1.0)
