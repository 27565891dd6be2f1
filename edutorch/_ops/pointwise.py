"""Elementwise ops: arithmetic, comparisons, unary maths, and their derivatives.

For a binary op the inputs broadcast; in backward each gradient is summed back to its input's
shape (``fit_grad``), because an input that was broadcast was used many times.
"""
from __future__ import annotations

import math

from .. import backend
from .common import (Node, Tensor, attach, fit_grad, float_array, meta, needs, prepare_binary,
                     state, wrap, xp_of)


# ---------------------------------------------------------------------------------------------
# binary arithmetic
# ---------------------------------------------------------------------------------------------

# PyTorch lists a Python number operand as an input whose edge is (None, 0): nothing to send
# its gradient to. Appended to the tensor operand's edge.
NUMBER_EDGE = ((None, 0),)


class _Binary(Node):
    """A binary op's node. With a Python number as ``b``, only ``a`` has an edge and the
    number is kept in ``other``."""
    __slots__ = ("other", "metas")


def _record(out, a, b, cls, save_a=False, save_b=False, save_out=False):
    """Attach a ``cls`` node to ``out`` if autograd should see this op (the common tail)."""
    if not state.enabled:
        return out
    if isinstance(b, Tensor):
        if not (a._rg or b._rg):
            return out
        node = cls((a, b))
        node.other = None
        node.metas = ((a._data.shape, a._data.dtype), (b._data.shape, b._data.dtype))
        if save_a or save_b:
            node.save_for_backward(a if save_a else None, b if save_b else None)
    else:
        if not a._rg:
            return out
        node = cls((a,))
        if cls is not RemainderBackward0:
            node.next_functions += NUMBER_EDGE
        node.other = b
        node.metas = ((a._data.shape, a._data.dtype),)
        if save_a:
            node.save_for_backward(a, None)
    if save_out:
        node.save_output(out)
    return attach(out, node)


class AddBackward0(_Binary):
    __slots__ = ("alpha",)

    def backward(self, g):
        if self.other is not None:  # tensor op number: same shape and dtype as the tensor
            return (g, None)
        gb = None
        if needs(self, 1):
            gb = fit_grad(g if self.alpha == 1 else g * self.alpha, self.metas[1])
        return (fit_grad(g, self.metas[0]) if needs(self, 0) else None, gb)


def add(a, b, *, alpha=1):
    """``a + alpha * b``, broadcasting."""
    tb = type(b)
    if (tb is float or tb is int) and alpha == 1 and a._data.dtype.kind == "f":
        A = a._data  # fast path for tensor + number, as in ``mul``
        out = wrap(A + A.dtype.type(b))
        if a._rg and state.enabled:
            node = AddBackward0((a,))
            node.next_functions += NUMBER_EDGE
            node.other, node.alpha = b, 1
            out._rg, out.grad_fn = True, node
        return out
    if not isinstance(a, Tensor):
        return add(b, a) if alpha == 1 else add(b * alpha, a)
    A, B = prepare_binary(a, b, "add")
    if alpha != 1:
        B = B * alpha
    out = wrap(A + B)
    if state.enabled and (a._rg or (isinstance(b, Tensor) and b._rg)):
        out = _record(out, a, b, AddBackward0)
        out.grad_fn.alpha = alpha
    return out


class SubBackward0(_Binary):
    __slots__ = ("alpha",)

    def backward(self, g):
        if self.other is not None:  # tensor op number: same shape and dtype as the tensor
            return (g, None)
        gb = fit_grad(-g if self.alpha == 1 else g * -self.alpha, self.metas[1]) \
            if needs(self, 1) else None
        return (fit_grad(g, self.metas[0]) if needs(self, 0) else None, gb)


def _refuse_bool_sub(a, b) -> None:
    """PyTorch refuses subtraction whenever a bool tensor takes part (it is never what a mask
    inversion or an xor means)."""
    a_bool = isinstance(a, bool) or isinstance(a, Tensor) and a._data.dtype.kind == "b"
    b_bool = isinstance(b, bool) or isinstance(b, Tensor) and b._data.dtype.kind == "b"
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


