"""Elementwise ops: arithmetic (with reflected Python-number forms), comparisons, unary maths.

Each op: forward and backward against PyTorch in float64 and float32 (``check_op``), and
gradcheck in float64. Hypothesis draws broadcastable shape pairs for the binary ops.
"""
import warnings

import numpy as np
import pytest
from helpers import check_double_backward, check_op, random_array
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import edutorch

# Inputs are kept away from the points where an op is not differentiable (|x| >= 0.5, or
# positive where the op needs it), so that finite differences are meaningful.
Rng = np.random.default_rng


def _x(shape=(3, 4), seed=0, **kw):
    return random_array(Rng(seed), shape, **kw)


# name -> (fn(lib, x, y), kwargs for x, kwargs for y)
BINARY = {
    "add": (lambda lib, x, y: x + y, {}, {}),
    "sub": (lambda lib, x, y: x - y, {}, {}),
    "mul": (lambda lib, x, y: x * y, {}, {}),
    "div": (lambda lib, x, y: x / y, {}, {"away_from_zero": True}),
    "pow": (lambda lib, x, y: x ** y, {"positive": True}, {}),
    "remainder": (lambda lib, x, y: x % y, {}, {"away_from_zero": True}),
    "add_alpha": (lambda lib, x, y: lib.add(x, y, alpha=2.5), {}, {}),
    "sub_alpha": (lambda lib, x, y: lib.sub(x, y, alpha=-1.5), {}, {}),
    "maximum": (lambda lib, x, y: lib.maximum(x, y), {}, {}),
    "minimum": (lambda lib, x, y: lib.minimum(x, y), {}, {}),
    "method_add": (lambda lib, x, y: x.add(y), {}, {}),
    "method_mul": (lambda lib, x, y: x.mul(y), {}, {}),
    "method_div": (lambda lib, x, y: x.div(y), {}, {"away_from_zero": True}),
    "method_pow": (lambda lib, x, y: x.pow(y), {"positive": True}, {}),
}

# name -> (fn(lib, x), kwargs for x)
UNARY = {
    "neg": (lambda lib, x: -x, {}),
    "neg_fn": (lambda lib, x: lib.neg(x), {}),
    "abs": (lambda lib, x: lib.abs(x), {"away_from_zero": True}),
    "abs_op": (lambda lib, x: abs(x), {"away_from_zero": True}),
    "exp": (lambda lib, x: lib.exp(x), {}),
    "log": (lambda lib, x: lib.log(x), {"positive": True}),
    "log1p": (lambda lib, x: lib.log1p(x), {"positive": True}),
    "expm1": (lambda lib, x: lib.expm1(x), {}),
    "sqrt": (lambda lib, x: lib.sqrt(x), {"positive": True}),
    "rsqrt": (lambda lib, x: lib.rsqrt(x), {"positive": True}),
    "sin": (lambda lib, x: lib.sin(x), {}),
    "cos": (lambda lib, x: lib.cos(x), {}),
    "tanh": (lambda lib, x: lib.tanh(x), {}),
    "sigmoid": (lambda lib, x: lib.sigmoid(x), {}),
    "relu": (lambda lib, x: lib.relu(x), {"away_from_zero": True}),
    "reciprocal": (lambda lib, x: lib.reciprocal(x), {"away_from_zero": True}),
    "square": (lambda lib, x: lib.square(x), {}),
    "clamp": (lambda lib, x: lib.clamp(x, -0.25, 0.75), {"low": -2.0, "high": 2.0}),
    "clamp_min": (lambda lib, x: x.clamp(min=0.1), {"low": -2.0, "high": 2.0}),
    "clamp_max": (lambda lib, x: x.clamp(max=0.1), {"low": -2.0, "high": 2.0}),
    "sign": (lambda lib, x: lib.sign(x), {"away_from_zero": True}),
    "floor": (lambda lib, x: lib.floor(x), {"low": 0.1, "high": 0.9}),
    "ceil": (lambda lib, x: lib.ceil(x), {"low": 0.1, "high": 0.9}),
    "round": (lambda lib, x: lib.round(x), {"low": 0.1, "high": 0.4}),
    "pow_int": (lambda lib, x: x ** 3, {}),
    "pow_2": (lambda lib, x: x ** 2, {}),
    "pow_float": (lambda lib, x: x ** 1.5, {"positive": True}),
    "pow_neg": (lambda lib, x: x ** -0.5, {"positive": True}),
    "pow_0": (lambda lib, x: x ** 0, {}),
    "pow_fn": (lambda lib, x: lib.pow(x, 2.5), {"positive": True}),
    # reflected forms with Python numbers
    "radd": (lambda lib, x: 2.5 + x, {}),
    "add_scalar": (lambda lib, x: x + 2, {}),
    "rsub": (lambda lib, x: 2.5 - x, {}),
    "sub_scalar": (lambda lib, x: x - 1.5, {}),
    "rmul": (lambda lib, x: 3 * x, {}),
    "mul_scalar": (lambda lib, x: x * -0.5, {}),
    "rdiv": (lambda lib, x: 3.0 / x, {"away_from_zero": True}),
    "div_scalar": (lambda lib, x: x / 4, {}),
    "rpow": (lambda lib, x: 2.0 ** x, {}),
    "rpow_int": (lambda lib, x: 3 ** x, {}),
    "mod_scalar": (lambda lib, x: x % 0.7, {"low": 0.1, "high": 0.6}),
    "rmod": (lambda lib, x: 1.25 % x, {"low": 2.0, "high": 3.0}),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op(name):
    fn, kx, ky = BINARY[name]
    check_op(fn, _x(seed=1, **kx), _x(seed=2, **ky))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op(name):
    fn, kx = UNARY[name]
    grad = name != "rmod"  # PyTorch has no derivative for number % tensor (tested below)
    check_op(fn, _x(seed=3, **kx), grad=grad)


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "sub", "maximum"])
def test_binary_op_broadcasting_shapes(name):
    fn, kx, ky = BINARY[name]
    check_op(fn, _x((2, 1, 4), seed=4, **kx), _x((3, 1), seed=5, **ky))
    check_op(fn, _x((), seed=6, **kx), _x((2, 3), seed=7, **ky))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_derivative(name):
    """d2/dx2 through create_graph=True for every elementwise op, against PyTorch."""
    if name in ("rmod",):
        pytest.skip("no first derivative in PyTorch")
    fn, kx = UNARY[name]
    check_double_backward(fn, _x((2, 3), seed=8, **kx))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_second_derivative(name):
    fn, kx, ky = BINARY[name]
    check_double_backward(fn, _x((2, 3), seed=9, **kx), _x((3,), seed=10, **ky))


