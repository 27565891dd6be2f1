"""Learning-rate schedulers against PyTorch: the same lr (and momentum) at every step."""
from __future__ import annotations

import collections
import math
import warnings

import pytest

import edutorch
from edutorch.optim import lr_scheduler

STEPS = 30


def _optimizer(lib, kind="SGD"):
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def _record(lib, make, steps=STEPS, kind="SGD", metrics=None):
    """lrs (and momenta) after construction and after each of ``steps`` epochs."""
    opt = _optimizer(lib, kind)
    sched = make(lib.optim.lr_scheduler, opt)

    def snapshot():
        lrs = list(sched.get_last_lr())
        assert lrs == [g["lr"] for g in opt.param_groups]
        moms = [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]
        return lrs, moms

    out = [snapshot()]
    for epoch in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        out.append(snapshot())
    return out, opt, sched


def _compare(torch, make, **kw):
    ours, opt, _ = _record(edutorch, make, **kw)
    theirs, topt, _ = _record(torch, make, **kw)
    assert len(ours) == len(theirs)
    for step, ((lr, mom), (tlr, tmom)) in enumerate(zip(ours, theirs)):
        assert lr == pytest.approx(tlr, rel=1e-12, abs=1e-15), f"lr at step {step}"
        assert mom == pytest.approx(tmom, rel=1e-12, abs=1e-15), f"momentum at step {step}"
    return opt, topt


SCHEDULES = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=10),
    "CosineAnnealingLR-eta_min": lambda s, o: s.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda s, o: s.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "OneCycleLR-cos": lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS),
    "OneCycleLR-linear": lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=STEPS,
                                                    anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three-phase": lambda s, o: s.OneCycleLR(o, max_lr=0.8, epochs=5,
                                                         steps_per_epoch=6, three_phase=True,
                                                         div_factor=10.0,
                                                         final_div_factor=100.0),
    "OneCycleLR-no-momentum": lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=STEPS,
                                                         cycle_momentum=False),
    "OneCycleLR-momentum-bounds": lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=STEPS,
                                                             base_momentum=[0.8, 0.7],
                                                             max_momentum=0.99),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.95),
    "MultiplicativeLR-list": lambda s, o: s.MultiplicativeLR(o, [lambda e: 0.9,
                                                                 lambda e: 1 - 0.01 * e]),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=4),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.1, total_iters=8),
    "LinearLR-decay": lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                              total_iters=12),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=20, power=2.0),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=5),
    "CosineAnnealingWarmRestarts-mult": lambda s, o: s.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01),
    "CyclicLR": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=4),
    "CyclicLR-triangular2": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                    step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=4,
                                                  mode="exp_range", gamma=0.97,
                                                  base_momentum=0.85, max_momentum=0.95),
    "CyclicLR-scale_fn": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                 scale_fn=lambda x: 1 / (x + 1),
                                                 scale_mode="iterations",
                                                 cycle_momentum=False),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=5), s.CosineAnnealingLR(o, T_max=10),
            s.ExponentialLR(o, gamma=0.9)], milestones=[5, 15]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, factor=0.2, total_iters=3), s.ExponentialLR(o, gamma=0.9)]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_pytorch(torch, name):
    opt, topt = _compare(torch, SCHEDULES[name])
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert g["initial_lr"] == pytest.approx(tg["initial_lr"], rel=1e-15)
        if name.startswith("OneCycleLR"):
            for key in ("max_lr", "min_lr"):
                assert g[key] == pytest.approx(tg[key], rel=1e-15)


def test_one_cycle_cycles_adams_beta1(torch):
    _compare(torch, lambda s, o: s.OneCycleLR(o, max_lr=0.3, total_steps=STEPS), kind="Adam")


@pytest.mark.parametrize("kwargs,metrics", [
    (dict(patience=2), [5, 4, 4, 4, 4, 3.9999, 3, 3, 3, 3, 3, 2] * 2 + [2] * 6),
    (dict(mode="max", factor=0.5, patience=1, cooldown=2),
     [1, 2, 2, 2, 3, 3, 3, 3, 3, 3] * 3),
    (dict(threshold=0.5, threshold_mode="abs", patience=0, min_lr=[0.02, 0.001]),
     [10 - 0.3 * i for i in range(30)]),
    (dict(mode="max", threshold=0.1, threshold_mode="rel", patience=1, factor=0.3,
          min_lr=0.004, eps=1e-3), [1 + 0.05 * i for i in range(30)]),
])
def test_reduce_lr_on_plateau_matches_pytorch(torch, kwargs, metrics):
    make = lambda s, o: s.ReduceLROnPlateau(o, **kwargs)  # noqa: E731
    ours, _, sched = _record(edutorch, make, metrics=metrics)
    theirs, _, tsched = _record(torch, make, metrics=metrics)
    flat = [x for lr, _ in ours for x in lr]
    assert flat == pytest.approx([x for lr, _ in theirs for x in lr], rel=1e-12)
    assert len({tuple(lr) for lr, _ in ours}) > 1, "the sequence should cut the lr"
    assert sched.best == tsched.best and sched.num_bad_epochs == tsched.num_bad_epochs