def sub(a, b, *, alpha=1):
    """``a - alpha * b``."""
    _refuse_bool_sub(a, b)
    A, B = prepare_binary(a, b, "sub")
    if alpha != 1:
        B = B * alpha
    out = wrap(A - B)
    if state.enabled and (a._rg or (isinstance(b, Tensor) and b._rg)):
        out = _record(out, a, b, SubBackward0)
        out.grad_fn.alpha = alpha
    return out


class RsubBackward1(Node):
    __slots__ = ("metas",)

    def backward(self, g):
        return (fit_grad(-g, self.metas[0]),)


def rsub(a, b):
    """``b - a`` for a Python number ``b``."""
    _refuse_bool_sub(b, a)
    A, B = prepare_binary(a, b, "rsub")
    out = wrap(B - A)
    if state.enabled and a._rg:
        node = RsubBackward1((a,))
        node.metas = (meta(a),)
        attach(out, node)
    return out


class MulBackward0(_Binary):
    __slots__ = ()

    def backward(self, g):
        if self.other is not None:
            return (g * self.other, None)
        a, b = self.saved_tensors
        if not state.enabled and g._data.dtype == self.metas[0][1] == self.metas[1][1]:
            G = g._data  # first derivative only: skip the Tensor bookkeeping
            ga = fit_grad(wrap(G * b._data), self.metas[0]) if needs(self, 0) else None
            gb = fit_grad(wrap(G * a._data), self.metas[1]) if needs(self, 1) else None
            return ga, gb
        ga = fit_grad(g * b, self.metas[0]) if needs(self, 0) else None
        gb = fit_grad(g * a, self.metas[1]) if needs(self, 1) else None
        return ga, gb


def mul(a, b):
    """``a * b``, elementwise, broadcasting."""
    tb = type(b)
    if (tb is float or tb is int) and a._data.dtype.kind == "f":
        # the most common case, a float tensor times a Python number, without the general
        # promotion machinery: this path is taken millions of times in a training run
        A = a._data
        out = wrap(A * A.dtype.type(b))
        if a._rg and state.enabled:
            node = MulBackward0((a,))
            node.next_functions += NUMBER_EDGE
            node.other = b
            out._rg, out.grad_fn = True, node
        return out
    if not isinstance(a, Tensor):
        return mul(b, a)
    A, B = prepare_binary(a, b, "mul")
    out = wrap(A * B)
    if state.enabled and (a._rg or (isinstance(b, Tensor) and b._rg)):
        bt = isinstance(b, Tensor)
        out = _record(out, a, b, MulBackward0, save_a=bt and b._rg, save_b=bt and a._rg)
    return out


class DivBackward0(_Binary):
    __slots__ = ()

    def backward(self, g):
        if self.other is not None:
            return (g / self.other, None)
        a, b = self.saved_tensors
        ga = fit_grad(g / b, self.metas[0]) if needs(self, 0) else None
        gb = fit_grad(-g * a / (b * b), self.metas[1]) if needs(self, 1) else None
        return ga, gb


def div(a, b, *, rounding_mode=None):
    """``a / b`` (true division: integers give the default float dtype)."""
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        q = div(a, b)
        out = q.trunc() if a.is_floating_point() else q.trunc().to(a.dtype)
        return out
    if rounding_mode is not None:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    A, B = prepare_binary(a, b, "div")
    A = float_array(A)
    if isinstance(b, Tensor):
        B = float_array(B)  # int / int tensors: both float32, or NumPy would give float64
    out = wrap(A / B)
    if state.enabled and (a._rg or (isinstance(b, Tensor) and b._rg)):
        out = _record(out, a, b, DivBackward0, save_a=isinstance(b, Tensor), save_b=True)
    return out


class RdivBackward(Node):
    """d(c / a)/da = -c / a**2 = -out / a."""
    __slots__ = ("metas",)

    def backward(self, g):
        (a,) = self.saved_tensors
        return (fit_grad(-g * self.saved_output() / a, self.metas[0]),)


def rdiv(a, b):
    """``b / a`` for a Python number ``b``."""
    A, B = prepare_binary(a, b, "div")
    out = wrap(B / float_array(A))
    if state.enabled and a._rg:
        node = RdivBackward((a,))
        node.metas = (meta(a),)
        node.save_for_backward(a)
        node.save_output(out)
        attach(out, node)
    return out