def test_reflected_rmod_without_grad_matches(torch):
    x = _x(seed=11, low=2.0, high=3.0)
    check_op(lambda lib, t: 1.25 % t, x, grad=False)


def test_floor_divide_values_and_no_gradient(torch):
    x, y = _x(seed=12), _x(seed=13, away_from_zero=True)
    check_op(lambda lib, a, b: a // b, x, y, grad=False)
    check_op(lambda lib, a: a // 0.3, x, grad=False)
    check_op(lambda lib, a: 7 // a, x, grad=False)
    a = edutorch.tensor(x, requires_grad=True)
    with pytest.raises(RuntimeError):  # PyTorch: "derivative ... is not implemented"
        (a // 0.3).sum().backward()


COMPARISONS = {
    "eq": lambda lib, x, y: x == y, "ne": lambda lib, x, y: x != y,
    "lt": lambda lib, x, y: x < y, "le": lambda lib, x, y: x <= y,
    "gt": lambda lib, x, y: x > y, "ge": lambda lib, x, y: x >= y,
    "eq_fn": lambda lib, x, y: lib.eq(x, y), "gt_fn": lambda lib, x, y: lib.gt(x, y),
}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparison(name):
    fn = COMPARISONS[name]
    x = np.array([[1.0, 2.0, 3.0], [4.0, -1.0, 0.0]])
    y = np.array([1.0, 3.0, 2.0])
    out = check_op(fn, x, y, grad=False)[0]
    assert out.dtype is edutorch.bool and not out.requires_grad
    check_op(lambda lib, a: fn(lib, a, 2.0), x, grad=False)
    check_op(lambda lib, a: fn(lib, a, 2), x.astype(np.int64), grad=False)


def test_comparison_results_do_not_require_grad():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    for out in (x > 1, x == x, x <= 0.5, x != 2):
        assert out.dtype is edutorch.bool
        assert not out.requires_grad and out.grad_fn is None


def test_maximum_minimum_ties_split_gradient(torch):
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 5.0, 3.0])
    check_op(lambda lib, a, b: lib.maximum(a, b), x, y, gradcheck_=False)
    check_op(lambda lib, a, b: lib.minimum(a, b), x, y, gradcheck_=False)


def test_relu_gradient_is_a_select_not_a_product(torch):
    """Where relu's output is <= 0 the gradient is exactly 0, even if the incoming gradient is
    inf or NaN there (0 * inf would be NaN); at a NaN input it passes, as in PyTorch."""
    x = [-1.0, 0.0, 2.0, float("nan")]
    g = [float("inf"), float("nan"), 3.0, 5.0]
    got = []
    for lib in (edutorch, torch):
        t = lib.tensor(x, requires_grad=True)
        lib.relu(t).backward(lib.tensor(g))
        got.append(t.grad.numpy())
    np.testing.assert_array_equal(got[0], [0.0, 0.0, 3.0, 5.0])
    np.testing.assert_array_equal(got[0], got[1])
    # large float16 gradients: exact, and no overflow warning from the finiteness check
    t = edutorch.tensor([1.0, -1.0, 2.0], dtype=edutorch.float16, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        edutorch.relu(t).backward(edutorch.full((3,), 60000.0, dtype=edutorch.float16))
    np.testing.assert_array_equal(t.grad.numpy(), [60000.0, 0.0, 60000.0])


def test_clamp_with_tensor_bounds(torch):
    x, lo, hi = _x((3, 4), seed=14), _x((4,), seed=15) - 1.0, _x((3, 1), seed=16) + 1.5
    check_op(lambda lib, a, b, c: lib.clamp(a, min=b, max=c), x, lo, hi)


def test_clamp_integer_tensor(torch):
    check_op(lambda lib, a: lib.clamp(a, 0, 3), np.arange(-3, 6), grad=False)
    check_op(lambda lib, a: lib.clamp(a, 0.5, 3.5), np.arange(-3, 6), grad=False)


def test_where(torch):
    c = _x((3, 4), seed=17) > 0
    check_op(lambda lib, cond, a, b: lib.where(cond, a, b), c, _x((3, 4), seed=18),
             _x((4,), seed=19))
    check_op(lambda lib, cond, a: lib.where(cond, a, 0.0), c, _x((3, 4), seed=20))
    check_op(lambda lib, cond, a: lib.where(cond, 1.5, a), c, _x((1, 4), seed=21))
    check_op(lambda lib, cond, a: a.where(cond, -a), c, _x((3, 4), seed=22))


def test_exp_of_large_and_sigmoid_saturation(torch):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    out = check_op(lambda lib, a: lib.sigmoid(a), x, gradcheck_=False)[0]
    assert np.isfinite(out.detach().cpu().numpy()).all()


def test_integer_inputs_of_float_ops(torch):
    """exp/sqrt/... of an integer tensor give the default float dtype, like PyTorch."""
    ints = np.array([[1, 2, 3], [4, 5, 6]])
    for f in (lambda lib, a: lib.exp(a), lambda lib, a: lib.sqrt(a), lambda lib, a: a / 2,
              lambda lib, a: lib.sigmoid(a), lambda lib, a: lib.log(a), lambda lib, a: a * 1.5,
              lambda lib, a: a ** 2, lambda lib, a: lib.abs(-a), lambda lib, a: -a,
              lambda lib, a: lib.tanh(a), lambda lib, a: lib.sin(a), lambda lib, a: 2 ** a,
              lambda lib, a: lib.reciprocal(a), lambda lib, a: lib.rsqrt(a),
              lambda lib, a: lib.relu(a - 3), lambda lib, a: a % 4, lambda lib, a: a // 4):
        check_op(f, ints, grad=False)


# ---------------------------------------------------------------------------------------------
# Hypothesis: broadcasting shapes for binary ops
# ---------------------------------------------------------------------------------------------

_shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1,
                                            max_side=3)


@settings(max_examples=25, deadline=None)
@given(shapes=_shapes, op=st.sampled_from(["add", "sub", "mul", "div", "maximum", "pow"]),
       seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting_hypothesis(shapes, op, seed):
    fn, kx, ky = BINARY[op]
    a = random_array(Rng(seed), shapes.input_shapes[0], **kx)
    b = random_array(Rng(seed + 1), shapes.input_shapes[1], **ky)
    ref = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
           "maximum": np.maximum, "pow": np.power}[op]
    out = check_op(fn, a, b, expected=lambda x, y: ref(x, y))[0]
    assert tuple(out.shape) == shapes.result_shape


def test_rmod_backward_raises_clearly():
    """PyTorch has no derivative of number % tensor w.r.t. the tensor: edutorch says so."""
    x = edutorch.tensor([2.5, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="remainder"):
        (1.25 % x).sum().backward()



def test_integer_tensor_to_negative_integer_power_follows_torch(torch):
    """A negative integer *tensor* exponent is defined (1, +-1 for base -1, else 0); a negative
    *number* exponent of an integer tensor is refused, as in PyTorch."""
    assert (2 ** edutorch.tensor([-1, 2])).tolist() == (2 ** torch.tensor([-1, 2])).tolist()
    base, exp = [0, 1, -1, 2, -3, 7], [-1, -2, -3, -1, 0, 2]
    assert (edutorch.tensor(base) ** edutorch.tensor(exp)).tolist() == \
        (torch.tensor(base) ** torch.tensor(exp)).tolist()
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not "
                                           "allowed"):
        edutorch.tensor([2]) ** -1
    assert (edutorch.tensor([2.0]) ** edutorch.tensor([-1])).tolist() == [0.5]
