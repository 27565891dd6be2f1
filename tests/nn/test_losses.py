"""Loss functions and loss modules against PyTorch: every option, values and gradients
(float32 and float64), and gradcheck in float64 (which runs without torch too)."""
from __future__ import annotations

import numpy as np
import pytest
from nn_compare import assert_close, check_op

import edutorch
import edutorch.nn.functional as F
from edutorch import nn

RNG = np.random.default_rng(7)


def randn(*shape):
    return RNG.standard_normal(shape)


def const(lib, array, like):
    """A constant (no grad) of ``like``'s dtype: class weights, pos_weight, ..."""
    return lib.tensor(array, dtype=like.dtype, device=like.device)


X, Y = randn(4, 5), randn(4, 5)
W_ELEM = RNG.uniform(0.5, 2.0, (4, 5))
REDUCTIONS = ("none", "mean", "sum")

REGRESSION = []
for red in REDUCTIONS:
    REGRESSION += [
        (f"mse-{red}", lambda lib, x, y, red=red: lib.nn.functional.mse_loss(x, y, reduction=red)),
        (f"l1-{red}", lambda lib, x, y, red=red: lib.nn.functional.l1_loss(x, y, reduction=red)),
        (f"smooth_l1-{red}", lambda lib, x, y, red=red: lib.nn.functional.smooth_l1_loss(
            x, y, reduction=red)),
        (f"smooth_l1-beta0.5-{red}", lambda lib, x, y, red=red: lib.nn.functional.smooth_l1_loss(
            x, y, reduction=red, beta=0.5)),
        (f"huber-{red}", lambda lib, x, y, red=red: lib.nn.functional.huber_loss(
            x, y, reduction=red)),
        (f"huber-delta2-{red}", lambda lib, x, y, red=red: lib.nn.functional.huber_loss(
            x, y, reduction=red, delta=2.0)),
        (f"mse-weight-{red}", lambda lib, x, y, red=red: lib.nn.functional.mse_loss(
            x, y, reduction=red, weight=const(lib, W_ELEM, x))),
        (f"l1-weight-{red}", lambda lib, x, y, red=red: lib.nn.functional.l1_loss(
            x, y, reduction=red, weight=const(lib, W_ELEM, x))),
        (f"huber-weight-{red}", lambda lib, x, y, red=red: lib.nn.functional.huber_loss(
            x, y, reduction=red, weight=const(lib, W_ELEM, x))),
    ]
REGRESSION += [
    ("smooth_l1-beta0", lambda lib, x, y: lib.nn.functional.smooth_l1_loss(x, y, beta=0.0)),
]


@pytest.mark.parametrize("name,fn", REGRESSION, ids=[r[0] for r in REGRESSION])
def test_regression_losses(name, fn):
    check_op(fn, X, Y)


def test_legacy_size_average_reduce(torch):
    x, y = randn(3, 2), randn(3, 2)
    for sa, rd in ((False, None), (None, False), (True, True)):
        with pytest.warns(UserWarning):
            e = F.mse_loss(edutorch.tensor(x), edutorch.tensor(y), size_average=sa, reduce=rd)
        t = torch.nn.functional.mse_loss(torch.tensor(x), torch.tensor(y), size_average=sa,
                                         reduce=rd)
        assert_close(e, t)


# -- classification --------------------------------------------------------------------------

N, C = 6, 4
LOGITS = randn(N, C) * 3
TARGET = RNG.integers(0, C, N)
TARGET_IGN = TARGET.copy()
TARGET_IGN[[1, 4]] = -100
TARGET_IGN7 = TARGET.copy()
TARGET_IGN7[2] = 7 % C  # ignore a real class index
CLASS_W = RNG.uniform(0.2, 2.0, C)
PROBS = RNG.dirichlet(np.ones(C), N)
LOGITS_K = randn(2, C, 3, 2)
TARGET_K = RNG.integers(0, C, (2, 3, 2))
TARGET_K[0, 1, 1] = -100
PROBS_K = np.moveaxis(RNG.dirichlet(np.ones(C), (2, 3, 2)), -1, 1)


def _ce(**kw):
    def fn(lib, x, t):
        if "weight" in kw:
            kw2 = dict(kw, weight=const(lib, kw["weight"], x))
        else:
            kw2 = kw
        return lib.nn.functional.cross_entropy(x, t, **kw2)
    return fn


