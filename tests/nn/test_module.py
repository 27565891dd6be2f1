"""nn.Module and nn.Parameter: registration, traversal, modes, hooks, state_dict, repr."""
from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest
from nn_compare import assert_close, compare_module, torch_state_to_edutorch

import edutorch
from edutorch import nn


def make_net(lib):
    """The same small architecture in edutorch or torch: own parameter, buffer, nested
    submodules, a BatchNorm, and a shared layer."""
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 4)
            self.bn = lib.nn.BatchNorm1d(4)

        def forward(self, x):
            return self.bn(self.fc(x)).relu()

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = lib.nn.Parameter(lib.ones(2))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
            self.body = Block()
            self.head = lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.Tanh(),
                                          lib.nn.Linear(4, 2))
            self.tied = self.head[0]  # the same layer registered twice

        def forward(self, x):
            return self.head(self.body(x)) * self.scale

    return Net()


# -- Parameter -----------------------------------------------------------------------------------

def test_parameter_basics():
    t = edutorch.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, edutorch.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf
    p.data.mul_(2)  # shares memory with t
    assert t.tolist() == [2.0, 4.0]
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert repr(p) == "Parameter containing:\ntensor([2., 4.], requires_grad=True)"
    assert type(p * 2) is edutorch.Tensor  # results of ops are plain tensors
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])


def test_parameter_repr_matches_torch(torch):
    p = torch.nn.Parameter(torch.tensor([[1.5, -2.0], [0.25, 3.0]]))
    e = nn.Parameter(edutorch.tensor([[1.5, -2.0], [0.25, 3.0]]))
    assert repr(e) == repr(p)


def test_deepcopy_parameter_and_module():
    m = nn.Linear(2, 3)
    m2 = copy.deepcopy(m)
    assert isinstance(m2.weight, nn.Parameter) and m2.weight is not m.weight
    assert edutorch.equal(m2.weight, m.weight)
    with edutorch.no_grad():
        m2.weight.add_(1)
    assert not edutorch.equal(m2.weight, m.weight)


# -- registration ------------------------------------------------------------------------------

def test_registration_by_attribute():
    m = make_net(edutorch)
    assert set(m._parameters) == {"scale"}
    assert set(m._buffers) == {"steps", "scratch"}
    assert list(m._modules) == ["body", "head", "tied"]
    assert m.scale is m._parameters["scale"]
    # reassigning a parameter slot to a non-Parameter is refused
    with pytest.raises(TypeError, match="scale"):
        m.scale = edutorch.ones(2)
    m.scale = None
    assert m.scale is None and "scale" in m._parameters
    # a buffer slot accepts tensors
    m.steps = edutorch.ones(1)
    assert m._buffers["steps"].item() == 1.0
    # a plain attribute that later becomes a module moves registries
    m.extra = 3
    m.extra = nn.ReLU()
    assert "extra" in m._modules and "extra" not in m.__dict__
    del m.extra
    assert "extra" not in m._modules
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = m.missing


def test_assign_before_init_and_bad_names():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(edutorch.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", edutorch.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("training", nn.Parameter(edutorch.ones(1)))
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("w", edutorch.ones(1))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(TypeError, match="not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(ValueError, match="non-leaf"):
        m.register_parameter("w", _nonleaf_param())
    with pytest.raises(NotImplementedError, match="forward"):
        m(edutorch.ones(1))


def _nonleaf_param():
    w = nn.Parameter(edutorch.ones(2))
    p = nn.Parameter(edutorch.ones(2))
    p.grad_fn = (w * 2).grad_fn  # a Parameter that is the result of an op
    return p


def test_buffer_class_registers():
    m = nn.Module()
    m.stat = nn.Buffer(edutorch.zeros(3))
    m.tmp = nn.Buffer(edutorch.zeros(1), persistent=False)
    assert set(m._buffers) == {"stat", "tmp"}
    assert list(m.state_dict()) == ["stat"]


def test_traversal_order_and_names_match_torch(torch):
    e, t = make_net(edutorch), make_net(torch)
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in e.named_parameters(prefix="net", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="net", recurse=False)]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(remove_duplicate=False)]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.modules())) == len(list(t.modules()))
    assert len(list(e.buffers(recurse=False))) == len(list(t.buffers(recurse=False)))
    # own parameters come before the submodules'
    assert next(iter(e.named_parameters()))[0] == "scale"


