"""edutorch.jit: traced outputs equal eager ones; each pass does its one job; the tracer warns
where a trace cannot generalise."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("edutorch.overrides")  # the dispatch point the tracer records through

import edutorch  # noqa: E402
import edutorch.nn as nn  # noqa: E402
from edutorch import jit  # noqa: E402
from edutorch.jit import passes  # noqa: E402


def _eq(a, b, tol=0.0):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def _mlp():
    edutorch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3)).eval()


def _lenet():
    edutorch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.Flatten(),
                         nn.Linear(6 * 2 * 2, 10))


def test_traced_function_equals_eager_and_prints_graph_and_code():
    def f(x, y):
        return ((x * y).exp() + 1.0).tanh() - y

    x, y = edutorch.randn(3, 4), edutorch.randn(3, 4)
    t = jit.trace(f, (x, y))
    _eq(t(x, y), f(x, y))
    x2, y2 = edutorch.randn(3, 4), edutorch.randn(3, 4)
    _eq(t(x2, y2), f(x2, y2))  # new values, same graph
    text = str(t.graph)
    assert "placeholder[target=x]" in text and "call_function[target=exp]" in text
    assert text.strip().endswith("return %sub")
    assert "def forward(self, x, y):" in t.code and "edutorch.exp(" in t.code


def test_traced_module_equals_eager_and_follows_parameter_updates():
    m = _mlp()
    x = edutorch.randn(5, 6)
    t = jit.trace(m, x)
    with edutorch.no_grad():
        _eq(t(x), m(x))
        m[0].weight.mul_(2)  # parameters are read at call time
        _eq(t(x), m(x))
    assert "get_attr[target=0.weight]" in str(t.graph)
    assert "getattr(self, '0').weight" in t.code
    out = t(x)
    assert out.grad_fn is None and not out.requires_grad  # replayed without autograd


def test_optimize_for_inference_keeps_outputs():
    m = _mlp()
    x = edutorch.randn(1, 6)
    with edutorch.no_grad():
        ref = m(x)
    fast = jit.optimize_for_inference(jit.trace(m, x))
    _eq(fast(x), ref, 1e-6)
    _eq(fast(x), ref, 1e-6)  # twice: reused buffers must not leak between calls


def test_dead_code_elimination_removes_unused_ops_only():
    def f(x):
        unused = x.sin() * 3  # noqa: F841 - the dead code
        return x.exp()

    t = jit.trace(f, edutorch.randn(4))
    before = [n.target for n in t.graph.nodes]
    assert "sin" in before and "mul" in before
    assert passes.eliminate_dead_code(t.graph) == 2
    targets = [n.target for n in t.graph.nodes]
    assert "sin" not in targets and "mul" not in targets and "exp" in targets
    t.recompile()
    x = edutorch.randn(4)
    _eq(t(x), x.exp())


def test_elementwise_fusion_makes_one_node_and_one_buffer():
    def f(x, b):
        return ((x + b) * 2.0).tanh().neg()

    x, b = edutorch.randn(8, 5), edutorch.randn(5)
    t = jit.trace(f, (x, b))
    assert passes.fuse_elementwise(t.graph) == 1
    calls = [n for n in t.graph.nodes if n.op == "call_function"]
    assert len(calls) == 1 and calls[0].target == "fused_add_mul_tanh_neg"
    t.recompile()
    _eq(t(x, b), f(x, b), 1e-6)
    fused = calls[0].function
    assert fused.fresh  # its result is the output: a new array each call
    a1, a2 = t(x, b), t(x, b)
    assert not np.shares_memory(a1.numpy(), a2.numpy())


def test_fusion_reuses_its_buffer_for_intermediates():
    def f(x):
        return ((x * 3.0).exp() + 1.0).sum(1)

    x = edutorch.randn(4, 3)
    t = jit.trace(f, x)
    passes.fuse_elementwise(t.graph)
    t.recompile()
    fused = next(n.function for n in t.graph.nodes if n.target.startswith("fused_"))
    assert not fused.fresh
    _eq(t(x), f(x), 1e-6)
    buf = fused._buffer
    _eq(t(x * 2), f(x * 2), 1e-6)
    assert fused._buffer is buf  # preallocated once


def test_constant_folding_computes_constant_ops_once():
    w = edutorch.randn(3, 3)

    def f(x):
        return x @ (w.t() * 2)

    x = edutorch.randn(2, 3)
    t = jit.trace(f, x)
    assert passes.constant_fold(t.graph, t) == 2  # t() and * 2 depend only on w
    ops = [n.target for n in t.graph.nodes if n.op == "call_function"]
    assert ops in (["matmul"], ["mm"])  # only the product with the input is left
    t.recompile()
    _eq(t(x), f(x), 1e-6)


def test_conv_bn_folding_as_leaf_modules():
    m = _lenet()
    m.train()
    m(edutorch.randn(16, 1, 10, 10))  # running statistics that are not 0 and 1
    m.eval()
    x = edutorch.randn(2, 1, 10, 10)
    with edutorch.no_grad():
        ref = m(x)
    t = jit.trace(m, x, leaf_modules=(nn.Conv2d, nn.BatchNorm2d))
    assert sum(n.op == "call_module" for n in t.graph.nodes) == 4
    _eq(t(x), ref, 1e-6)
    assert passes.fold_conv_bn(t.graph, t) == 2
    assert sum(n.op == "call_module" for n in t.graph.nodes) == 2
    t.recompile()
    _eq(t(x), ref, 1e-5)


def test_fuse_conv_bn_eval_matches_conv_then_bn():
    from edutorch.nn.utils.fusion import fuse_conv_bn_eval
    conv, bn = nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3)
    bn.running_mean.copy_(edutorch.randn(3))
    bn.running_var.copy_(edutorch.rand(3) + 0.1)
    conv.eval(), bn.eval()
    x = edutorch.randn(2, 2, 6, 6)
    with edutorch.no_grad():
        _eq(fuse_conv_bn_eval(conv, bn)(x), bn(conv(x)), 1e-5)
    bn.train()
    with pytest.raises(AssertionError, match="eval mode"):
        fuse_conv_bn_eval(conv, bn)


def test_tracer_warns_on_python_control_flow_on_a_tensor():
    def f(x):
        if x.sum() > 0:
            return x * 2
        return x * -1

    with pytest.warns(jit.TracerWarning, match="Python value"):
        t = jit.trace(f, edutorch.ones(3))
    neg = -edutorch.ones(3)
    assert t(neg).tolist() == [-2.0, -2.0, -2.0]  # the branch taken while tracing is frozen
    assert f(neg).tolist() == [1.0, 1.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t(neg)  # replaying the trace warns no more: the per-tensor check is gone
        assert float(t(edutorch.ones(1))[0]) == 2.0


def test_tracer_warns_and_refuses_other_shapes_when_a_size_is_baked_in():
    def f(x):
        return x.reshape(x.shape[0], -1).sum(1)

    with pytest.warns(jit.TracerWarning, match="equals size 0 of input 'x'"):
        t = jit.trace(f, edutorch.randn(4, 2, 3))
    _eq(t(edutorch.ones(4, 2, 3)), f(edutorch.ones(4, 2, 3)))
    with pytest.raises(RuntimeError, match=r"traced with input 0 of shape \[4, 2, 3\]"):
        t(edutorch.ones(5, 2, 3))


def test_other_batch_sizes_replay_when_nothing_is_baked_in():
    m = _mlp()
    t = jit.trace(m, edutorch.randn(1, 6))
    x = edutorch.randn(7, 6)
    with edutorch.no_grad():
        _eq(t(x), m(x), 1e-6)


def test_trace_rejects_non_tensor_inputs():
    with pytest.raises(TypeError, match="example inputs must be Tensors"):
        jit.trace(lambda x: x, ([1.0],))
