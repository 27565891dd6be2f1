"""Module hooks against PyTorch: global and per-module, forward and backward, their order, what
they receive, what their return values change, and removal."""
from __future__ import annotations

import numpy as np
import pytest

import edutorch
from edutorch.nn.modules import module as et_module


def both(torch):
    return (("edutorch", edutorch, et_module),
            ("torch", torch, __import__("torch.nn.modules.module", fromlist=["x"])))


def _net(lib):
    """The same small network in either library (PyTorch's copy gets edutorch's weights)."""
    edutorch.manual_seed(0)
    net = edutorch.nn.Sequential(edutorch.nn.Linear(3, 4), edutorch.nn.ReLU(),
                                 edutorch.nn.Linear(4, 2))
    if lib is edutorch:
        return net
    copy = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    copy.load_state_dict({k: lib.tensor(v.detach().numpy()) for k, v in net.state_dict().items()})
    return copy


def test_global_and_local_hooks_run_in_pytorchs_order(torch):
    """Global pre-hooks, local pre-hooks, forward, global hooks, local hooks; every module."""
    logs = {}
    for name, lib, mod in both(torch):
        log = logs[name] = []
        net = _net(lib)
        handles = [
            mod.register_module_forward_pre_hook(
                lambda m, a, log=log: log.append(("global pre", type(m).__name__))),
            mod.register_module_forward_hook(
                lambda m, a, o, log=log: log.append(("global post", type(m).__name__))),
            net[1].register_forward_pre_hook(
                lambda m, a, log=log: log.append(("local pre", "ReLU"))),
            net[1].register_forward_hook(
                lambda m, a, o, log=log: log.append(("local post", "ReLU"))),
        ]
        try:
            net(lib.ones(2, 3))
        finally:
            for h in handles:
                h.remove()
        net(lib.ones(2, 3))  # removed: nothing more is logged
    assert logs["edutorch"] == logs["torch"]
    assert logs["edutorch"][0] == ("global pre", "Sequential")


def test_global_forward_hook_can_replace_outputs(torch):
    outs = {}
    for name, lib, mod in both(torch):
        net = _net(lib)
        h = mod.register_module_forward_hook(
            lambda m, a, o: o * 2 if type(m).__name__ == "ReLU" else None)
        try:
            outs[name] = net(lib.ones(2, 3)).detach().numpy()
        finally:
            h.remove()
    np.testing.assert_allclose(outs["edutorch"], outs["torch"], rtol=1e-5, atol=1e-6)


def test_global_forward_pre_hook_can_replace_inputs(torch):
    outs = {}
    for name, lib, mod in both(torch):
        lin = lib.nn.Linear(2, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
            lin.bias.zero_()
        h = mod.register_module_forward_pre_hook(lambda m, a: (a[0] + 1,))
        try:
            outs[name] = lin(lib.zeros(1, 2)).detach().numpy()
        finally:
            h.remove()
    np.testing.assert_allclose(outs["edutorch"], outs["torch"])


def test_global_and_local_backward_hooks_see_pytorchs_gradients(torch):
    seen = {}
    for name, lib, mod in both(torch):
        net = _net(lib)
        log = seen[name] = []

        def hook(m, gin, gout, log=log, tag="global"):
            log.append((tag, type(m).__name__,
                        [None if g is None else g.detach().numpy().copy() for g in gin],
                        [g.detach().numpy().copy() for g in gout]))

        def pre(m, gout, log=log):
            log.append(("global pre", type(m).__name__))
        handles = [mod.register_module_full_backward_hook(hook),
                   mod.register_module_full_backward_pre_hook(pre),
                   net[2].register_full_backward_hook(
                       lambda m, gin, gout, log=log: log.append(("local", type(m).__name__)))]
        try:
            x = lib.tensor([[1.0, -2.0, 0.5], [0.3, 0.2, -0.1]], requires_grad=True)
            (net(x) ** 2).sum().backward()
        finally:
            for h in handles:
                h.remove()
    ours, theirs = seen["edutorch"], seen["torch"]
    assert [e[:2] for e in ours] == [e[:2] for e in theirs]
    for a, b in zip(ours, theirs):
        if len(a) > 2:
            for ga, gb in zip(a[2] + a[3], b[2] + b[3]):
                assert (ga is None) == (gb is None)
                if ga is not None:
                    np.testing.assert_allclose(ga, gb, rtol=1e-5, atol=1e-6)


def test_backward_hook_may_replace_grad_input(torch):
    grads = {}
    for name, lib, _ in both(torch):
        lin = _net(lib)[2]
        lin.register_full_backward_hook(lambda m, gin, gout: (gin[0] * 10,))
        x = lib.ones(1, 4, requires_grad=True)
        lin(x).sum().backward()
        grads[name] = x.grad.numpy().copy()
    np.testing.assert_allclose(grads["edutorch"], grads["torch"], rtol=1e-5)
    w = _net(edutorch)[2].weight.detach().numpy()
    np.testing.assert_allclose(grads["edutorch"], 10 * w.sum(0, keepdims=True), rtol=1e-5)


def test_backward_hook_node_is_named_as_in_pytorch(torch):
    names = {}
    for name, lib, _ in both(torch):
        lin = lib.nn.Linear(2, 1)
        lin.register_full_backward_hook(lambda m, gin, gout: None)
        names[name] = type(lin(lib.ones(1, 2, requires_grad=True)).grad_fn).__name__ \
            if name == "torch" else lin(lib.ones(1, 2, requires_grad=True)).grad_fn.name()
    assert names["edutorch"] == names["torch"] == "BackwardHookFunctionBackward"


def test_global_always_call_hook_runs_when_forward_raises():
    seen = []

    class Broken(edutorch.nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    h = et_module.register_module_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    try:
        with pytest.raises(ValueError, match="boom"):
            Broken()(edutorch.ones(1))
    finally:
        h.remove()
    assert seen == [None]
    assert not et_module._global_forward_hooks and not et_module._global_forward_hooks_always_called