def test_get_submodule_parameter_buffer():
    m = make_net(edutorch)
    assert m.get_submodule("body.fc") is m.body.fc
    assert m.get_submodule("") is m
    assert m.get_submodule("head.2") is m.head[2]
    assert m.get_parameter("body.fc.weight") is m.body.fc.weight
    assert m.get_buffer("body.bn.running_mean") is m.body.bn.running_mean
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        m.get_submodule("body.nope")
    with pytest.raises(AttributeError, match="is not an nn.Module"):
        m.get_submodule("scale")
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        m.get_parameter("body.bn.running_mean")


def test_dir_lists_registered_names():
    m = make_net(edutorch)
    d = dir(m)
    for name in ("scale", "steps", "body", "head", "forward", "training"):
        assert name in d
    assert "0" not in dir(m.head)


# -- modes, gradients, dtypes ---------------------------------------------------------------------

def test_train_eval_recursive():
    m = make_net(edutorch)
    assert m.training and m.body.bn.training
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    with pytest.raises(ValueError):
        m.train("yes")


def test_zero_grad_and_requires_grad_():
    m = nn.Linear(3, 2)
    m(edutorch.randn(4, 3)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is not None and m.weight.grad.abs().sum().item() == 0
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_double_float_keeps_parameter_objects():
    m = make_net(edutorch)
    w = m.body.fc.weight
    m.body.fc(edutorch.randn(2, 3)).sum().backward()
    assert m.double() is m
    assert m.body.fc.weight is w and w.dtype == edutorch.float64
    assert w.grad.dtype == edutorch.float64
    assert m.body.bn.running_mean.dtype == edutorch.float64
    assert m.body.bn.num_batches_tracked.dtype == edutorch.int64  # not floating: untouched
    m.to(edutorch.float32)
    assert w.dtype == edutorch.float32
    m.to("cpu")
    assert w.device.type == "cpu"
    m.half().float()
    assert w.dtype == edutorch.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(edutorch.int64)
    m.cpu()


def test_apply_visits_children_first():
    m = make_net(edutorch)
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net" and seen.index("Linear") < seen.index("Block")

    def init_weights(mod):
        if isinstance(mod, nn.Linear):
            nn.init.zeros_(mod.weight)
    m.apply(init_weights)
    assert m.body.fc.weight.abs().sum().item() == 0


# -- hooks -------------------------------------------------------------------------------------

def test_forward_hooks_order_modify_and_remove():
    m = nn.Linear(2, 2)
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(mod, args, out):
        calls.append("post")
        return out + 1

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_hook(post)
    m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    out = m(edutorch.ones(1, 2))
    assert calls == ["pre", "first", "post"]
    assert_close(out, (m.bias + 1).detach().reshape(1, 2))
    h1.remove()
    h2.remove()
    out = m(edutorch.ones(1, 2))
    assert_close(out, (edutorch.ones(1, 2) @ m.weight.T + m.bias).detach())


def test_forward_hooks_with_kwargs():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                with_kwargs=True)
    seen = {}
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.update(kwargs),
                            with_kwargs=True)
    assert m(edutorch.ones(2)).tolist() == [3.0, 3.0]
    assert seen == {"factor": 3.0}


def test_hook_handle_context_manager():
    m = nn.ReLU()
    calls = []
    with m.register_forward_hook(lambda *a: calls.append(1)):
        m(edutorch.ones(1))
    m(edutorch.ones(1))
    assert calls == [1]


def test_full_backward_hook_matches_torch(torch):
    grads = {}

    def build(lib, key):
        m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))

        def hook(mod, gin, gout):
            grads[key] = (gin, gout)
            return (gin[0] * 2,)  # doubles the gradient flowing out of the tanh
        m[1].register_full_backward_hook(hook)
        return m

    e, t = build(edutorch, "e"), build(torch, "t")
    compare_module(e, t, np.random.default_rng(0).standard_normal((5, 3)))
    (egin, egout), (tgin, tgout) = grads["e"], grads["t"]
    assert len(egin) == len(tgin) == 1 and len(egout) == len(tgout) == 1
    assert_close(egout[0], tgout[0], rtol=1e-6)
    assert_close(egin[0], tgin[0], rtol=1e-6)


def test_backward_pre_hook_and_no_input_grad(torch):
    seen = {}

    def build(lib, key):
        m = lib.nn.Linear(3, 2).double()
        m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 0.5,))
        m.register_full_backward_hook(lambda mod, gin, gout: seen.__setitem__(key, gin))
        return m

    e, t = build(edutorch, "e"), build(torch, "t")
    e.load_state_dict(torch_state_to_edutorch(t))
    x = np.random.default_rng(1).standard_normal((4, 3))
    e(edutorch.tensor(x)).sum().backward()  # the input does not require grad
    t(torch.tensor(x)).sum().backward()
    assert seen["e"] == (None,) and seen["t"] == (None,)
    assert_close(e.weight.grad, t.weight.grad, rtol=1e-6)


