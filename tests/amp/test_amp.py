"""edutorch.amp: GradScaler's schedule and checks as PyTorch's (live), autocast's casts."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("edutorch.overrides")  # autocast is a TorchFunctionMode

import edutorch  # noqa: E402
import edutorch.nn as nn  # noqa: E402
from edutorch.amp import GradScaler  # noqa: E402


def _setup():
    edutorch.manual_seed(0)
    m = nn.Linear(3, 2)
    return m, edutorch.optim.SGD(m.parameters(), lr=0.1)


def test_defaults_are_pytorchs():
    s = GradScaler("cpu")
    assert s.get_scale() == 2.0 ** 16
    assert (s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()) == \
        (2.0, 0.5, 2000)


def test_scale_step_update_unscale_and_skip_on_inf():
    m, opt = _setup()
    s = GradScaler("cpu", growth_interval=2)
    x = edutorch.randn(4, 3)
    loss = m(x).sum()
    scaled = s.scale(loss)
    assert scaled.item() == pytest.approx(loss.item() * 2 ** 16, rel=1e-6)
    scaled.backward()
    g = m.weight.grad.clone() / 2 ** 16
    w = m.weight.detach().clone()
    s.step(opt)
    np.testing.assert_allclose(m.weight.grad.numpy(), g.numpy(), rtol=1e-6)
    np.testing.assert_allclose(m.weight.detach().numpy(), (w - 0.1 * g).numpy(), rtol=1e-6)
    s.update()
    assert s.get_scale() == 2 ** 16  # one clean step of the two needed to grow
    opt.zero_grad()
    s.scale(m(x).sum()).backward()
    s.step(opt)
    s.update()
    assert s.get_scale() == 2 ** 17  # grown after growth_interval clean steps
    opt.zero_grad()
    s.scale(m(x).sum()).backward()
    m.bias.grad[0] = float("inf")
    w = m.weight.detach().clone()
    s.step(opt)
    np.testing.assert_array_equal(m.weight.detach().numpy(), w.numpy())  # step skipped
    s.update()
    assert s.get_scale() == 2 ** 16  # backed off


def test_misuse_is_refused_like_pytorch():
    m, opt = _setup()
    s = GradScaler("cpu")
    s.scale(m(edutorch.randn(2, 3)).sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)


def test_same_scale_trajectory_as_pytorch():
    torch = pytest.importorskip("torch")
    pattern = [False, False, True, False, False, False, True, True, False, False]
    ours = GradScaler("cpu", init_scale=8.0, growth_interval=2)
    theirs = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    m, opt = _setup()
    tp = torch.nn.Parameter(torch.zeros(2))
    topt = torch.optim.SGD([tp], lr=0.1)
    got, want = [], []
    for bad in pattern:
        opt.zero_grad()
        ours.scale(m(edutorch.ones(1, 3)).sum()).backward()
        if bad:
            m.weight.grad[0, 0] = float("nan")
        ours.step(opt)
        ours.update()
        got.append(ours.get_scale())
        topt.zero_grad()
        theirs.scale((tp * 1.0).sum()).backward()
        if bad:
            tp.grad[0] = float("nan")
        theirs.step(topt)
        theirs.update()
        want.append(theirs.get_scale())
    assert got == want


def test_loss_scaling_rescues_float16_gradients_from_underflow():
    g = edutorch.tensor([1e-8, 3e-8, 2e-7])
    assert (g.half() == 0).sum().item() >= 1  # unscaled, small gradients flush to zero
    scaled = (g * 2 ** 16).half().float() / 2 ** 16
    np.testing.assert_allclose(scaled.numpy(), g.numpy(), rtol=1e-3)


def test_cuda_scaler_without_cuda_is_disabled_with_a_warning():
    if edutorch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        s = GradScaler("cuda")
    assert not s.is_enabled() and s.get_scale() == 1.0


def test_autocast_casts_matmul_like_ops_and_keeps_reductions_in_float32():
    from edutorch.amp import autocast
    m = nn.Linear(4, 3)
    x = edutorch.randn(2, 4)
    with autocast("cpu"):
        y = m(x)
        z = y.exp()
        c = edutorch.cat([y, x[:, :3]])
    assert y.dtype == edutorch.float16
    assert z.dtype == edutorch.float32
    assert c.dtype == edutorch.float32  # promoted to the widest input
    (z.sum() + c.sum()).backward()
    assert m.weight.grad.dtype == edutorch.float32  # gradients reach the float32 weights
    with autocast("cpu", enabled=False):
        assert m(x).dtype == edutorch.float32
    assert m(x).dtype == edutorch.float32  # nothing left active
    assert edutorch.autocast is autocast