def _check_integer_division(dividend, divisor, kernel):
    """PyTorch's refusals for ``//`` and ``%`` (operands: arrays or Python numbers): two bool
    operands, and an integer division by zero (with something to divide)."""
    kinds = "".join(_KIND.get(type(v)) or v.dtype.kind for v in (dividend, divisor))
    if kinds == "bb":
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'Bool\'')
    if "f" not in kinds and all(getattr(v, "size", 1) for v in (dividend, divisor)) and (
            divisor == 0 if type(divisor) in _KIND else (divisor == 0).any()):
        raise RuntimeError("ZeroDivisionError")


_KIND = {bool: "b", int: "i", float: "f"}


def floor_divide(a, b):
    """``a // b``: rounds down (like Python); not differentiable (a step function)."""
    A, B = prepare_binary(a, b, "floor_divide")
    _check_integer_division(A, B, "div_floor")
    return wrap(A // B)


def rfloordiv(a, b):
    A, B = prepare_binary(a, b, "floor_divide")
    _check_integer_division(B, A, "div_floor")
    return wrap(B // A)


class RemainderBackward0(_Binary):
    __slots__ = ()

    def backward(self, g):
        if self.other is not None:  # tensor op number: same shape and dtype as the tensor
            return (g, None)
        a, b = self.saved_tensors
        ga = fit_grad(g, self.metas[0]) if needs(self, 0) else None
        gb = fit_grad(-g * (a / b).floor(), self.metas[1]) if needs(self, 1) else None
        return ga, gb


def remainder(a, b):
    """``a % b`` with the sign of ``b`` (Python's convention)."""
    A, B = prepare_binary(a, b, "remainder")
    _check_integer_division(A, B, "remainder")
    out = wrap(A % B)
    if state.enabled and (a._rg or (isinstance(b, Tensor) and b._rg)):
        out = _record(out, a, b, RemainderBackward0, save_a=True, save_b=True)
    return out


def rremainder(a, b):
    A, B = prepare_binary(a, b, "remainder")
    _check_integer_division(B, A, "remainder")
    if a._rg and state.enabled:
        raise RuntimeError("remainder: gradient w.r.t. the divisor of number % tensor is not "
                           "implemented")
    return wrap(B % A)


class PowBackward0(Node):
    """d(a**e)/da = e * a**(e-1) for a number e."""
    __slots__ = ("exponent", "metas")

    def backward(self, g):
        (a,) = self.saved_tensors
        e = self.exponent
        if e == 0:
            return (g * 0,)
        if e == 2:
            return (g * (a * 2),)
        return (g * (a ** (e - 1) * e),)


class PowBackward1(_Binary):
    """a**b for tensors: d/da = b a**(b-1); d/db = a**b log(a) (0 where a == 0 and b >= 0)."""
    __slots__ = ()

    def backward(self, g):
        a, b = self.saved_tensors
        ga = fit_grad(g * b * a ** (b - 1), self.metas[0]) if needs(self, 0) else None
        gb = None
        if needs(self, 1):
            out = self.saved_output()
            safe = where((a == 0) & (b >= 0), 0.0, out * a.log())
            gb = fit_grad(g * safe, self.metas[1])
        return ga, gb


def _int_power(compute):
    """Run ``compute``; NumPy refuses integer powers with negative integer exponents (PyTorch
    gives 0 for |base| > 1): say so, naming the op, instead of NumPy's ValueError."""
    try:
        return compute()
    except ValueError as e:
        raise RuntimeError(f"pow: integers to negative integer powers are not supported "
                           f"({e}); convert to a floating point dtype first, e.g. x.float()") \
            from None


def pow(a, b):
    """``a ** b`` (a tensor, b a tensor or a number)."""
    if not isinstance(a, Tensor):
        return rpow(b, a)
    A, B = prepare_binary(a, b, "pow")
    if isinstance(B, int) and B < 0 and A.dtype.kind in "iub":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if A.dtype.kind == "b" and isinstance(b, Tensor) and B.dtype.kind == "b":
        raise NotImplementedError("\"pow\" not implemented for 'Bool' (two bool tensors)")
    res = _int_power(lambda: A ** B)
    if A.dtype.kind == "b" and isinstance(B, bool):
        res = res.astype(bool)  # NumPy gives int8 for bool ** bool; PyTorch keeps bool
    out = wrap(res)
    if not (state.enabled and (a._rg or (isinstance(b, Tensor) and b._rg))):
        return out
    if isinstance(b, Tensor):
        return _record(out, a, b, PowBackward1, save_a=True, save_b=True, save_out=True)
    node = PowBackward0((a,))
    node.exponent = B
    node.metas = (meta(a),)
    node.save_for_backward(a)
    return attach(out, node)


class RpowBackward(Node):
    """d(c**a)/da = c**a * log(c)."""
    __slots__ = ("base",)

    def backward(self, g):
        return (g * self.saved_output() * math.log(self.base),)


def rpow(a, b):
    """``b ** a`` for a Python number ``b``."""
    A, B = prepare_binary(a, b, "pow")
    if isinstance(B, (int, float)) and A.dtype.kind in "iu" and isinstance(B, float):
        A = float_array(A)
    out = wrap(_int_power(lambda: B ** A))
    if state.enabled and a._rg:
        node = RpowBackward((a,))
        node.base = B
        node.save_output(out)
        attach(out, node)
    return out


class MaximumBackward0(_Binary):
    """Gradient goes to the larger input; ties split it evenly (PyTorch's rule)."""
    __slots__ = ("sign",)

    def backward(self, g):
        a, b = self.saved_tensors
        A, B = a._data, b._data
        if self.sign < 0:
            A, B = B, A
        xp = xp_of(A)
        dtype = g._data.dtype
        # PyTorch masks out the loser only, so where a comparison is NaN both get the gradient
        tie = (A == B) * 0.5
        wa = wrap((1 - (A < B) - tie).astype(dtype))
        wb = wrap((1 - (B < A) - tie).astype(dtype))
        ga = fit_grad(g * wa, self.metas[0]) if needs(self, 0) else None
        gb = fit_grad(g * wb, self.metas[1]) if needs(self, 1) else None
        del xp
        return ga, gb


def _extreme(a, b, op, sign):
    if not isinstance(b, Tensor):
        raise TypeError(f"{op}(): argument 'other' must be Tensor, not {type(b).__name__}")
    A, B = prepare_binary(a, b, op)
    xp = xp_of(A)
    out = wrap(xp.maximum(A, B) if sign > 0 else xp.minimum(A, B))
    if state.enabled and (a._rg or b._rg):
        out = _record(out, a, b, MaximumBackward0 if sign > 0 else MinimumBackward0,
                      save_a=True, save_b=True)
        out.grad_fn.sign = sign
    return out


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()


def maximum(a, b):
    """Elementwise larger of ``a`` and ``b``."""
    return _extreme(a, b, "maximum", 1)


def minimum(a, b):
    """Elementwise smaller of ``a`` and ``b``."""
    return _extreme(a, b, "minimum", -1)


# ---------------------------------------------------------------------------------------------
# comparisons and logic (no gradients)
# ---------------------------------------------------------------------------------------------

def _compare(name, fn):
    def op(a, b):
        if not isinstance(b, (Tensor, int, float, bool)) and not hasattr(b, "item"):
            return NotImplemented
        A, B = prepare_binary(a, b, name)
        return wrap(fn(A, B))
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``; a bool tensor."
    return op


eq = _compare("eq", lambda A, B: A == B)
ne = _compare("ne", lambda A, B: A != B)
lt = _compare("lt", lambda A, B: A < B)
le = _compare("le", lambda A, B: A <= B)
gt = _compare("gt", lambda A, B: A > B)
ge = _compare("ge", lambda A, B: A >= B)


def _logical(name, fn, bitwise):
    def op(a, b):
        A, B = prepare_binary(a, b, name)
        if bitwise and (A.dtype.kind == "f" or (isinstance(B, float))):
            raise RuntimeError(f"\"{name}\" not implemented for '{a.dtype.name}'")
        if not bitwise:
            A, B = A.astype(bool), (B.astype(bool) if hasattr(B, "astype") else bool(B))
        return wrap(fn(A, B))
    op.__name__ = name
    return op


bitwise_and = _logical("bitwise_and", lambda A, B: A & B, True)
bitwise_or = _logical("bitwise_or", lambda A, B: A | B, True)
bitwise_xor = _logical("bitwise_xor", lambda A, B: A ^ B, True)
logical_and = _logical("logical_and", lambda A, B: A & B, False)
logical_or = _logical("logical_or", lambda A, B: A | B, False)
logical_xor = _logical("logical_xor", lambda A, B: A ^ B, False)


def logical_not(a):
    return wrap(~a._data.astype(bool))


def bitwise_not(a):
    if a._data.dtype.kind == "f":
        raise RuntimeError(f"\"bitwise_not\" not implemented for '{a.dtype.name}'")
    return wrap(~a._data)


def equal(a, b) -> bool:
    """True when both have the same shape and values."""
    return a._data.shape == b._data.shape and bool((a._data == b._data).all())


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    A, B = prepare_binary(a, b, "allclose")
    return bool(xp_of(A).allclose(A, B, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    A, B = prepare_binary(a, b, "isclose")
    return wrap(xp_of(A).isclose(A, B, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isnan(a):
    return wrap(xp_of(a._data).isnan(a._data))


def isinf(a):
    return wrap(xp_of(a._data).isinf(a._data))


def isfinite(a):
    return wrap(xp_of(a._data).isfinite(a._data))


# ---------------------------------------------------------------------------------------------
# unary maths
# ---------------------------------------------------------------------------------------------

class _Unary(Node):
    __slots__ = ()


def _unary(x, array_out, cls, save_in=False, save_out=False):
    """Wrap ``array_out`` and, if needed, record a ``cls`` node saving the input or the output."""
    out = wrap(array_out)
    if x._rg and state.enabled:
        node = cls((x,))
        if save_in:
            node.save_for_backward(x)
        if save_out:
            node.save_output(out)
        out._rg, out.grad_fn = True, node
    return out


class NegBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return (-g,)


def neg(x):
    if x._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _unary(x, -x._data, NegBackward0)


class AbsBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * x.sign(),)


def abs(x):
    if x._data.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return _unary(x, xp_of(x._data).abs(x._data), AbsBackward0, save_in=True)


class ExpBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        if not state.enabled:
            return (wrap(g._data * self.saved_output_array()),)
        return (g * self.saved_output(),)


def exp(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).exp(A), ExpBackward0, save_out=True)


class LogBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / x,)


def log(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).log(A), LogBackward0, save_in=True)


class Log1PBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (x + 1),)


def log1p(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).log1p(A), Log1PBackward0, save_in=True)


