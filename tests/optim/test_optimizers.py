"""The optimizers against PyTorch: the same start and the same gradients give the same path.

Each comparison builds two float64 parameters in both libraries, feeds both optimizers the same
explicitly given gradients for 20 steps (one parameter skips a few steps with ``grad=None``)
and compares the parameters after every step.
"""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import edutorch
import edutorch.optim as optim

STEPS = 20
SHAPES = [(3, 4), (5,)]

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.1, maximize=True)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-6, maximize=True)),
]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    return starts, grads


def _skips(step: int, i: int) -> bool:
    """The second parameter gets no gradient on a few steps (its state must not advance)."""
    return i == 1 and step in (3, 4, 11)


def _trajectory(lib, name, kwargs, starts, grads, groups=None):
    params = [lib.tensor(s.copy(), dtype=lib.float64, requires_grad=True) for s in starts]
    if groups is None:
        opt = getattr(lib.optim, name)(params, **kwargs)
    else:
        opt = getattr(lib.optim, name)(
            [dict(g, params=[params[i] for i in idx]) for idx, g in groups], **kwargs)
    path = []
    for step, gs in enumerate(grads):
        for i, (p, g) in enumerate(zip(params, gs)):
            p.grad = None if _skips(step, i) else lib.tensor(g.copy(), dtype=lib.float64)
        opt.step()
        path.append([p.detach().numpy().copy() for p in params])
    return path, opt


def _assert_same_path(ours, theirs):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12,
                                       err_msg=f"parameter {i} after step {step + 1}")


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{'-'.join(k) or 'default'}"
                                                       for n, k in CONFIGS])
def test_trajectory_matches_pytorch(torch, name, kwargs):
    starts, grads = _problem()
    ours, opt = _trajectory(edutorch, name, kwargs, starts, grads)
    theirs, topt = _trajectory(torch, name, kwargs, starts, grads)
    _assert_same_path(ours, theirs)
    # the state holds what PyTorch's holds, under the same names, with the same values
    ours_sd, theirs_sd = opt.state_dict(), topt.state_dict()
    assert set(ours_sd["state"]) == set(theirs_sd["state"])
    for k, s in ours_sd["state"].items():
        t = theirs_sd["state"][k]
        assert set(s) == set(t)
        for key in s:
            np.testing.assert_allclose(s[key].numpy(), t[key].numpy(), rtol=1e-10, atol=1e-12)
            assert s[key].dtype.name == str(t[key].dtype).replace("torch.", "")
    for g, tg in zip(ours_sd["param_groups"], theirs_sd["param_groups"]):
        assert g["params"] == tg["params"]
        for key, value in g.items():
            assert tg[key] == value, key


def test_defaults_match_pytorch(torch):
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        ours = getattr(optim, name)([edutorch.zeros(1, requires_grad=True)]).defaults
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)


def test_param_groups_with_different_lrs(torch):
    starts, grads = _problem(1)
    groups = [([0], {"lr": 0.1}), ([1], {"momentum": 0.5})]
    ours, opt = _trajectory(edutorch, "SGD", dict(lr=0.01, momentum=0.9), starts, grads, groups)
    theirs, _ = _trajectory(torch, "SGD", dict(lr=0.01, momentum=0.9), starts, grads, groups)
    _assert_same_path(ours, theirs)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.5]


def test_add_param_group(torch):
    starts, grads = _problem(2)
    paths = []
    for lib in (edutorch, torch):
        a, b = (lib.tensor(s.copy(), dtype=lib.float64, requires_grad=True) for s in starts)
        opt = lib.optim.Adam([a], lr=0.1)
        out = []
        for step, (ga, gb) in enumerate(grads):
            if step == 5:
                opt.add_param_group({"params": b, "lr": 0.05})
            a.grad = lib.tensor(ga.copy(), dtype=lib.float64)
            b.grad = lib.tensor(gb.copy(), dtype=lib.float64)
            opt.step()
            out.append([a.detach().numpy().copy(), b.detach().numpy().copy()])
        paths.append(out)
    _assert_same_path(*paths)


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)),
                                         ("Adam", dict(lr=0.1, amsgrad=True)),
                                         ("AdamW", dict(lr=0.1)),
                                         ("RMSprop", dict(momentum=0.5, centered=True)),
                                         ("Adagrad", dict(lr_decay=0.01))])
def test_state_dict_round_trip_mid_run(tmp_path, name, kwargs):
    """Save after 10 steps, rebuild from the file, and the next 10 steps are identical."""
    starts, grads = _problem(3)
    params = [edutorch.tensor(s.copy(), dtype=edutorch.float64, requires_grad=True)
              for s in starts]
    opt = getattr(optim, name)(params, **kwargs)

    def run(ps, o, gs):
        for g_step in gs:
            for p, g in zip(ps, g_step):
                p.grad = edutorch.tensor(g.copy(), dtype=edutorch.float64)
            o.step()

    run(params, opt, grads[:10])
    edutorch.save({"params": [p.detach() for p in params], "opt": opt.state_dict()},
                  tmp_path / "ckpt.safetensors")
    ckpt = edutorch.load(tmp_path / "ckpt.safetensors")
    clones = [t.clone().requires_grad_(True) for t in ckpt["params"]]
    resumed = getattr(optim, name)(clones, lr=123.0)  # hyper-parameters come from the file
    resumed.load_state_dict(ckpt["opt"])
    assert resumed.param_groups[0]["lr"] == opt.param_groups[0]["lr"]

    run(params, opt, grads[10:])
    run(clones, resumed, grads[10:])
    for p, q in zip(params, clones):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    # the loaded state belongs to the new optimizer: training on did not touch the file's dict
    for s, key in zip(resumed.state.values(), ckpt["opt"]["state"]):
        saved = ckpt["opt"]["state"][key]
        if "step" in s:
            assert s["step"].item() == 20 and saved["step"].item() == 10
        for name_ in s:
            assert s[name_] is not saved[name_]


