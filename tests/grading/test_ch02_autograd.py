"""Graders for chapter 2 (exercises/ch02_autograd.py): compared with edutorch's autograd, with
finite differences computed here, and (for the graph) by the properties a backward order needs.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
from gradelib import assert_close, call_exercise, helper_hint, library_grads

import edutorch
from edutorch.autograd import Function, gradcheck

# (broadcast shape, original shape): original broadcasts to the first
SUM_TO_SHAPE_CASES = [
    ((2, 3, 4), (3, 1)),
    ((2, 3), ()),
    ((5,), (1,)),
    ((3, 4), (4,)),
    ((2, 3), (1, 1)),
    ((2, 3), (2, 3)),
    ((2, 3, 4, 5), (3, 1, 5)),
    ((3, 4), (3, 1)),
    ((1, 4), (1, 4)),
    ((6, 2), (1,)),
    ((2, 1, 3), (1, 1, 1)),
]


@pytest.mark.grades("sum_to_shape")
@pytest.mark.parametrize("big, shape", SUM_TO_SHAPE_CASES, ids=str)
def test_sum_to_shape_matches_autograd_of_broadcasting(ex, big, shape):
    rng = np.random.default_rng(20)
    grad = rng.standard_normal(big)
    # autograd's gradient of x broadcast to ``big`` (x + zeros) is exactly sum-to-shape
    _, (expected,) = library_grads(lambda x: x + edutorch.zeros(big, dtype=edutorch.float64),
                                   np.zeros(shape), grad_out=grad)
    got = ex.sum_to_shape(grad.copy(), shape)
    what = f"sum_to_shape(grad of shape {big}, {shape})"
    try:
        assert_close(got, expected, what)
    except AssertionError as err:
        raise AssertionError(f"{err}{_averaged_hint(got, expected, big, shape)}") from None


def _averaged_hint(got, expected, big, shape) -> str:
    """The typical mistake: a mean over the broadcast copies instead of their sum."""
    copies = int(np.prod(big)) // max(int(np.prod(shape)), 1)
    got = np.asarray(got)
    if copies > 1 and got.shape == expected.shape and np.allclose(got * copies, expected):
        return (f". Your answer is the library's divided by {copies}, the number of copies "
                f"broadcasting made of each entry: you averaged them (mean) instead of adding "
                f"them (sum). Each copy was used once in the forward pass, so each copy's "
                f"gradient counts in full: the chain rule sums over paths")
    return ""


MUL_CASES = [
    ((3, 4), (4,)),
    ((2, 1, 3), (4, 1)),
    ((), (2, 3)),
    ((5,), (5,)),
    ((1, 3), (2, 1)),
    ((2, 3, 4), (2, 3, 4)),
    ((3, 1), (1,)),
]


@pytest.mark.grades("mul_backward")
@pytest.mark.parametrize("a_shape, b_shape", MUL_CASES, ids=str)
def test_mul_backward_matches_autograd(ex, a_shape, b_shape):
    rng = np.random.default_rng(21)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    grad = rng.standard_normal(np.broadcast_shapes(a_shape, b_shape))
    _, (ga, gb) = library_grads(lambda x, y: x * y, a, b, grad_out=grad)
    case = f" for a{a_shape} * b{b_shape}"
    got_a, got_b = call_exercise(ex, "mul_backward", grad.copy(), a.copy(), b.copy(), case=case)
    for name, got, expected, other, mine in (("grad_a", got_a, ga, b, a_shape),
                                             ("grad_b", got_b, gb, a, b_shape)):
        try:
            assert_close(got, expected, f"{name}{case}")
        except AssertionError as err:
            hint = helper_hint(ex, "sum_to_shape", (grad * other, mine), expected,
                               f" on (grad of shape {grad.shape}, {mine})")
            raise AssertionError(f"{err}.{hint}") from None


def finite_difference(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The grader's own central differences (never the reader's)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


@pytest.mark.grades("mul_backward")
def test_mul_backward_matches_finite_differences(ex):
    rng = np.random.default_rng(22)
    a, b = rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 1))
    grad = rng.standard_normal((2, 4, 3))
    got_a, got_b = ex.mul_backward(grad.copy(), a.copy(), b.copy())
    # L = sum(grad * a * b); dL/da and dL/db by finite differences
    assert_close(got_a, finite_difference(lambda v: float(np.sum(grad * v * b)), a),
                 "grad_a vs finite differences", rtol=1e-5, atol=1e-7)
    assert_close(got_b, finite_difference(lambda v: float(np.sum(grad * a * v)), b),
                 "grad_b vs finite differences", rtol=1e-5, atol=1e-7)


MATMUL_CASES = [
    ((3, 4), (4, 5)),
    ((4, 3), (3, 4)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 3, 4), (2, 4, 5)),
    ((1, 1), (1, 1)),
    ((2, 3, 1), (2, 1, 3)),
]


@pytest.mark.grades("matmul_backward")
@pytest.mark.parametrize("a_shape, b_shape", MATMUL_CASES, ids=str)
def test_matmul_backward_matches_autograd(ex, a_shape, b_shape):
    rng = np.random.default_rng(23)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    grad = rng.standard_normal(np.matmul(a, b).shape)
    _, (ga, gb) = library_grads(lambda x, y: x @ y, a, b, grad_out=grad)
    case = f" for a{a_shape} @ b{b_shape}"
    got_a, got_b = call_exercise(ex, "matmul_backward", grad.copy(), a.copy(), b.copy(),
                                 case=case)
    full_a, full_b = grad @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ grad
    for name, got, expected, full, shape in (("grad_a", got_a, ga, full_a, a_shape),
                                             ("grad_b", got_b, gb, full_b, b_shape)):
        try:
            assert_close(got, expected, f"{name}{case}")
        except AssertionError as err:
            hint = ""
            if np.shape(got) == full.shape != tuple(shape):
                hint = (f" Your {name} has the broadcast batch shape {full.shape}: sum it "
                        f"back to {tuple(shape)} (sum_to_shape), since the batch "
                        f"broadcasting reused the same matrix for every batch entry.")
            hint += helper_hint(ex, "sum_to_shape", (full, shape), expected,
                                f" on (grad of shape {full.shape}, {tuple(shape)})")
            raise AssertionError(f"{err}.{hint}") from None


@pytest.mark.grades("matmul_backward")
def test_matmul_backward_matches_finite_differences(ex):
    rng = np.random.default_rng(24)
    a, b = rng.standard_normal((2, 1, 2, 3)), rng.standard_normal((3, 3, 2))
    grad = rng.standard_normal((2, 3, 2, 2))
    got_a, got_b = ex.matmul_backward(grad.copy(), a.copy(), b.copy())
    assert_close(got_a, finite_difference(lambda v: float(np.sum(grad * (v @ b))), a),
                 "grad_a vs finite differences", rtol=1e-5, atol=1e-7)
    assert_close(got_b, finite_difference(lambda v: float(np.sum(grad * (a @ v))), b),
                 "grad_b vs finite differences", rtol=1e-5, atol=1e-7)


# -- topological sort: graphs built by edutorch, checked by the properties backward needs ------

def _leaf(*shape):
    return edutorch.randn(*shape, dtype=edutorch.float64, requires_grad=True)


def graph_simple():
    x, w = _leaf(3), _leaf(3)
    return (x * w).sum()


def graph_diamond():
    x = _leaf(4)
    a = x * 2
    b = a * 3
    c = a + b  # c needs a twice: directly and through b
    return c.exp().sum()


def graph_shared_leaf():
    x = _leaf(2, 2)
    return (x * x).sum()


def graph_mlp():
    x, w1, b1, w2 = _leaf(5, 3), _leaf(3, 4), _leaf(4), _leaf(4, 1)
    h = (x @ w1 + b1).relu()
    return (h @ w2).sigmoid().mean()


def graph_views():
    x = _leaf(2, 6)
    y = x.reshape(3, 4)[:, 1:].transpose(0, 1)
    return (y * y.sum(0)).sum()


def graph_two_paths_of_different_length():
    x = _leaf(3)
    a = x.tanh()
    long = a
    for _ in range(5):
        long = long * 1.5
    return (long + a.sin() + x).sum()


DEPTH = 3000


def graph_deep_chain():
    x = _leaf(2)
    h = x
    for _ in range(DEPTH):  # deeper than Python's recursion limit
        h = h * 0.999 + x
    return h.sum()


GRAPHS = [graph_simple, graph_diamond, graph_shared_leaf, graph_mlp, graph_views,
          graph_two_paths_of_different_length]


def reachable(root_fn) -> set:
    seen, todo = {root_fn}, [root_fn]
    while todo:
        for child, _ in todo.pop().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def check_backward_order(order, root) -> None:
    assert isinstance(order, (list, tuple)), \
        f"topological_sort must return a list of nodes, got {type(order).__name__}"
    assert all(n is not None for n in order), "the order contains None (skip None children)"
    ids = [id(n) for n in order]
    assert len(set(ids)) == len(ids), "a node appears more than once"
    expected = reachable(root.grad_fn)
    got = set(order)
    missing, extra = expected - got, got - expected
    assert not missing, (f"{len(missing)} reachable nodes are missing, e.g. "
                         f"{next(iter(missing)).name()}")
    assert not extra, f"{len(extra)} nodes are not in root's graph"
    assert order[0] is root.grad_fn, \
        f"the first node must be root.grad_fn ({root.grad_fn.name()}), got {order[0].name()}"
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child, _ in node.next_functions:
            if child is not None and position[id(child)] < position[id(node)]:
                raise AssertionError(
                    f"{child.name()} (position {position[id(child)]}) comes before "
                    f"{node.name()} (position {position[id(node)]}), which sends gradient to "
                    f"it: backward would run it before all its gradient has arrived")


@pytest.mark.grades("topological_sort")
@pytest.mark.parametrize("build", GRAPHS, ids=lambda f: f.__name__)
def test_topological_sort_gives_a_backward_order(ex, build):
    root = build()
    check_backward_order(ex.topological_sort(root), root)


@pytest.mark.grades("topological_sort")
def test_topological_sort_of_a_deep_graph(ex):
    root = graph_deep_chain()
    nodes = len(reachable(root.grad_fn))
    try:
        order = ex.topological_sort(root)
    except RecursionError:
        raise AssertionError(
            f"topological_sort raised RecursionError on a chain {DEPTH} operations deep "
            f"({nodes} nodes): a recursive depth-first search uses one Python stack frame per "
            f"level of the graph, and Python stops at about {sys.getrecursionlimit()}. Keep "
            f"your own stack (a list of (node, children_done) pairs) instead of recursing, "
            f"as the book's iterative sort does (chapter 2, autograd from scratch)") from None
    check_backward_order(order, root)


# -- numerical gradients, compared with autograd ----------------------------------------------

NUMGRAD_FUNCTIONS = [
    ("sum(exp(2x))", (3, 4), lambda x: (2 * x).exp().sum()),
    ("sum(tanh(x x^T))", (3, 2), lambda x: (x @ x.mT).tanh().sum()),
    ("||x||", (5,), lambda x: (x * x).sum().sqrt()),
    ("x^3 of a scalar", (), lambda x: x ** 3),
    ("sum(logsumexp(x, 0))", (2, 3, 2), lambda x: x.logsumexp(0).sum()),
    ("sum(sigmoid(x) * x)", (4, 1), lambda x: (x.sigmoid() * x).sum()),
]


def _as_numpy_function(fn):
    return lambda a: float(fn(edutorch.from_numpy(a)).item())


@pytest.mark.grades("numerical_gradient")
@pytest.mark.parametrize("name, shape, fn", NUMGRAD_FUNCTIONS,
                         ids=[c[0] for c in NUMGRAD_FUNCTIONS])
def test_numerical_gradient_matches_autograd(ex, name, shape, fn):
    rng = np.random.default_rng(25)
    x = np.array(rng.uniform(-1, 1, shape) + (1.5 if name == "||x||" else 0.0))
    _, (expected,) = library_grads(fn, x)
    x_before = x.copy()
    # central differences are accurate to ~1e-10 here; one-sided ones only to ~1e-5
    got = ex.numerical_gradient(_as_numpy_function(fn), x, eps=1e-5)
    assert np.array_equal(x, x_before), "numerical_gradient changed x (put each element back)"
    try:
        assert_close(got, expected, f"numerical gradient of {name} at x of shape {shape}",
                     rtol=1e-7, atol=1e-9)
    except AssertionError as err:
        raise AssertionError(f"{err}{_one_sided_hint(fn, x, got, expected, 1e-5)}") from None


def _one_sided_hint(fn, x, got, expected, eps) -> str:
    """The typical mistake: (f(x + eps) - f(x)) / eps, whose error is O(eps), not O(eps^2)."""
    f = _as_numpy_function(fn)
    base, one_sided = f(x.copy()), np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up = x.copy()
        up[i] += eps
        one_sided[i] = (f(up) - base) / eps
    got = np.asarray(got, dtype=np.float64)
    if got.shape != x.shape:
        return ""
    if np.abs(got - one_sided).max() < np.abs(got - expected).max() / 10:
        return (f". Your numbers match the one-sided difference (f(x + eps) - f(x)) / eps, "
                f"whose error shrinks only like eps ({np.abs(one_sided - expected).max():.1e} "
                f"here, eps = {eps:g}); the central difference "
                f"(f(x + eps) - f(x - eps)) / (2 eps) cancels the eps term and is accurate "
                f"to about eps^2")
    return ""


@pytest.mark.grades("numerical_gradient")
def test_numerical_gradient_default_eps(ex):
    fn = NUMGRAD_FUNCTIONS[0][2]
    x = np.random.default_rng(26).uniform(-1, 1, (2, 3))
    _, (expected,) = library_grads(fn, x)
    assert_close(ex.numerical_gradient(_as_numpy_function(fn), x), expected,
                 "numerical gradient with the default eps", rtol=1e-6, atol=1e-8)


# -- gradient checking: the reader's verdict against edutorch.autograd.gradcheck ----------------

class WrongSquare(Function):
    """x^2 whose backward says 3x instead of 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * g