class Log2Backward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (x * math.log(2.0)),)


def log2(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).log2(A), Log2Backward0, save_in=True)


class Expm1Backward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return (g * (self.saved_output() + 1),)


def expm1(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).expm1(A), Expm1Backward0, save_out=True)


class SqrtBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return (g / (self.saved_output() * 2),)


def sqrt(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).sqrt(A), SqrtBackward0, save_out=True)


class RsqrtBackward0(_Unary):
    """d(x**-1/2)/dx = -1/2 x**-3/2 = -out**3 / 2."""
    __slots__ = ()

    def backward(self, g):
        out = self.saved_output()
        return (g * (out * out * out) * -0.5,)


def rsqrt(x):
    A = float_array(x._data)
    return _unary(x, 1 / xp_of(A).sqrt(A), RsqrtBackward0, save_out=True)


class SinBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * x.cos(),)


def sin(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).sin(A), SinBackward0, save_in=True)


class CosBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (-g * x.sin(),)


def cos(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).cos(A), CosBackward0, save_in=True)


class TanhBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        if not state.enabled:  # no second derivative wanted: one fused array expression
            y = self.saved_output_array()
            return (wrap(g._data * (1 - y * y)),)
        y = self.saved_output()
        return (g * (1 - y * y),)


def tanh(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).tanh(A), TanhBackward0, save_out=True)


class SigmoidBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        if not state.enabled:
            y = self.saved_output_array()
            return (wrap(g._data * y * (1 - y)),)
        y = self.saved_output()
        return (g * y * (1 - y),)


def sigmoid(x):
    """1 / (1 + exp(-x)), as PyTorch computes it: tiny results such as sigmoid(-20) = 2.1e-9
    keep their digits, and where exp(-x) overflows to inf the result is exactly 0."""
    A = float_array(x._data)
    xp = xp_of(A)
    out = 1 / (1 + xp.exp(-A))  # (not in place: a 0-d array's results are NumPy scalars)
    return _unary(x, out, SigmoidBackward0, save_out=True)


class ReluBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        if not state.enabled:
            return (wrap(g._data * ~(self.saved_output_array() <= 0)),)  # NaN passes, as PyTorch
        y = self.saved_output()
        return (g * wrap(~(y._data <= 0)),)


def relu(x):
    """max(x, 0) elementwise (NaN stays NaN)."""
    A = x._data
    if A.dtype.kind == "b":
        raise RuntimeError("relu: Boolean inputs not supported for relu")
    return _unary(x, xp_of(A).maximum(A, A.dtype.type(0)), ReluBackward0, save_out=True)


class ReciprocalBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        y = self.saved_output()
        return (-g * y * y,)