def test_state_dict_uses_integer_indices_and_loads_into_pytorch_layout(torch):
    a = edutorch.zeros(2, requires_grad=True)
    b = edutorch.zeros(3, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    a.grad, b.grad = edutorch.ones(2), edutorch.ones(3)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0]
    assert sd["param_groups"][1]["params"] == [1]
    assert set(sd["state"]) == {0, 1}
    assert sd["state"][1]["momentum_buffer"].shape == (3,)
    # PyTorch's own optimizer accepts the same structure (converted tensor by tensor)
    ta, tb = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    topt = torch.optim.SGD([{"params": [ta]}, {"params": [tb], "lr": 0.5}], lr=0.1,
                           momentum=0.9)
    converted = {"state": {k: {n: torch.tensor(v.numpy()) for n, v in s.items()}
                           for k, s in sd["state"].items()},
                 "param_groups": copy.deepcopy(sd["param_groups"])}
    topt.load_state_dict(converted)
    assert topt.param_groups[1]["lr"] == 0.5


def test_load_state_dict_rejects_mismatched_groups():
    a, b = edutorch.zeros(2, requires_grad=True), edutorch.zeros(3, requires_grad=True)
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    p = edutorch.zeros(2, dtype=edutorch.float64, requires_grad=True)
    opt = optim.Adam([p])
    p.grad = edutorch.ones(2, dtype=edutorch.float64)
    opt.step()
    sd = opt.state_dict()
    q = edutorch.zeros(2, dtype=edutorch.float32, requires_grad=True)
    other = optim.Adam([q])
    other.load_state_dict(sd)
    assert other.state[q]["exp_avg"].dtype == edutorch.float32
    assert other.state[q]["step"].dtype == sd["state"][0]["step"].dtype


def test_zero_grad():
    p = edutorch.ones(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and p.grad.tolist() == [0.0, 0.0, 0.0]
    (p * 2).sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0]
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # parameters without gradients are left alone
    assert p.tolist() == [1.0, 1.0, 1.0]


def test_step_with_closure_reevaluates_the_loss():
    w = edutorch.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with edutorch.no_grad():  # the closure must still be able to build a graph
        loss = opt.step(closure)
    assert loss.item() == 5.0
    assert w.tolist() == [0.5, -1.0]


def test_step_is_not_recorded_by_autograd():
    p = edutorch.ones(2, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_linear_regression_with_nn_linear_matches_pytorch(torch):
    """A whole training loop: nn.Linear, MSE loss, backward, SGD with momentum."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((16, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    w0, b0 = rng.standard_normal((1, 3)), rng.standard_normal(1)
    results = []
    for lib in (edutorch, torch):
        model = lib.nn.Linear(3, 1).double()
        with lib.no_grad():
            model.weight.copy_(lib.tensor(w0))
            model.bias.copy_(lib.tensor(b0))
        opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        X, Y = lib.tensor(x), lib.tensor(y)
        for _ in range(15):
            opt.zero_grad()
            loss = ((model(X) - Y) ** 2).mean()
            loss.backward()
            opt.step()
        results.append((model.weight.detach().numpy().copy(), loss.item()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    assert results[0][1] == pytest.approx(results[1][1], rel=1e-10)


def test_named_parameters_keep_their_names():
    model = edutorch.nn.Linear(2, 1)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_clear_errors():
    leaf = edutorch.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(leaf, lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([leaf * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([leaf, 3.0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({leaf}, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [leaf]}, {"params": [leaf]}], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([leaf, leaf], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        optim.SGD([leaf], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([leaf], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optim.Adam([leaf], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid alpha"):
        optim.RMSprop([leaf], alpha=-0.1)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        optim.Adagrad([leaf], initial_accumulator_value=-1)


def test_adagrad_creates_state_at_construction(torch):
    p = edutorch.zeros(2, requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    tp = torch.zeros(2, requires_grad=True)
    topt = torch.optim.Adagrad([tp], initial_accumulator_value=0.25)
    assert set(opt.state[p]) == set(topt.state[tp]) == {"step", "sum"}
    assert opt.state[p]["sum"].tolist() == [0.25, 0.25]


def test_repr_lists_the_hyper_parameters():
    text = repr(optim.SGD([edutorch.zeros(1, requires_grad=True)], lr=0.25))
    assert text.startswith("SGD (") and "lr: 0.25" in text and "momentum: 0" in text


def test_no_warning_on_a_plain_training_step():
    p = edutorch.ones(2, requires_grad=True)
    opt = optim.RMSprop([p])
    p.grad = edutorch.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_kernel_flags_accepted_and_differentiable_refused(name):
    p = edutorch.zeros(2, requires_grad=True)
    opt = getattr(edutorch.optim, name)([p], lr=0.1, foreach=True)
    assert opt.param_groups[0]["foreach"] is True
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(edutorch.optim, name)([p], lr=0.1, differentiable=True)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_param_group_keys_match_pytorch(torch, name):
    ours = getattr(edutorch.optim, name)([edutorch.zeros(2, requires_grad=True)], lr=0.1)
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], lr=0.1)
    assert set(ours.state_dict()["param_groups"][0]) == set(theirs.state_dict()["param_groups"][0])
