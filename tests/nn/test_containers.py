"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from nn_compare import compare_module

import edutorch
from edutorch import nn


def seq(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 5),
                             lib.nn.Tanh())


def test_sequential_forward_matches_torch(torch):
    compare_module(seq(edutorch), seq(torch), np.random.default_rng(0).standard_normal((2, 3)))


def test_sequential_from_ordered_dict(torch):
    def build(lib):
        return lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(2, 3)),
                                              ("act", lib.nn.Sigmoid())]))
    e, t = build(edutorch), build(torch)
    assert list(e.state_dict()) == list(t.state_dict()) == ["fc.weight", "fc.bias"]
    assert repr(e) == repr(t)
    assert e.fc is e[0]
    compare_module(e, t, np.random.default_rng(1).standard_normal((4, 2)))


def test_sequential_indexing_slicing_and_editing(torch):
    e, t = seq(edutorch), seq(torch)
    assert len(e) == 4
    assert isinstance(e[-1], nn.Tanh) and e[-4] is e[0]
    with pytest.raises(IndexError):
        e[4]
    sub = e[1:3]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == list(t[1:3]._modules)
    assert sub[1] is e[2]  # the same module objects
    assert [type(m).__name__ for m in e] == ["Linear", "ReLU", "Linear", "Tanh"]
    # every edit gives the same names and order as torch
    for lib, s in ((edutorch, e), (torch, t)):
        del s[1]
        s.insert(-1, lib.nn.Sigmoid())
        s.append(lib.nn.ReLU())
        s.extend([lib.nn.Identity()])
        s[0] = lib.nn.Linear(3, 4)
        s.pop(2)
    assert repr(e) == repr(t)
    assert list(e._modules) == list(t._modules)
    del e[1:3]
    del t[1:3]
    assert repr(e) == repr(t)
    doubled = e + e
    assert len(doubled) == 2 * len(e)
    e += nn.Sequential(nn.ReLU())
    assert isinstance(e[-1], nn.ReLU)


def test_module_list(torch):
    def build(lib):
        ml = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        ml.append(lib.nn.ReLU())
        ml.extend([lib.nn.Tanh(), lib.nn.Tanh()])
        ml.insert(1, lib.nn.Sigmoid())
        return ml
    e, t = build(edutorch), build(torch)
    assert len(e) == 7
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e) == repr(t)  # runs of equal layers print as "(0-2): 3 x ..."
    assert isinstance(e[-1], nn.Tanh) and isinstance(e[1], nn.Sigmoid)
    assert isinstance(e[1:3], nn.ModuleList) and len(e[1:3]) == 2
    del e[0]
    del t[0]
    assert list(e._modules) == list(t._modules)
    e[0] = nn.ReLU()
    assert isinstance(e[0], nn.ReLU)
    assert isinstance(e.pop(0), nn.ReLU) and len(e) == 5
    e += [nn.Identity()]
    assert isinstance(e[-1], nn.Identity)
    with pytest.raises(NotImplementedError):
        e(edutorch.ones(1))
    # modules in a plain list would be invisible: in a ModuleList they are registered
    assert sum(p.numel() for p in e.parameters()) == 2 * 6


def test_module_dict(torch):
    def build(lib):
        return lib.nn.ModuleDict({"enc": lib.nn.Linear(2, 3), "act": lib.nn.ReLU()})
    e, t = build(edutorch), build(torch)
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e) == repr(t)
    assert "enc" in e and list(e.keys()) == ["enc", "act"] and len(e) == 2
    assert list(e) == ["enc", "act"]
    e["dec"] = nn.Linear(3, 2)
    e.update([("out", nn.Tanh())])
    assert list(e.keys()) == ["enc", "act", "dec", "out"]
    assert isinstance(e.pop("act"), nn.ReLU) and "act" not in e
    assert [type(v).__name__ for v in e.values()] == ["Linear", "Linear", "Tanh"]
    del e["out"]
    assert len(e) == 2
    e.clear()
    assert len(e) == 0
    with pytest.raises(ValueError):
        e.update([("a", nn.ReLU(), 3)])


def test_parameter_list(torch):
    def build(lib):
        return lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(3)])
    e, t = build(edutorch), build(torch)
    assert all(isinstance(p, nn.Parameter) for p in e)  # plain tensors were wrapped
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e) == repr(t).replace("torch.", "edutorch.")
    e.append(edutorch.ones(1))
    e.extend([edutorch.ones(4)])
    assert len(e) == 4 and e[-1].shape == (4,)
    assert len(list(e.parameters())) == 4
    assert isinstance(e[1:], nn.ParameterList) and len(e[1:]) == 3
    e[0] = edutorch.zeros(2)
    assert isinstance(e[0], nn.Parameter) and e[0].shape == (2,)


def test_parameter_dict(torch):
    def build(lib):
        return lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(2)), "b": lib.zeros(3)})
    e, t = build(edutorch), build(torch)
    assert list(e.state_dict()) == list(t.state_dict())
    assert list(e.keys()) == ["a", "b"] and "a" in e and len(e) == 2
    assert isinstance(e["b"], nn.Parameter)
    e["c"] = edutorch.ones(1)
    assert [k for k, _ in e.named_parameters()] == ["a", "b", "c"]
    assert isinstance(e.pop("a"), nn.Parameter) and list(e) == ["b", "c"]
    e.update({"d": nn.Parameter(edutorch.ones(2))})
    assert list(e.keys()) == ["b", "c", "d"]


def test_containers_in_a_model_train_together():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
            self.gains = nn.ParameterList([nn.Parameter(edutorch.ones(1)) for _ in range(2)])

        def forward(self, x):
            for layer, g in zip(self.layers, self.gains):
                x = layer(x) * g
            return x

    m = Net()
    assert [n for n, _ in m.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "gains.0",
        "gains.1"]
    m(edutorch.randn(3, 2)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
