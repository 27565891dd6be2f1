"""``autograd.Function`` exactly as PyTorch's tutorials write it: ``ctx.save_for_backward``,
``ctx.saved_tensors``, ``ctx.needs_input_grad``, ``ctx.mark_non_differentiable``,
``Function.apply`` and the ``setup_context`` style; double backward through a Function."""
import numpy as np
import pytest
from helpers import assert_close, random_array

import edutorch
from edutorch.autograd import Function, gradcheck, gradgradcheck


def _x(shape=(3,), seed=0):
    return random_array(np.random.default_rng(seed), shape)


def make_functions(lib):
    """The tutorial's Functions, written once against ``lib`` (edutorch or torch)."""
    F = lib.autograd.Function
    return {**_tutorial_functions(F), **_saved_output_functions(F)}


def _tutorial_functions(F):
    """The Functions of PyTorch's tutorials: ctx.save_for_backward, setup_context,
    needs_input_grad and a non-tensor argument."""

    class LegendrePolynomial3(F):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class LinearFunction(F):
        @staticmethod
        def forward(input, weight, bias):
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(F):
        @staticmethod
        def forward(tensor, constant):
            return tensor * constant

        @staticmethod
        def setup_context(ctx, inputs, output):
            tensor, constant = inputs
            ctx.constant = constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    return dict(LegendrePolynomial3=LegendrePolynomial3, LinearFunction=LinearFunction,
                MulConstant=MulConstant)


def _saved_output_functions(F):
    """Functions that save an output (double backward goes through it) or mark one
    non-differentiable."""

    class Exp(F):  # saves its output
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            result, = ctx.saved_tensors
            return grad_output * result

    class MyCube(F):  # two outputs, one of them saved: double backward works through it
        @staticmethod
        def forward(x):
            result = x ** 3
            dx = 3 * x ** 2
            return result, dx

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, = inputs
            result, dx = output
            ctx.save_for_backward(x, dx)

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x

    class ExpAndMask(F):  # one output is marked non-differentiable
        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(mask)
            out = x.exp()
            ctx.save_for_backward(out)
            return out, mask

        @staticmethod
        def backward(ctx, g_out, g_mask):
            out, = ctx.saved_tensors
            return g_out * out

    return dict(Exp=Exp, MyCube=MyCube, ExpAndMask=ExpAndMask)


E = make_functions(edutorch)


def _both(torch, arrays, fn_name, call):
    """Run ``call(F, *tensors)`` with the Function in both libraries; backward of the sum;
    compare outputs and gradients."""
    T = make_functions(torch)
    e_in = [edutorch.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_out, t_out = call(E[fn_name], *e_in), call(T[fn_name], *t_in)
    assert_close(e_out, t_out)
    (e_out * e_out).sum().backward()
    (t_out * t_out).sum().backward()
    for a, b in zip(e_in, t_in):
        assert_close(a.grad, b.grad)


def test_legendre_polynomial_tutorial(torch):
    _both(torch, [_x((5,), 1)], "LegendrePolynomial3", lambda F, x: F.apply(x))


def test_linear_function_with_setup_context(torch):
    _both(torch, [_x((4, 3), 2), _x((2, 3), 3), _x((2,), 4)], "LinearFunction",
          lambda F, x, w, b: F.apply(x, w, b))


def test_linear_function_gradcheck_and_needs_input_grad():
    x = edutorch.tensor(_x((4, 3), 5), requires_grad=True)
    w = edutorch.tensor(_x((2, 3), 6), requires_grad=True)
    b = edutorch.tensor(_x((2,), 7))  # no grad: needs_input_grad[2] is False
    assert gradcheck(E["LinearFunction"].apply, (x, w, b))
    out = E["LinearFunction"].apply(x, w, b)
    assert out.grad_fn.needs_input_grad == (True, True, False)
    assert E["LinearFunction"].apply(x, w, None).shape == (4, 2)


def test_non_tensor_argument_and_ctx_attribute(torch):
    _both(torch, [_x((3,), 8)], "MulConstant", lambda F, x: F.apply(x, 2.5))
    out = E["MulConstant"].apply(edutorch.ones(2, requires_grad=True), 3.0)
    assert out.grad_fn.constant == 3.0 and len(out.grad_fn.needs_input_grad) == 2


def test_saved_output_and_double_backward(torch):
    _both(torch, [_x((3,), 9)], "Exp", lambda F, x: F.apply(x))
    x = edutorch.tensor(_x((3,), 10), requires_grad=True)
    assert gradcheck(E["Exp"].apply, (x,))
    assert gradgradcheck(E["Exp"].apply, (x,))


def test_my_cube_double_backward_tutorial(torch):
    _both(torch, [_x((3,), 11)], "MyCube", lambda F, x: F.apply(x)[0])
    x = edutorch.tensor(_x((3,), 12), requires_grad=True)
    assert gradcheck(lambda t: E["MyCube"].apply(t), (x,))
    assert gradgradcheck(lambda t: E["MyCube"].apply(t), (x,))
    # against PyTorch: grad of grad
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    for lib, v, F in ((edutorch, x, E["MyCube"]), (torch, tx, make_functions(torch)["MyCube"])):
        (g,) = lib.autograd.grad(F.apply(v)[0].sum(), v, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), v)
        v.h = h
    assert_close(x.h, tx.h)