def _nll(**kw):
    def fn(lib, x, t):
        kw2 = dict(kw, weight=const(lib, kw["weight"], x)) if "weight" in kw else kw
        return lib.nn.functional.nll_loss(x, t, **kw2)
    return fn


CLASSIFICATION = []
for red in REDUCTIONS:
    for ls in (0.0, 0.15):
        CLASSIFICATION += [
            (f"ce-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls), LOGITS, TARGET),
            (f"ce-weight-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls, weight=CLASS_W),
             LOGITS, TARGET),
            (f"ce-ignore-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls), LOGITS,
             TARGET_IGN),
            (f"ce-weight-ignore-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls,
                                                   weight=CLASS_W), LOGITS, TARGET_IGN),
            (f"ce-kdim-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls, weight=CLASS_W),
             LOGITS_K, TARGET_K),
            (f"ce-probs-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls), LOGITS, PROBS),
            (f"ce-probs-weight-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls,
                                                  weight=CLASS_W), LOGITS, PROBS),
            (f"ce-probs-kdim-{red}-ls{ls}", _ce(reduction=red, label_smoothing=ls), LOGITS_K,
             PROBS_K),
        ]
    CLASSIFICATION += [
        (f"nll-{red}", _nll(reduction=red), LOGITS, TARGET),
        (f"nll-weight-ignore-{red}", _nll(reduction=red, weight=CLASS_W), LOGITS, TARGET_IGN),
        (f"nll-kdim-{red}", _nll(reduction=red, weight=CLASS_W), LOGITS_K, TARGET_K),
        (f"nll-ignore-index-{red}", _nll(reduction=red, ignore_index=TARGET_IGN7[2]), LOGITS,
         TARGET_IGN7),
        (f"ce-unbatched-{red}", _ce(reduction=red), LOGITS[0], np.array(TARGET[0])),
        (f"ce-unbatched-probs-{red}", _ce(reduction=red, label_smoothing=0.1), LOGITS[0],
         PROBS[0]),
        (f"nll-unbatched-{red}", _nll(reduction=red), LOGITS[0], np.array(TARGET[1])),
    ]


@pytest.mark.parametrize("name,fn,x,t", CLASSIFICATION, ids=[c[0] for c in CLASSIFICATION])
def test_classification_losses(name, fn, x, t):
    check_op(fn, x, t)


def test_cross_entropy_is_stable_for_huge_logits(torch):
    x = np.array([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]])
    t = np.array([1, 2])
    e = edutorch.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    le = F.cross_entropy(e, edutorch.tensor(t))
    lt = torch.nn.functional.cross_entropy(tt, torch.tensor(t))
    assert_close(le, lt, rtol=1e-10)
    le.backward()
    lt.backward()
    assert_close(e.grad, tt.grad)


def test_all_targets_ignored_gives_nan_like_torch(torch):
    x, t = randn(3, 4), np.full(3, -100)
    e = F.cross_entropy(edutorch.tensor(x), edutorch.tensor(t))
    r = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t))
    assert np.isnan(e.item()) and np.isnan(r.item())


