"""In-place ops: they really write in place (same object, same array), they keep autograd
correct (views of non-leaves, version counters), and they refuse what PyTorch refuses."""
import numpy as np
import pytest
from helpers import check_op, random_array

import edutorch


def _x(shape=(3, 4), seed=0, **kw):
    return random_array(np.random.default_rng(seed), shape, **kw)


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "**=", "//=", "%="])
def test_augmented_assignment_stays_in_place(op):
    x = edutorch.tensor([[1.5, 2.0], [3.0, 4.0]])
    obj, arr = x, x.numpy()
    v = edutorch.tensor([2.0, 0.5])
    ns = {"x": x, "v": v}
    exec(f"x {op} v", ns)
    assert ns["x"] is obj and ns["x"].numpy() is arr
    expected = eval(f"a {op.rstrip('=')} b", {"a": np.array([[1.5, 2.0], [3.0, 4.0]],
                                                          dtype=np.float32),
                                            "b": np.array([2.0, 0.5], dtype=np.float32)})
    assert np.allclose(arr, expected)
    exec(f"x {op} 3", ns)
    assert ns["x"] is obj and ns["x"].numpy() is arr


def test_augmented_assignment_on_non_leaf_stays_in_place(torch):
    for lib in (edutorch, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        x = a * 2
        obj = x
        arr = x.detach().numpy() if lib is edutorch else None
        x += a
        x *= a
        assert x is obj
        if arr is not None:
            assert x.detach().numpy() is arr or np.shares_memory(x.detach().numpy(), arr)
        x.sum().backward()
        lib.result = a.grad.tolist()
    assert edutorch.result == torch.result


INPLACE = {
    "add_": lambda lib, x, y: x.add_(y),
    "add_alpha": lambda lib, x, y: x.add_(y, alpha=-2.0),
    "sub_": lambda lib, x, y: x.sub_(y),
    "mul_": lambda lib, x, y: x.mul_(y),
    "div_": lambda lib, x, y: x.div_(y),
    "pow_": lambda lib, x, y: x.abs_().pow_(y),
    "pow_scalar": lambda lib, x, y: x.pow_(2),
    "clamp_": lambda lib, x, y: x.clamp_(-0.5, 0.5),
    "addcmul_": lambda lib, x, y: x.addcmul_(y, y, value=0.5),
    "addcdiv_": lambda lib, x, y: x.addcdiv_(y, y * y + 1, value=2.0),
    "lerp_": lambda lib, x, y: x.lerp_(y, 0.3),
    "masked_fill_": lambda lib, x, y: x.masked_fill_(y > 0, 1.5),
    "exp_": lambda lib, x, y: x.exp_(),
    "tanh_": lambda lib, x, y: x.tanh_(),
    "sigmoid_": lambda lib, x, y: x.sigmoid_(),
    "relu_": lambda lib, x, y: x.relu_(),
    "neg_": lambda lib, x, y: x.neg_(),
    "sqrt_abs": lambda lib, x, y: x.abs_().sqrt_(),
    "zero_": lambda lib, x, y: x.zero_(),
    "fill_": lambda lib, x, y: x.fill_(2.5),
    "copy_": lambda lib, x, y: x.copy_(y),
    "copy_broadcast": lambda lib, x, y: x.copy_(y[0]),
    "iadd_chain": lambda lib, x, y: x.add_(y).mul_(y),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_non_leaf_matches_torch(name):
    """y = x * 1 (a non-leaf); y.op_(...): values and gradients of x (and y) as in PyTorch."""
    op = INPLACE[name]

    def f(lib, x, y):
        z = x * 1.0
        out = op(lib, z, y)
        assert out is z  # in-place methods return self
        return z
    check_op(f, _x(seed=1, away_from_zero=True), _x(seed=2, away_from_zero=True))


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_without_autograd_writes_the_same_array(name):
    op = INPLACE[name]
    x = edutorch.tensor(_x(seed=3, away_from_zero=True))
    y = edutorch.tensor(_x(seed=4, away_from_zero=True))
    arr, version = x.numpy(), x._version
    assert op(edutorch, x, y) is x
    assert x.numpy() is arr and x._version > version


def test_view_of_non_leaf_setitem_gradients(torch):
    """x = a * 1; x[0] = b * 2: a gets the gradient except at x[0], b gets it from x[0]."""
    def f(lib, a, b):
        x = a * 1
        x[0] = b * 2
        return x * x
    check_op(f, _x((3, 4), 5), _x((4,), 6))


def test_inplace_on_a_column_view(torch):
    def f(lib, a):
        x = a * 1
        x[:, 1].mul_(3)
        return x * a
    check_op(f, _x((3, 4), 7))


def test_inplace_on_view_then_use_the_view_and_the_base(torch):
    def f(lib, a, b):
        x = a.clone()
        v = x[1:, :2]
        v.add_(b)
        v.mul_(2)
        return x.sum(0) * v.sum()
    check_op(f, _x((3, 4), 8), _x((2, 2), 9))


def test_inplace_on_view_of_view(torch):
    def f(lib, a, b):
        x = a * 2
        v = x.view(2, 6)[1]
        w = v[2:5]
        w.copy_(b)
        return x.exp()
    check_op(f, _x((3, 4), 10), _x((3,), 11))


def test_inplace_on_base_updates_existing_view_grad(torch):
    def f(lib, a, b):
        x = a * 1
        v = x[0]
        x.mul_(b)
        return v * 3
    check_op(f, _x((3, 4), 12), _x((4,), 13))


def test_buffer_not_requiring_grad_written_with_a_graph_value(torch):
    def f(lib, w):
        buf = lib.zeros(3, 4, dtype=w.dtype, device=w.device)
        buf[1] = w * 2
        buf[:, 0] += w[:3]
        return buf
    check_op(f, _x((4,), 14))


def test_modifying_a_saved_tensor_makes_backward_raise():
    a = edutorch.tensor([1.0, 2.0], requires_grad=True)
    x = a * 1
    y = x * x  # saves x
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modifying_a_saved_output_makes_backward_raise():
    a = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = a.exp()  # saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modifying_through_a_view_is_caught():
    a = edutorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = a * 1
    y = x.sin()  # saves x
    x[1:].zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_not_saved_is_fine(torch):
    def f(lib, a):
        x = a * 2  # MulBackward0 with a Python number saves nothing
        x.add_(1)
        return x.exp()
    check_op(f, _x((3,), 15))


def test_inplace_on_leaf_requiring_grad():
    w = edutorch.ones(3, requires_grad=True)
    for f in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.exp_(),
              lambda: w.__iadd__(1), lambda: w.copy_(edutorch.zeros(3)),
              lambda: w.uniform_()):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            f()
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w[0:2].add_(1)
    with edutorch.no_grad():
        arr = w.numpy() if not w.requires_grad else w.detach().numpy()
        w.add_(1)
        w -= 0.5
        w[0] = 7.0
    assert w.tolist() == [7.0, 1.5, 1.5] and w.requires_grad and w.is_leaf
    assert np.shares_memory(w.detach().numpy(), arr)


def test_manual_sgd_step_under_no_grad_keeps_the_parameter_object():
    w = edutorch.tensor([1.0, -1.0], requires_grad=True)
    arr = w.detach().numpy()
    (w * w).sum().backward()
    with edutorch.no_grad():
        w -= 0.1 * w.grad
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert np.allclose(w.detach().numpy(), [0.8, -0.8]) and w.detach().numpy() is arr


def test_version_counter_is_shared_with_views_and_detach():
    x = edutorch.zeros(4)
    v, d = x[1:], x.detach()
    x.add_(1)
    assert x._version == v._version == d._version == 1
    v.mul_(2)
    assert x._version == 2 and x.tolist() == [1.0, 2.0, 2.0, 2.0]


def test_inplace_dtype_and_shape_errors(torch):
    i = edutorch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        i += 1.5
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        i.div_(2)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the "
                                           r"broadcast shape \[2, 3\]"):
        edutorch.zeros(3).add_(edutorch.zeros(2, 3))
    f = edutorch.zeros(2)
    f += edutorch.tensor([1, 2])  # an int operand is fine: the result casts to float
    assert f.tolist() == [1.0, 2.0] and f.dtype is edutorch.float32
    ti = torch.tensor([1, 2])
    ti += True
    ei = edutorch.tensor([1, 2])
    ei += True
    assert ei.tolist() == ti.tolist() and ei.dtype is edutorch.int64