def test_reduce_lr_on_plateau_state_survives_save_and_load(tmp_path):
    opt = _optimizer(edutorch)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    edutorch.save(sched.state_dict(), tmp_path / "sched.safetensors")  # best is inf here
    for m in [3.0, 2.0, 2.0]:
        sched.step(m)
    fresh = lr_scheduler.ReduceLROnPlateau(_optimizer(edutorch), patience=5)
    fresh.load_state_dict(edutorch.load(tmp_path / "sched.safetensors"))
    assert fresh.best == math.inf and fresh.patience == 1
    for m in [3.0, 2.0, 2.0]:
        fresh.step(m)
    assert fresh.best == sched.best and fresh.num_bad_epochs == sched.num_bad_epochs


def test_state_dict_round_trip_continues_the_schedule(tmp_path):
    opt = _optimizer(edutorch)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=12, eta_min=0.01)
    for _ in range(5):
        opt.step()
        sched.step()
    edutorch.save({"opt": opt.state_dict(), "sched": sched.state_dict()},
                  tmp_path / "ckpt.safetensors")
    ckpt = edutorch.load(tmp_path / "ckpt.safetensors")
    opt2 = _optimizer(edutorch)
    sched2 = lr_scheduler.CosineAnnealingLR(opt2, T_max=12, eta_min=0.01)
    opt2.load_state_dict(ckpt["opt"])
    sched2.load_state_dict(ckpt["sched"])
    assert sched2.optimizer is opt2
    for _ in range(10):
        for o, s in ((opt, sched), (opt2, sched2)):
            o.step()
            s.step()
        assert sched2.get_last_lr() == sched.get_last_lr()


def test_multistep_state_survives_save_and_load(tmp_path):
    """MultiStepLR keeps its milestones in a Counter, which the file must give back."""
    opt = _optimizer(edutorch)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 4, 4], gamma=0.5)
    edutorch.save(sched.state_dict(), tmp_path / "m.safetensors")
    fresh = lr_scheduler.MultiStepLR(_optimizer(edutorch), milestones=[9])
    fresh.load_state_dict(edutorch.load(tmp_path / "m.safetensors"))
    assert type(fresh.milestones) is collections.Counter and fresh.milestones[4] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh.optimizer.step()
        fresh.step(5)  # the closed form uses Counter.elements()
    assert fresh.get_last_lr() == pytest.approx([0.1 / 8, 0.05 / 8])


def test_lambda_state_dict_skips_plain_functions():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = _optimizer(edutorch)
    sched = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 4}, None]
    other = lr_scheduler.LambdaLR(_optimizer(edutorch), [Warmup(10), lambda e: 1.0])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].n == 4


def test_resuming_needs_initial_lr():
    opt = _optimizer(edutorch)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=3, last_epoch=4)


def test_closed_form_epoch_argument_matches_pytorch(torch):
    results = []
    for lib in (edutorch, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.step()
            sched.step(5)
        results.append(sched.get_last_lr())
    assert results[0] == pytest.approx(results[1])


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _optimizer(edutorch)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"before `optimizer.step\(\)`"):
        sched.step()


def test_errors():
    opt = _optimizer(edutorch)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.OneCycleLR(opt, max_lr=[1.0], total_steps=5)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="sideways")
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0])
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    opt.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()


def test_cyclic_lr_cycles_adams_beta1(torch):
    make = lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3)  # noqa: E731
    _compare(torch, make, kind="Adam")


def test_warm_restarts_with_fractional_epochs(torch):
    def run(lib):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        lrs = []
        for epoch in range(8):
            for i in range(4):
                opt.step()
                sched.step(epoch + i / 4)
                lrs.append(sched.get_last_lr())
        return lrs
    for ours, ref in zip(run(edutorch), run(torch)):
        assert ours == pytest.approx(ref, rel=1e-12)


NEW_ERRORS = [
    lambda s, o: s.ConstantLR(o, factor=1.5),
    lambda s, o: s.LinearLR(o, start_factor=0),
    lambda s, o: s.LinearLR(o, end_factor=2.0),
    lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda s, o: s.CyclicLR(o, 0.01, 0.1, mode="sawtooth"),
    lambda s, o: s.SequentialLR(o, [s.ExponentialLR(o, 0.9)], milestones=[3]),
    lambda s, o: s.SequentialLR(o, [], milestones=[]),
    lambda s, o: s.SequentialLR(o, [s.ReduceLROnPlateau(o), s.ExponentialLR(o, 0.9)],
                                milestones=[3]),
]


@pytest.mark.parametrize("make", NEW_ERRORS)
def test_new_scheduler_errors_match_pytorch(torch, make):
    with pytest.raises(Exception) as theirs:
        make(torch.optim.lr_scheduler, _optimizer(torch))
    with pytest.raises(theirs.type) as ours:
        make(edutorch.optim.lr_scheduler, _optimizer(edutorch))
    assert str(ours.value).split(",")[0] == str(theirs.value).split(",")[0]