class SlightlyWrongExp(Function):
    """exp(x) whose backward is 1% too large."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return 1.01 * y * g


class WrongOnlyForNegatives(Function):
    """relu-like softplus whose backward forgets the negative side."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0).to(x.dtype)


CHECK_CASES = [
    ("correct: sum(x^2 sin x)", (3, 2), lambda x: (x * x * x.sin()).sum(), True),
    ("correct: mean(softmax(x)^2)", (4,), lambda x: (x.softmax(0) ** 2).mean(), True),
    ("correct: x @ x^T trace", (2, 3), lambda x: (x @ x.mT).diagonal().sum(), True),
    ("wrong: backward 3x for x^2", (3,), lambda x: WrongSquare.apply(x).sum(), False),
    ("wrong: exp backward 1% off", (2, 2), lambda x: SlightlyWrongExp.apply(x).sum(), False),
    ("wrong: softplus backward", (5,), lambda x: WrongOnlyForNegatives.apply(x).sum(), False),
]


@pytest.mark.grades("check_gradient")
@pytest.mark.parametrize("name, shape, fn, correct", CHECK_CASES,
                         ids=[c[0] for c in CHECK_CASES])
def test_check_gradient_agrees_with_gradcheck(ex, name, shape, fn, correct):
    x = np.random.default_rng(27).uniform(-1.5, 1.5, shape)
    expected = gradcheck(fn, (edutorch.tensor(x, requires_grad=True),), raise_exception=False)
    assert expected == correct  # the grader's own sanity check on its cases
    got = ex.check_gradient(fn, x.copy())
    assert isinstance(got, (bool, np.bool_)), f"check_gradient returned {type(got).__name__}"
    assert bool(got) == expected, (f"check_gradient said {bool(got)} for {name}; "
                                   f"edutorch.autograd.gradcheck says {expected}")