def test_inplace_into_an_expanded_view_is_refused():
    x = edutorch.zeros(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.add_(1)


def _view_used_then_modified(lib, a):
    x = a * 1
    v = x[:2]
    w = v * 3
    v.add_(1)
    return w.sum() + (x * x).sum()


def _transposed_view(lib, a):
    x = a * 1
    x.t()[0].mul_(5)
    return x * x


def _two_views(lib, a):
    x = a * 1
    v1, v2 = x[:, :2], x[:, 2:4]
    v1.mul_(2)
    v2.add_(v1)
    return x * x


def _exp_on_view(lib, a):
    x = a * 1
    x[1:3].exp_()
    return x * x


def _view_of_reshape(lib, a):
    x = a * 1
    x.view(6, 2)[1].mul_(3)
    return x * x


def _advanced_setitem(lib, a, b):
    x = a * 1
    x[lib.tensor([0, 2])] = b
    return x * x


def _plus_equals_self(lib, a):
    x = a * 1
    x += x
    return x * a


def _masked_fill_on_view(lib, a):
    x = a * 1
    x[1:].masked_fill_(x[1:] > 0, 0.0)
    return x * x


def _copy_into_plain_buffer(lib, a):
    buf = lib.zeros(3, 4, dtype=a.dtype, device=a.device)
    buf.copy_(a * 2)
    return buf * a


def _fill_with_tensor(lib, a, b):
    x = a * 1
    x.fill_(b[0])
    return x * a


def _squeeze_view(lib, a):
    x = a * 2
    x.unsqueeze(0).squeeze(0).mul_(a)
    return x.exp()


SCENARIOS = {f.__name__.lstrip("_"): f for f in (
    _view_used_then_modified, _transposed_view, _two_views, _exp_on_view, _view_of_reshape,
    _advanced_setitem, _plus_equals_self, _masked_fill_on_view, _copy_into_plain_buffer,
    _fill_with_tensor, _squeeze_view)}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_inplace_scenarios_match_torch(name):
    f = SCENARIOS[name]
    args = (_x((3, 4), 16),) if f.__code__.co_argcount == 2 else (_x((3, 4), 16), _x((4,), 17))
    check_op(f, *args)


def test_retain_grad_follows_the_tensor_through_inplace(torch):
    """x.grad after retain_grad() is the gradient of x's latest value, as in PyTorch."""
    res = {}
    for lib in (edutorch, torch):
        a = lib.ones(3, requires_grad=True)
        x = a * 2
        x.retain_grad()
        x.mul_(3)
        (x * x).sum().backward()
        res[lib.__name__] = (x.grad.tolist(), a.grad.tolist())
    assert res["edutorch"] == res["torch"]


def test_hook_registered_before_inplace_sees_the_old_value_gradient(torch):
    res = {}
    for lib in (edutorch, torch):
        a = lib.ones(2, requires_grad=True)
        x = a * 2
        seen = []
        x.register_hook(lambda g, seen=seen: seen.append(g.tolist()))
        x.mul_(3)
        x.sum().backward()
        res[lib.__name__] = seen
    assert res["edutorch"] == res["torch"] == [[3.0, 3.0]]