def test_mark_non_differentiable(torch):
    x = edutorch.tensor([-1.0, 2.0], requires_grad=True)
    out, mask = E["ExpAndMask"].apply(x)
    assert out.requires_grad and not mask.requires_grad
    assert mask.tolist() == [0.0, 1.0]
    out.sum().backward()
    assert np.allclose(x.grad.numpy(), np.exp([-1.0, 2.0]))


def test_apply_records_one_node_named_after_the_function():
    x = edutorch.ones(2, requires_grad=True)
    y = E["Exp"].apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    assert "grad_fn=<ExpBackward>" in repr(y)
    assert y.grad_fn.next_functions[0][0].variable is x


def test_forward_runs_without_recording():
    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            inner = x * 2
            Probe.inner_requires_grad = inner.requires_grad
            return inner

        @staticmethod
        def backward(ctx, g):
            return g * 2
    y = Probe.apply(edutorch.ones(2, requires_grad=True))
    assert Probe.inner_requires_grad is False and y.requires_grad


def test_apply_under_no_grad_records_nothing():
    x = edutorch.ones(2, requires_grad=True)
    with edutorch.no_grad():
        y = E["Exp"].apply(x)
    assert not y.requires_grad and y.grad_fn is None


def test_wrong_number_of_gradients_is_an_error():
    class TwoInputs(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g  # one gradient for two inputs
    a, b = edutorch.ones(2, requires_grad=True), edutorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TwoInputs.apply(a, b).sum().backward()


def test_wrong_gradient_shape_is_an_error():
    class BadShape(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return edutorch.ones(5)
    with pytest.raises(RuntimeError, match="invalid gradient"):
        BadShape.apply(edutorch.ones(2, requires_grad=True)).sum().backward()


def test_instantiating_a_function_is_refused():
    with pytest.raises(RuntimeError, match="static forward"):
        E["Exp"]()


def test_modifying_a_saved_input_in_place_is_caught():
    x = edutorch.ones(3, requires_grad=True)
    h = x * 1
    y = E["LegendrePolynomial3"].apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_once_differentiable_backward_has_no_graph():
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @edutorch.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x
    x = edutorch.tensor([1.5], requires_grad=True)
    (g,) = edutorch.autograd.grad(Sq.apply(x), x, create_graph=True)
    assert g.tolist() == [3.0]
    with pytest.raises(RuntimeError):  # no second derivative through a once_differentiable
        edutorch.autograd.grad(g.sum(), x)


def _dirty_and_materialize(lib):
    class MulTwo_(lib.autograd.Function):  # in place, declared with mark_dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class TwoOutputs(lib.autograd.Function):  # undefined output grads arrive as None
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            out = None
            for g, k in ((g1, 1), (g2, 2)):
                if g is not None:
                    out = g * k if out is None else out + g * k
            return out
    return MulTwo_, TwoOutputs


def test_mark_dirty_returns_the_modified_input(torch):
    res = {}
    for lib in (edutorch, torch):
        MulTwo_, _ = _dirty_and_materialize(lib)
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        x = a * 1
        y = MulTwo_.apply(x)
        assert y is x and x.tolist() == [2.0, 4.0]
        (y * y).sum().backward()
        res[lib.__name__] = a.grad.tolist()
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            MulTwo_.apply(lib.tensor([1.0], requires_grad=True))
    assert res["edutorch"] == res["torch"] == [8.0, 16.0]


def test_set_materialize_grads_false_passes_none(torch):
    res = {}
    for lib in (edutorch, torch):
        _, TwoOutputs = _dirty_and_materialize(lib)
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        p, q = TwoOutputs.apply(a)
        q.sum().backward()
        res[lib.__name__] = a.grad.tolist()
    assert res["edutorch"] == res["torch"] == [2.0, 2.0]