def test_classification_errors():
    x = edutorch.randn(3, 4)
    with pytest.raises(ValueError, match="batch_size"):
        F.cross_entropy(x, edutorch.tensor([0, 1]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(x, edutorch.tensor([0, 1, 4]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.nll_loss(x, edutorch.tensor([0, -3, 1]))
    with pytest.raises(RuntimeError, match="shape"):
        F.cross_entropy(x, edutorch.rand(3, 5))
    with pytest.raises(RuntimeError, match="integer"):
        F.nll_loss(x, edutorch.rand(3))
    with pytest.raises(RuntimeError, match="weight"):
        F.cross_entropy(x, edutorch.tensor([0, 1, 2]), weight=edutorch.ones(3))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(x, edutorch.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, edutorch.tensor([0, 1, 2]), label_smoothing=1.5)


# -- binary ----------------------------------------------------------------------------------

P = RNG.uniform(0.02, 0.98, (4, 3))
B = RNG.integers(0, 2, (4, 3)).astype(float)
SOFT_B = RNG.uniform(0, 1, (4, 3))
POS_W = np.array([0.5, 2.0, 3.0])
LOGITS_B = randn(4, 3) * 4


def _bce(target, weight=None, **kw):
    def fn(lib, p):
        w = const(lib, weight, p) if weight is not None else None
        return lib.nn.functional.binary_cross_entropy(p, const(lib, target, p), weight=w, **kw)
    return fn


def _bcel(weight=None, pos_weight=None, **kw):
    def fn(lib, x, y):
        w = const(lib, weight, x) if weight is not None else None
        pw = const(lib, pos_weight, x) if pos_weight is not None else None
        return lib.nn.functional.binary_cross_entropy_with_logits(x, y, weight=w,
                                                                  pos_weight=pw, **kw)
    return fn


BINARY = []
for red in REDUCTIONS:
    BINARY += [
        (f"bce-{red}", _bce(B, reduction=red), [P]),
        (f"bce-soft-weight-{red}", _bce(SOFT_B, weight=W_ELEM[:, :3], reduction=red), [P]),
        (f"bcel-{red}", _bcel(reduction=red), [LOGITS_B, SOFT_B]),
        (f"bcel-pos_weight-{red}", _bcel(pos_weight=POS_W, reduction=red), [LOGITS_B, B]),
        (f"bcel-weight-pos_weight-{red}", _bcel(weight=W_ELEM[:, :3], pos_weight=POS_W,
                                                reduction=red), [LOGITS_B, SOFT_B]),
    ]


@pytest.mark.parametrize("name,fn,arrays", BINARY, ids=[b[0] for b in BINARY])
def test_binary_losses(name, fn, arrays):
    check_op(fn, *arrays)


def test_bce_with_logits_is_stable(torch):
    x = np.array([-800.0, -60.0, -1.0, 0.0, 1.0, 60.0, 800.0])
    y = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    e = edutorch.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    le = F.binary_cross_entropy_with_logits(e, edutorch.tensor(y), reduction="none")
    lt = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor(y),
                                                              reduction="none")
    assert_close(le, lt, rtol=1e-9)
    le.sum().backward()
    lt.sum().backward()
    assert_close(e.grad, t.grad, rtol=1e-9)


def test_bce_clamps_log_like_torch(torch):
    p = np.array([0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 1.0])
    e = F.binary_cross_entropy(edutorch.tensor(p), edutorch.tensor(y), reduction="none")
    t = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y),
                                                 reduction="none")
    assert_close(e, t)


def test_binary_errors():
    with pytest.raises(RuntimeError, match="between 0"):
        F.binary_cross_entropy(edutorch.tensor([1.5]), edutorch.tensor([1.0]))
    with pytest.raises(ValueError, match="size"):
        F.binary_cross_entropy(edutorch.tensor([0.5, 0.5]), edutorch.tensor([1.0]))
    with pytest.raises(ValueError, match="size"):
        F.binary_cross_entropy_with_logits(edutorch.ones(2, 3), edutorch.ones(3))


# -- KL divergence ---------------------------------------------------------------------------

LOGP = np.log(RNG.dirichlet(np.ones(5), 3))
Q = RNG.dirichlet(np.ones(5), 3)
KL = []
for red in REDUCTIONS + ("batchmean",):
    KL += [
        (f"kl-{red}", lambda lib, x, t, red=red: lib.nn.functional.kl_div(x, t, reduction=red),
         Q),
        (f"kl-logtarget-{red}", lambda lib, x, t, red=red: lib.nn.functional.kl_div(
            x, t, reduction=red, log_target=True), np.log(Q)),
    ]


@pytest.mark.parametrize("name,fn,target", KL, ids=[k[0] for k in KL])
def test_kl_div(name, fn, target):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reduction='mean' warns, in both libraries
        check_op(fn, LOGP, target)


def test_kl_div_zero_targets(torch):
    q = Q.copy()
    q[0, 1] = 0.0
    x = edutorch.tensor(LOGP, requires_grad=True)
    xt = torch.tensor(LOGP, requires_grad=True)
    e = F.kl_div(x, edutorch.tensor(q), reduction="batchmean")
    t = torch.nn.functional.kl_div(xt, torch.tensor(q), reduction="batchmean")
    assert_close(e, t)
    e.backward()
    t.backward()
    assert_close(x.grad, xt.grad)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, edutorch.tensor(q), reduction="mean")