def reciprocal(x):
    A = float_array(x._data)
    return _unary(x, 1 / A, ReciprocalBackward0, save_out=True)


class _ZeroGrad(_Unary):
    """Step functions (sign, floor, ...): derivative 0 almost everywhere."""
    __slots__ = ()

    def backward(self, g):
        return (wrap(xp_of(g._data).zeros_like(g._data)),)  # zeros, not g * 0 (NaN * 0)


class SignBackward0(_ZeroGrad):
    __slots__ = ()


class FloorBackward0(_ZeroGrad):
    __slots__ = ()


class CeilBackward0(_ZeroGrad):
    __slots__ = ()


class RoundBackward0(_ZeroGrad):
    __slots__ = ()


class TruncBackward0(_ZeroGrad):
    __slots__ = ()


def sign(x):
    A = x._data
    if A.dtype.kind == "b":
        return _unary(x, A.copy(), SignBackward0)
    if A.dtype.kind == "f":  # sign(NaN) is 0 in PyTorch (so abs's gradient there is 0 too)
        return _unary(x, (A > 0).astype(A.dtype) - (A < 0), SignBackward0)
    return _unary(x, xp_of(A).sign(A), SignBackward0)


def floor(x):
    return _unary(x, xp_of(x._data).floor(x._data), FloorBackward0)


def ceil(x):
    return _unary(x, xp_of(x._data).ceil(x._data), CeilBackward0)


def trunc(x):
    return _unary(x, xp_of(x._data).trunc(x._data), TruncBackward0)


def round(x, *, decimals: int = 0):
    """Round half to even, like PyTorch."""
    return _unary(x, xp_of(x._data).round(x._data, decimals), RoundBackward0)


def square(x):
    return mul(x, x)


class ClampBackward1(_Unary):
    """Gradient passes where min <= x <= max."""
    __slots__ = ("lo", "hi")

    def backward(self, g):
        (x,) = self.saved_tensors
        A = x._data
        mask = A == A
        if self.lo is not None:
            mask = mask & (A >= self.lo)
        if self.hi is not None:
            mask = mask & (A <= self.hi)
        return (g * wrap(mask),)


