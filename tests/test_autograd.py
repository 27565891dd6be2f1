"""Autograd behaviours, one per test: the recorded graph, leaves and .grad, hooks, backward's
options, grad modes, ``autograd.grad`` (with second derivatives) and gradcheck."""
import numpy as np
import pytest
from helpers import assert_close, check_double_backward, random_array

import edutorch
from edutorch.autograd import gradcheck, gradgradcheck


def _x(shape=(3,), seed=0):
    return random_array(np.random.default_rng(seed), shape)


# ---------------------------------------------------------------------------------------------
# the graph
# ---------------------------------------------------------------------------------------------

def _structure(fn, depth=3):
    """(name, [children...]) of a grad_fn, PyTorch's and edutorch's alike."""
    if fn is None:
        return None
    name = fn.name().replace("torch::autograd::", "")  # PyTorch's C++ name of the leaf node
    if depth == 0:
        return name
    return (name, [_structure(c, depth - 1) for c, _ in fn.next_functions])


def test_grad_fn_and_next_functions_are_recorded(torch):
    def build(lib, x, w, b):
        return (x * w + b).sum()
    arrays = (_x((2, 3), 1), _x((3,), 2), _x((3,), 3))
    ex = [edutorch.tensor(a) for a in arrays]
    ex[1].requires_grad_()
    ex[2].requires_grad_()
    tx = [torch.tensor(a) for a in arrays]
    tx[1].requires_grad_()
    tx[2].requires_grad_()
    e, t = build(edutorch, *ex), build(torch, *tx)
    assert _structure(e.grad_fn) == _structure(t.grad_fn)
    mul = e.grad_fn.next_functions[0][0].next_functions[0][0]
    assert mul.next_functions[0] == (None, 0)  # x does not require grad: no edge
    acc = mul.next_functions[1][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is ex[1]


def test_requires_grad_and_is_leaf():
    x = edutorch.ones(2)
    assert not x.requires_grad and x.is_leaf and x.grad_fn is None
    w = edutorch.ones(2, requires_grad=True)
    y = x * w
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    z = x * 2
    assert not z.requires_grad and z.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad = False


def test_leaf_grad_and_non_leaf_grad_is_none_unless_retained(torch):
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h2 = h * h
    h.retain_grad()
    assert h.retains_grad and not h2.retains_grad
    h2.sum().backward()
    assert x.grad.tolist() == [18.0, 36.0]
    assert h.grad.tolist() == [6.0, 12.0]
    assert h2.grad is None


def test_detach_shares_data_and_cuts_the_graph():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.detach().numpy())
    d[0] = 10.0
    assert y[0].item() == 10.0
    z = (y.detach() * x).sum()
    z.backward()
    assert x.grad.tolist() == [10.0, 4.0]  # the detached factor counts as a constant


def test_only_floating_point_tensors_can_require_grad():
    with pytest.raises(RuntimeError, match="only floating point tensors can require "
                                           "gradients"):
        edutorch.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="only floating point tensors can require "
                                           "gradients"):
        edutorch.tensor([True]).requires_grad_()


def test_register_hook_modifies_the_gradient_and_can_be_removed():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h1 = x.register_hook(lambda g: seen.append(g.tolist()))
    h2 = x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0]] and x.grad.tolist() == [20.0, 40.0]
    h2.remove()
    h1.remove()
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0] and len(seen) == 1


def test_hook_on_a_non_leaf(torch):
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 0.5)
    (y * y).sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx * 3
    ty.register_hook(lambda g: g * 0.5)
    (ty * ty).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()


# ---------------------------------------------------------------------------------------------
# backward
# ---------------------------------------------------------------------------------------------

def test_diamond_graph_sums_both_paths_before_going_on(torch):
    """x -> a -> (b, c) -> d: a's node must run once, after both b and c sent their gradient."""
    def f(lib, x):
        a = x.exp()
        b = a * 2
        c = a.sin()
        d = b * c + a
        return (d * d).sum()
    x = _x((4,), 4)
    e = edutorch.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    f(edutorch, e).backward()
    f(torch, t).backward()
    assert_close(e.grad, t.grad)