# -- the extra losses ------------------------------------------------------------------------

def test_other_losses(torch):
    x1, x2 = randn(4, 3), randn(4, 3)
    y = np.array([1.0, -1.0, 1.0, -1.0])
    check_op(lambda lib, a: lib.nn.functional.poisson_nll_loss(a, const(lib, np.abs(x2) * 3, a),
                                                                full=True), x1)
    check_op(lambda lib, a: lib.nn.functional.poisson_nll_loss(
        a, const(lib, np.abs(x2), a), log_input=False), np.abs(x1) + 0.1)
    check_op(lambda lib, a, v: lib.nn.functional.gaussian_nll_loss(a, const(lib, x2, a), v),
             x1, np.abs(x2) + 0.1)
    check_op(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), x1, x2)
    check_op(lambda lib, a, b: lib.nn.functional.cosine_embedding_loss(
        a, b, const(lib, y, a), margin=0.1), x1, x2)
    check_op(lambda lib, a, b: lib.nn.functional.margin_ranking_loss(
        a, b, const(lib, np.sign(x2), a), margin=0.2), x1, x2 + 0.05)
    check_op(lambda lib, a: lib.nn.functional.hinge_embedding_loss(
        a, const(lib, np.sign(x2), a)), x1)
    check_op(lambda lib, a: lib.nn.functional.soft_margin_loss(
        a, const(lib, np.sign(x2), a)), x1)
    check_op(lambda lib, a, p, n: lib.nn.functional.triplet_margin_loss(a, p, n), x1, x2,
             randn(4, 3))


# -- loss modules ----------------------------------------------------------------------------

MODULES = [
    ("MSELoss", lambda lib: lib.nn.MSELoss(), X, Y),
    ("MSELoss-sum", lambda lib: lib.nn.MSELoss(reduction="sum"), X, Y),
    ("L1Loss-none", lambda lib: lib.nn.L1Loss(reduction="none"), X, Y),
    ("SmoothL1Loss", lambda lib: lib.nn.SmoothL1Loss(beta=0.3), X, Y),
    ("HuberLoss", lambda lib: lib.nn.HuberLoss(delta=0.7), X, Y),
    ("CrossEntropyLoss", lambda lib: lib.nn.CrossEntropyLoss(
        weight=lib.tensor(CLASS_W), ignore_index=-100, label_smoothing=0.1), LOGITS, TARGET_IGN),
    ("CrossEntropyLoss-probs", lambda lib: lib.nn.CrossEntropyLoss(reduction="sum"), LOGITS,
     PROBS),
    ("NLLLoss", lambda lib: lib.nn.NLLLoss(weight=lib.tensor(CLASS_W)), LOGITS, TARGET),
    ("BCELoss", lambda lib: lib.nn.BCELoss(weight=lib.tensor(W_ELEM[:, :3])), P, B),
    ("BCEWithLogitsLoss", lambda lib: lib.nn.BCEWithLogitsLoss(pos_weight=lib.tensor(POS_W)),
     LOGITS_B, B),
    ("KLDivLoss", lambda lib: lib.nn.KLDivLoss(reduction="batchmean", log_target=True), LOGP,
     np.log(Q)),
]


@pytest.mark.parametrize("name,build,x,t", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules(torch, name, build, x, t):
    e, r = build(edutorch), build(torch)
    assert repr(e) == repr(r)
    assert list(e.state_dict()) == list(r.state_dict())
    xe, xt = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le, lt = e(xe, edutorch.tensor(t)), r(xt, torch.tensor(t))
    assert_close(le, lt, rtol=1e-6)
    go = RNG.standard_normal(tuple(lt.shape))
    le.backward(edutorch.tensor(go))
    lt.backward(torch.tensor(go))
    assert_close(xe.grad, xt.grad, rtol=1e-6)


def test_loss_module_weights_are_buffers():
    m = nn.CrossEntropyLoss(weight=edutorch.ones(3))
    assert list(m.state_dict()) == ["weight"]
    m.double()
    assert m.weight.dtype == edutorch.float64
    assert list(nn.BCEWithLogitsLoss().state_dict()) == []
    with pytest.warns(UserWarning):
        assert nn.MSELoss(size_average=False).reduction == "sum"