def clamp(x, min=None, max=None):
    """Limit values to [min, max]; either bound may be None (or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min if isinstance(min, Tensor) else _full_like(out, min))
        if max is not None:
            out = minimum(out, max if isinstance(max, Tensor) else _full_like(out, max))
        return out
    A = x._data
    if A.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        A = float_array(A)
    out = xp_of(A).clip(A, min, max)
    out = _unary(x, out, ClampBackward1, save_in=True)
    if out.grad_fn is not None:
        out.grad_fn.lo, out.grad_fn.hi = min, max
    return out


def _full_like(x, value):
    return wrap(xp_of(x._data).full(x._data.shape, value, dtype=x._data.dtype))


def clamp_min(x, min):
    return clamp(x, min=min)


def clamp_max(x, max):
    return clamp(x, max=max)


class ErfBackward0(_Unary):
    """d erf(x)/dx = 2/sqrt(pi) exp(-x**2)."""
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (-(x * x)).exp() * (2.0 / math.sqrt(math.pi)),)


def erf(x):
    A = float_array(x._data)
    return _unary(x, backend.erf(A), ErfBackward0, save_in=True)


class AtanBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (x * x + 1),)


def atan(x):
    A = float_array(x._data)
    return _unary(x, xp_of(A).arctan(A), AtanBackward0, save_in=True)


# ---------------------------------------------------------------------------------------------
# selection and composites
# ---------------------------------------------------------------------------------------------

class WhereBackward0(Node):
    __slots__ = ("cond", "metas")

    def backward(self, g):
        c = self.cond
        ga = fit_grad(g * wrap(c), self.metas[0]) if needs(self, 0) else None
        gb = fit_grad(g * wrap(~c), self.metas[1]) if needs(self, 1) else None
        return ga, gb


def where(condition, a=None, b=None):
    """``a`` where ``condition`` holds, else ``b`` (all three broadcast)."""
    if a is None and b is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' must be Tensor")
    cond = condition._data
    if cond.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype.name}")
    ref = a if isinstance(a, Tensor) else b
    if not isinstance(ref, Tensor):
        ref = condition
        from .creation import tensor as make
        a = make(a, device=condition.device)
    from .common import as_tensor_like, check_devices
    a_t = a if isinstance(a, Tensor) else as_tensor_like(a, ref)
    b_t = b if isinstance(b, Tensor) else as_tensor_like(b, ref)
    check_devices("where", condition, a_t, b_t)
    A, B = prepare_binary(a_t, b_t, "where")
    xp = xp_of(A)
    if cond.shape != A.shape or cond.shape != B.shape:  # NumPy's error would name no op
        from .common import check_broadcastable
        check_broadcastable(cond.shape, xp.broadcast_shapes(A.shape, B.shape), "where")
    out = wrap(xp.where(cond, A, B))
    if state.enabled and (a_t._rg or b_t._rg):
        node = WhereBackward0((a_t, b_t))
        node.cond = cond
        node.metas = (meta(a_t), meta(b_t))
        attach(out, node)
    return out


def lerp(start, end, weight):
    """``start + weight * (end - start)``."""
    return start + weight * (end - start)


def addcmul(x, t1, t2, *, value=1):
    return x + value * (t1 * t2) if value != 1 else x + t1 * t2


def addcdiv(x, t1, t2, *, value=1):
    return x + value * (t1 / t2) if value != 1 else x + t1 / t2


# ---------------------------------------------------------------------------------------------
# dtype and device conversion (differentiable: gradients convert back)
# ---------------------------------------------------------------------------------------------

class ToCopyBackward0(Node):
    __slots__ = ("dtype", "device")

    def backward(self, g):
        if self.device is not None:
            g = g.to(self.device)
        if self.dtype is not None and g._data.dtype != self.dtype.np:
            g = g.to(self.dtype)
        return (g,)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (a copy)."""
    out = wrap(x._data.astype(dtype.np))
    if x._rg and state.enabled and dtype.is_floating_point:
        node = ToCopyBackward0((x,))
        node.dtype, node.device = x.dtype, None
        attach(out, node)
    return out


def to_device_op(x, device):
    """``x`` copied to ``device``."""
    out = wrap(backend.to_device(x._data, device.type, device.index))
    if x._rg and state.enabled:
        node = ToCopyBackward0((x,))
        node.dtype, node.device = None, x.device
        attach(out, node)
    return out


class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (g,)


def clone(x, *, memory_format=None):
    """A copy with its own memory; gradients flow through unchanged."""
    out = wrap(x._data.copy())
    if x._rg and state.enabled:
        attach(out, CloneBackward0((x,)))
    return out


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "annotations", "math", "backend", "dt", "Node", "Tensor", "attach", "fit_grad",
    "float_array", "meta", "needs", "prepare_binary", "state", "wrap", "xp_of", "device_error")]