def test_deep_chain_does_not_recurse():
    x = edutorch.tensor([1.0], dtype=edutorch.float64, requires_grad=True)
    y = x
    for _ in range(5000):  # a recursive engine would hit Python's recursion limit
        y = y * 1.0001
    y.sum().backward()
    assert np.isclose(x.grad.item(), 1.0001 ** 5000)


def test_grad_accumulates_across_backward_calls():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    assert x.grad is first  # accumulated in place, like PyTorch
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_non_scalar_backward_needs_a_gradient(torch):
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        y.backward()
    y.backward(edutorch.tensor([1.0, -1.0]))
    assert x.grad.tolist() == [2.0, -2.0]
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(edutorch.ones(3))


def test_second_backward_through_freed_graph_raises():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                           "time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.clone()
    y.backward()
    assert np.allclose(x.grad.numpy(), 2 * g1.numpy())


def test_saved_tensors_are_released_after_backward():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    assert len(node.saved_tensors) == 2
    y.sum().backward()
    with pytest.raises(RuntimeError, match="already been freed"):
        _ = node.saved_tensors


def test_gradients_are_broadcasting_aware(torch):
    a = _x((3, 1), 5)
    b = _x((4,), 6)
    e = [edutorch.tensor(v, requires_grad=True) for v in (a, b)]
    t = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    ((e[0] * e[1] + e[1]) ** 2).sum().backward()
    ((t[0] * t[1] + t[1]) ** 2).sum().backward()
    for ei, ti in zip(e, t):
        assert ei.grad.shape == ei.shape
        assert_close(ei.grad, ti.grad)


def test_backward_inputs_argument(torch):
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    w = edutorch.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]


def test_backward_of_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        edutorch.ones(2).sum().backward()


# ---------------------------------------------------------------------------------------------
# grad modes
# ---------------------------------------------------------------------------------------------

def test_no_grad_and_enable_grad_as_context_managers():
    x = edutorch.ones(2, requires_grad=True)
    assert edutorch.is_grad_enabled()
    with edutorch.no_grad():
        assert not edutorch.is_grad_enabled()
        y = x * 2
        with edutorch.enable_grad():
            assert edutorch.is_grad_enabled()
            z = x * 2
        assert not edutorch.is_grad_enabled()
    assert edutorch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad


def test_grad_modes_as_decorators():
    x = edutorch.ones(2, requires_grad=True)

    @edutorch.no_grad()
    def f():
        assert not edutorch.is_grad_enabled()
        return x * 2

    @edutorch.enable_grad()
    def g():
        return x * 2

    @edutorch.set_grad_enabled(False)
    def h():
        return x * 2

    assert not f().requires_grad
    assert edutorch.is_grad_enabled()
    with edutorch.no_grad():
        assert g().requires_grad
    assert not h().requires_grad
    assert edutorch.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context():
    x = edutorch.ones(2, requires_grad=True)
    with edutorch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert edutorch.is_grad_enabled()
    edutorch.set_grad_enabled(False)
    try:
        assert not edutorch.is_grad_enabled()
    finally:
        edutorch.set_grad_enabled(True)
    assert edutorch.is_grad_enabled()
    with edutorch.set_grad_enabled(True):
        assert (x * 2).requires_grad


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with edutorch.no_grad():
            raise ValueError
    assert edutorch.is_grad_enabled()


def test_inference_mode():
    x = edutorch.ones(2, requires_grad=True)
    with edutorch.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


# ---------------------------------------------------------------------------------------------
# autograd.grad
# ---------------------------------------------------------------------------------------------

def test_autograd_grad_returns_without_touching_dot_grad(torch):
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    w = edutorch.tensor([0.5, -1.0], requires_grad=True)
    y = (x * x * w).sum()
    gx, gw = edutorch.autograd.grad(y, [x, w])
    assert x.grad is None and w.grad is None
    assert gx.tolist() == [1.0, -4.0] and gw.tolist() == [1.0, 4.0]
    (gx_only,) = edutorch.autograd.grad((x * 3).sum(), x)
    assert gx_only.tolist() == [3.0, 3.0]