# -- state_dict --------------------------------------------------------------------------------

def test_state_dict_keys_match_torch(torch):
    e, t = make_net(edutorch), make_net(torch)
    assert list(e.state_dict()) == list(t.state_dict())
    assert list(e.state_dict(prefix="model.")) == list(t.state_dict(prefix="model."))
    assert isinstance(e.state_dict(), OrderedDict)


def test_state_dict_tensors_are_detached_views():
    m = make_net(edutorch)
    sd = m.state_dict()
    w = sd["body.fc.weight"]
    assert not w.requires_grad and not isinstance(w, nn.Parameter)
    with edutorch.no_grad():
        m.body.fc.weight.fill_(7.0)
    assert w.abs().max().item() == 7.0  # shares memory with the parameter
    kept = m.state_dict(keep_vars=True)
    assert kept["body.fc.weight"] is m.body.fc.weight


def test_load_state_dict_roundtrip_and_in_place(torch):
    e, t = make_net(edutorch), make_net(torch)
    w = e.body.fc.weight
    result = e.load_state_dict(torch_state_to_edutorch(t))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert e.body.fc.weight is w  # copied in place
    assert not w.grad_fn and w.requires_grad
    for (name, ev), (_, tv) in zip(e.state_dict().items(), t.state_dict().items()):
        assert_close(ev, tv, what=name)


def test_load_state_dict_errors_like_torch(torch):
    e, t = make_net(edutorch), make_net(torch)
    sd_t = t.state_dict()
    del sd_t["body.fc.bias"]
    sd_t["body.fc.extra"] = torch.zeros(1)
    sd_t["head.2.weight"] = torch.zeros(5, 5)
    sd_e = {k: edutorch.tensor(v.numpy()) for k, v in sd_t.items()}
    with pytest.raises(RuntimeError) as t_err:
        t.load_state_dict(sd_t)
    with pytest.raises(RuntimeError) as e_err:
        e.load_state_dict(sd_e)
    assert str(e_err.value) == str(t_err.value).replace("torch.", "edutorch.")
    assert str(e_err.value).startswith("Error(s) in loading state_dict for Net:\n\t"
                                       "Missing key(s) in state_dict: \"body.fc.bias\". ")
    # non-strict: no error, the keys are reported
    ok = {k: v for k, v in sd_e.items() if k != "head.2.weight"}
    res_e = e.load_state_dict(ok, strict=False)
    res_t = t.load_state_dict({k: v for k, v in sd_t.items() if k != "head.2.weight"},
                              strict=False)
    assert res_e.missing_keys == res_t.missing_keys
    assert res_e.unexpected_keys == res_t.unexpected_keys
    with pytest.raises(TypeError, match="dict-like"):
        e.load_state_dict([1, 2])


def test_load_state_dict_bad_value_type():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    sd["weight"] = [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="expected edutorch.Tensor"):
        m.load_state_dict(sd)


def test_extra_state_roundtrip():
    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.counter = 0

        def get_extra_state(self):
            return {"counter": self.counter}

        def set_extra_state(self, state):
            self.counter = state["counter"]

    a, b = WithState(), WithState()
    a.counter = 5
    sd = a.state_dict()
    assert list(sd) == ["_extra_state"]
    b.load_state_dict(sd)
    assert b.counter == 5


# -- repr --------------------------------------------------------------------------------------

def test_nested_repr_matches_torch(torch):
    e, t = make_net(edutorch), make_net(torch)
    assert repr(e) == repr(t)
    assert repr(nn.Module()) == "Module()"


def test_forward_through_net_matches_torch(torch):
    e, t = make_net(edutorch), make_net(torch)
    x = np.random.default_rng(2).standard_normal((6, 3))
    compare_module(e, t, x)
    assert_close(e.body.bn.running_mean, t.body.bn.running_mean, rtol=1e-6)


def test_load_state_dict_assign_takes_the_tensors():
    m = nn.Linear(2, 2)
    w = edutorch.ones(2, 2)
    m.load_state_dict({"weight": w, "bias": edutorch.zeros(2)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    with edutorch.no_grad():
        w.add_(1)  # the parameter shares the checkpoint tensor's memory
    assert m.weight.tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_always_call_forward_hook_runs_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append("never"))
    with pytest.raises(ValueError, match="boom"):
        m(edutorch.ones(1))
    assert seen == [None]
