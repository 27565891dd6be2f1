"""Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, SparseAdam and LBFGS against PyTorch.

Same method as ``test_optimizers.py``: the same float64 start and the same given gradients for
40 steps (one parameter skips a few steps), parameters compared after every step. LBFGS needs
a closure: it minimises the same functions in both libraries, compared after every step.
"""
from __future__ import annotations

import numpy as np
import pytest

import edutorch

STEPS = 40
SHAPES = [(3, 4), (5,)]

CONFIGS = [
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4)),
    ("Adadelta", dict(weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),  # rho_t > 5 from step 6
    ("RAdam", dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=3, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(0.01, 0.2))),
    ("Rprop", dict(lr=0.05, maximize=True)),
    ("SparseAdam", dict()),
    ("SparseAdam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
]


def _problem(seed=0, sparse=False):
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    if sparse:  # embedding-like gradients: only some rows were looked up
        for gs in grads:
            gs[0][rng.random(3) < 0.5] = 0.0
    return starts, grads


def _skips(step, i):
    return i == 1 and step in (3, 4, 11)


def _trajectory(lib, name, kwargs, starts, grads):
    params = [lib.tensor(s.copy(), dtype=lib.float64, requires_grad=True) for s in starts]
    opt = getattr(lib.optim, name)(params, **kwargs)
    path = []
    for step, gs in enumerate(grads):
        for i, (p, g) in enumerate(zip(params, gs)):
            grad = lib.tensor(g.copy(), dtype=lib.float64)
            if name == "SparseAdam" and lib is not edutorch:
                grad = grad.to_sparse()
            p.grad = None if _skips(step, i) else grad
        opt.step()
        path.append([p.detach().numpy().copy() for p in params])
    return path, opt


@pytest.mark.parametrize("name,kwargs", CONFIGS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_trajectory_matches_pytorch(torch, name, kwargs):
    starts, grads = _problem(sparse=name == "SparseAdam")
    ours, opt = _trajectory(edutorch, name, kwargs, starts, grads)
    theirs, ref = _trajectory(torch, name, kwargs, starts, grads)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name}: parameter {i} after step {step + 1}")
    assert sorted(opt.state_dict()["state"][0]) == sorted(ref.state_dict()["state"][0])


NAMES = ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "SparseAdam", "LBFGS"]


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_param_group_keys_match_pytorch(torch, name):
    ours = getattr(edutorch.optim, name)([edutorch.zeros(2, requires_grad=True)])
    ref = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    mine = {k: v for k, v in ours.param_groups[0].items() if k != "params"}
    theirs = {k: v for k, v in ref.param_groups[0].items() if k != "params"}
    assert mine == theirs


@pytest.mark.parametrize("name,bad,message", [
    ("Adadelta", dict(rho=1.5), "Invalid rho value"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value"),
    ("RAdam", dict(eps=-1), "Invalid epsilon value"),
    ("ASGD", dict(lr=-1), "Invalid learning rate"),
    ("Rprop", dict(etas=(1.5, 1.2)), "Invalid eta values"),
    ("SparseAdam", dict(lr=0.0), "Invalid learning rate"),
])
def test_invalid_arguments_like_pytorch(torch, name, bad, message):
    for lib in (torch, edutorch):
        with pytest.raises(ValueError, match=message):
            getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **bad)


@pytest.mark.parametrize("name", NAMES[:6])
def test_differentiable_refused(name):
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        getattr(edutorch.optim, name)([edutorch.zeros(2, requires_grad=True)],
                                      differentiable=True)


# ---------------------------------------------------------------------------------------------
# LBFGS: closure, several inner iterations, strong-Wolfe line search
# ---------------------------------------------------------------------------------------------

def _rosenbrock(lib, x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


_LSQ_A = np.random.default_rng(3).standard_normal((8, 3))
_LSQ_B = np.random.default_rng(4).standard_normal(8)


def _least_squares(lib, x):
    r = lib.tensor(_LSQ_A) @ x - lib.tensor(_LSQ_B)
    return (r * r).sum() + 0.1 * (x ** 4).sum()


def _lbfgs_path(lib, fn, start, steps, **kwargs):
    x = lib.tensor(start, dtype=lib.float64, requires_grad=True)
    opt = lib.optim.LBFGS([x], **kwargs)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = fn(lib, x)
        loss.backward()
        return loss
    path = []
    for _ in range(steps):
        loss = opt.step(closure)
        path.append((float(loss), x.detach().numpy().copy()))
    return path, calls[0], opt.state[x]


@pytest.mark.parametrize("fn,start", [(_rosenbrock, [-1.2, 1.0]),
                                      (_least_squares, [0.5, -0.3, 2.0])])
@pytest.mark.parametrize("kwargs", [dict(), dict(line_search_fn="strong_wolfe"),
                                    dict(lr=0.5, max_iter=5, history_size=3),
                                    dict(lr=1, max_iter=7, history_size=2,
                                         line_search_fn="strong_wolfe", tolerance_grad=1e-5),
                                    dict(lr=0.1, max_iter=4, max_eval=6)])
def test_lbfgs_matches_pytorch(torch, fn, start, kwargs):
    ours, our_calls, state = _lbfgs_path(edutorch, fn, start, 6, **kwargs)
    theirs, their_calls, ref_state = _lbfgs_path(torch, fn, start, 6, **kwargs)
    for step, ((la, xa), (lb, xb)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(la, lb, rtol=1e-9, atol=1e-12, err_msg=f"loss, step {step}")
        np.testing.assert_allclose(xa, xb, rtol=1e-8, atol=1e-10, err_msg=f"x, step {step}")
    assert our_calls == their_calls  # the same number of closure evaluations
    assert state["n_iter"] == ref_state["n_iter"]
    assert state["func_evals"] == ref_state["func_evals"]


def test_lbfgs_strong_wolfe_solves_rosenbrock():
    path, _, _ = _lbfgs_path(edutorch, _rosenbrock, [-1.2, 1.0], 3,
                             line_search_fn="strong_wolfe", max_iter=100)
    np.testing.assert_allclose(path[-1][1], [1.0, 1.0], atol=1e-4)  # minimum at (1, 1)
    assert path[-1][0] < 1e-8


def _distance_to_one_closure(opt, x):
    def closure():
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss
    return closure


def test_lbfgs_errors(torch):
    for lib in (torch, edutorch):
        x = lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match="doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": [x]}, {"params": [lib.zeros(1, requires_grad=True)]}])
        opt = lib.optim.LBFGS([x], line_search_fn="backtracking")
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(_distance_to_one_closure(opt, x))
    with pytest.raises(RuntimeError, match="requires a closure"):
        edutorch.optim.LBFGS([edutorch.zeros(1, requires_grad=True)]).step(None)