def test_autograd_grad_grad_outputs_and_retain_graph():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    go = edutorch.tensor([1.0, 2.0])
    (g,) = edutorch.autograd.grad(y, x, grad_outputs=go, retain_graph=True)
    assert np.allclose(g.numpy(), np.exp([1.0, 2.0]) * [1, 2])
    (g2,) = edutorch.autograd.grad(y, x, go)
    assert np.allclose(g2.numpy(), g.numpy())
    with pytest.raises(RuntimeError, match="second time"):
        edutorch.autograd.grad(y, x, go)


def test_autograd_grad_allow_unused():
    x = edutorch.ones(2, requires_grad=True)
    u = edutorch.ones(2, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        edutorch.autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = edutorch.autograd.grad(y, [x, u], allow_unused=True)
    assert gu is None and gx.tolist() == [2.0, 2.0]


def test_second_derivative_with_create_graph(torch):
    x = edutorch.tensor([0.5, -1.5], dtype=edutorch.float64, requires_grad=True)
    tx = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    for lib, v in ((edutorch, x), (torch, tx)):
        y = (v ** 3 * v.sin()).sum()
        (g,) = lib.autograd.grad(y, v, create_graph=True)
        assert g.requires_grad
        (h,) = lib.autograd.grad(g.sum(), v)
        v.h = h
    assert_close(x.h, tx.h)


def test_backward_create_graph_gives_differentiable_grad(torch):
    x = edutorch.tensor([0.5, 2.0], dtype=edutorch.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (h,) = edutorch.autograd.grad(g.sum(), x)
    assert np.allclose(h.numpy(), 6 * np.array([0.5, 2.0]))


def test_third_derivative():
    x = edutorch.tensor([0.7], dtype=edutorch.float64, requires_grad=True)
    y = x.sin() * x
    g1 = edutorch.autograd.grad(y.sum(), x, create_graph=True)[0]
    g2 = edutorch.autograd.grad(g1.sum(), x, create_graph=True)[0]
    g3 = edutorch.autograd.grad(g2.sum(), x)[0]
    v = 0.7  # d3/dx3 (x sin x) = -3 sin x - x cos x
    assert np.isclose(g3.item(), -3 * np.sin(v) - v * np.cos(v))


def test_double_backward_of_a_composite_graph():
    """An MLP-like expression: second derivatives against PyTorch and gradgradcheck."""
    check_double_backward(lambda lib, x, w, b: ((x @ w + b).tanh() ** 2).sum(-1).logsumexp(0),
                          _x((3, 2), 7), _x((2, 4), 8), _x((4,), 9))


# ---------------------------------------------------------------------------------------------
# gradcheck itself
# ---------------------------------------------------------------------------------------------

def test_gradcheck_passes_for_correct_ops():
    x = edutorch.tensor(_x((2, 3), 10), requires_grad=True)
    assert gradcheck(lambda t: (t.exp() * t).sum(1), (x,))
    assert gradgradcheck(lambda t: (t.exp() * t).sum(1), (x,))


def test_gradcheck_with_non_contiguous_input():
    base = edutorch.tensor(_x((3, 2), 11))
    x = base.t().requires_grad_()  # a transposed leaf: not contiguous
    assert not x.is_contiguous()
    assert gradcheck(lambda t: t * t, (x,))


class _WrongGrad(edutorch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # wrong: should be 2 * g * x


class _WrongSecond(edutorch.autograd.Function):
    """Right first derivative, but computed from a detached x: no second derivative."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x.detach()


def test_gradcheck_detects_a_wrong_backward():
    x = edutorch.tensor(_x((3,), 12), requires_grad=True)
    with pytest.raises(edutorch.autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(_WrongGrad.apply, (x,))
    assert gradcheck(_WrongGrad.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_detects_a_wrong_double_backward():
    x = edutorch.tensor(_x((3,), 13), requires_grad=True)
    assert gradcheck(_WrongSecond.apply, (x,))
    with pytest.raises(RuntimeError):
        gradgradcheck(_WrongSecond.apply, (x,))
