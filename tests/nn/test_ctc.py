"""CTC loss: against brute-force enumeration of every alignment (no PyTorch needed), and
against PyTorch's ``F.ctc_loss`` / ``nn.CTCLoss`` in float64: values and gradients (rtol 1e-9,
atol 1e-12) for each reduction, padded and concatenated targets, repeated labels, empty
targets, a non-zero blank, unbatched input, and impossible targets with and without
``zero_infinity``.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from nn_compare import assert_close

import edutorch
import edutorch.nn.functional as F
from edutorch import nn

RNG = np.random.default_rng(5)


def collapse(path, blank):
    out, prev = [], None
    for c in path:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return out


def brute_force_nll(lp, target, blank):
    """-log of the summed probability of every length-T path collapsing to target."""
    T, C = lp.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        if collapse(path, blank) == list(target):
            total += math.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


def log_softmax(x):
    return x - np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
        - x.max(-1, keepdims=True)


@pytest.mark.parametrize("target, blank", [([1, 2], 0), ([1, 1], 0), ([2], 0), ([], 0),
                                           ([0, 0], 2), ([1, 2, 1], 0)])
def test_matches_brute_force_enumeration(target, blank):
    T, C = 5, 3
    lp = log_softmax(RNG.standard_normal((T, C)))
    expected = brute_force_nll(lp, target, blank)
    got = F.ctc_loss(edutorch.tensor(lp[:, None]), edutorch.tensor([target], dtype=edutorch.long)
                     if target else edutorch.zeros(1, 0, dtype=edutorch.long),
                     [T], [len(target)], blank=blank, reduction="none")
    assert got.shape == (1,)
    assert math.isclose(got.item(), expected, rel_tol=1e-10)


def test_long_input_stays_finite_in_log_space():
    T, C = 400, 4  # a product of 400 probabilities ~0.25 underflows float64 outside log space
    lp = log_softmax(RNG.standard_normal((T, 1, C)))
    loss = F.ctc_loss(edutorch.tensor(lp), edutorch.tensor([[1, 2, 3, 1]]), [T], [4],
                      reduction="sum")
    assert math.isfinite(loss.item()) and loss.item() > 400 * math.log(C) * 0.5


def _case(targets_1d=False, blank=0):
    T, N, C = 10, 4, 5
    x = RNG.standard_normal((T, N, C))
    labels = [c for c in range(C) if c != blank]
    tg = RNG.choice(labels, size=(N, 4))
    tg[1, 1] = tg[1, 0]  # a repeated label: needs a blank between them
    il, tl = [10, 9, 10, 5], [4, 3, 0, 2]
    if targets_1d:
        tg = np.concatenate([tg[n, :k] for n, k in enumerate(tl)])
    return x, tg, il, tl


def _both(torch, x, tg, il, tl, **kw):
    xe, xt = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le = F.ctc_loss(xe.log_softmax(2), edutorch.tensor(tg), il, tl, **kw)
    lt = torch.nn.functional.ctc_loss(xt.log_softmax(2), torch.tensor(tg), il, tl, **kw)
    assert_close(le, lt, rtol=1e-9, atol=1e-12, what=f"ctc_loss {kw}")
    go = RNG.standard_normal(tuple(lt.shape))
    le.backward(edutorch.tensor(go))
    lt.backward(torch.tensor(go))
    assert_close(xe.grad, xt.grad, rtol=1e-9, atol=1e-12, what=f"grad {kw}")


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("targets_1d", [False, True])
def test_matches_torch(reduction, targets_1d):
    torch = pytest.importorskip("torch")
    _both(torch, *_case(targets_1d), reduction=reduction)


@pytest.mark.torch
def test_nonzero_blank_matches_torch():
    torch = pytest.importorskip("torch")
    _both(torch, *_case(blank=4), blank=4, reduction="mean")


@pytest.mark.torch
def test_gradient_of_log_probs_leaf_matches_torch():
    """PyTorch's gradient w.r.t. log_probs themselves (not through log_softmax)."""
    torch = pytest.importorskip("torch")
    x, tg, il, tl = _case()
    lp = log_softmax(x)
    e, t = edutorch.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
    F.ctc_loss(e, edutorch.tensor(tg), il, tl).backward()
    torch.nn.functional.ctc_loss(t, torch.tensor(tg), il, tl).backward()
    assert_close(e.grad, t.grad, rtol=1e-9, atol=1e-12, what="grad of log_probs")


@pytest.mark.torch
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_impossible_target(zero_infinity):
    torch = pytest.importorskip("torch")
    x, tg, il, tl = _case()
    il = [3, 9, 10, 5]  # 4 labels cannot fit in 3 frames
    kw = dict(reduction="none", zero_infinity=zero_infinity)
    le = F.ctc_loss(edutorch.tensor(x).log_softmax(2), edutorch.tensor(tg), il, tl, **kw)
    lt = torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(2), torch.tensor(tg), il, tl,
                                      **kw)
    np.testing.assert_allclose(le.numpy(), lt.numpy(), rtol=1e-9)
    assert (le[0].item() == 0.0) if zero_infinity else math.isinf(le[0].item())
    if zero_infinity:
        _both(torch, x, tg, il, tl, reduction="sum", zero_infinity=True)


@pytest.mark.torch
def test_module_and_unbatched_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((7, 4))
    e = nn.CTCLoss(blank=0)(edutorch.tensor(x).log_softmax(1), edutorch.tensor([1, 3, 3]),
                           [7], [3])
    t = torch.nn.CTCLoss(blank=0)(torch.tensor(x).log_softmax(1), torch.tensor([1, 3, 3]),
                                  torch.tensor([7]), torch.tensor([3]))
    assert_close(e, t, rtol=1e-9, atol=1e-12, what="unbatched CTCLoss")


def test_errors_name_the_problem():
    lp = edutorch.randn(6, 2, 4).log_softmax(2)
    tg = edutorch.tensor([[1, 2], [3, 1]])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, tg, [6, 6], [2, 2], blank=4)
    with pytest.raises(RuntimeError, match="input_lengths must be in"):
        F.ctc_loss(lp, tg, [7, 6], [2, 2])
    with pytest.raises(RuntimeError, match="batch size N=2"):
        F.ctc_loss(lp, tg, [6], [2])
    with pytest.raises(RuntimeError, match=r"target labels must be in \[0, 4\)"):
        F.ctc_loss(lp, edutorch.tensor([[1, 9], [3, 1]]), [6, 6], [2, 2])
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.ctc_loss(lp, tg, [6, 6], [2, 2], reduction="avg")
