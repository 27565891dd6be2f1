"""Elementwise ops: arithmetic, comparisons, unary maths, and their derivatives.

Each op is one ``Function``: ``forward`` computes on the tensors' arrays, ``backward`` is its
derivative, written once (it runs on arrays, or on Tensors under ``create_graph=True``). For a
binary op the inputs broadcast; ``Function.apply`` sums each gradient back to its input's shape,
because an input that was broadcast was used many times.
"""
from __future__ import annotations

import math

from .. import _dtype as dt
from .. import backend
from ..autograd.function import Function
from .common import Tensor, _wrap_int, float_array, promote, xp_of
from .registry import builtin, op

# ---------------------------------------------------------------------------------------------
# binary arithmetic
# ---------------------------------------------------------------------------------------------


@builtin("add")
class Add(Function):
    """``a + alpha * b``: the gradient reaches ``a`` as is and ``b`` times ``alpha``."""

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b = promote(a, b, "add")
        ctx.alpha = alpha
        return a + b if alpha == 1 else a + b * alpha

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


@op("add")
def add(input, other, *, alpha=1):
    """``input + alpha * other``, broadcasting."""
    if not isinstance(input, Tensor):
        return Add.apply(other, input) if alpha == 1 else Add.apply(other * alpha, input)
    return Add.apply(input, other, alpha=alpha)


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


@builtin("sub")
class Sub(Function):
    """``a - alpha * b``."""

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b = promote(a, b, "sub")
        ctx.alpha = alpha
        return a - b if alpha == 1 else a - b * alpha

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha)


@op("sub", aliases=("subtract",))
def sub(input, other, *, alpha=1):
    """``input - alpha * other``."""
    _refuse_bool_sub(input, other)
    return Sub.apply(input, other, alpha=alpha)


@builtin("rsub", backward_name="RsubBackward1")
class Rsub(Function):
    """``other - a`` for a number ``other`` (``2 - x``)."""

    @staticmethod
    def forward(ctx, a, other):
        a, b = promote(a, other, "rsub")
        return b - a

    @staticmethod
    def backward(ctx, grad):
        return -grad


def rsub(input, other):
    _refuse_bool_sub(other, input)
    return Rsub.apply(input, other=other)


@builtin("mul")
class Mul(Function):
    """``a * b``: d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        needs = ctx.needs_input_grad
        if needs:  # d/da needs b and d/db needs a: save only what will be used
            ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        a2, b2 = promote(a, b, "mul")
        return a2 * b2

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


@op("mul", aliases=("multiply",))
def mul(input, other):
    """``input * other``, elementwise, broadcasting."""
    if not isinstance(input, Tensor):
        return Mul.apply(other, input)
    return Mul.apply(input, other)


@builtin("div")
class Div(Function):
    """``a / b``: d/da = 1/b, d/db = -a/b**2."""

    @staticmethod
    def forward(ctx, a, b):
        needs = ctx.needs_input_grad
        if needs:
            ctx.save_for_backward(a if needs[1] else None, b)
        if not _is_float(a) and not _is_float(b):
            # int / int: both straight to the default float dtype, as in PyTorch (promoting
            # first would turn uint8 / -1 into uint8 / 255)
            a, b = float_array(a), (float_array(b) if hasattr(b, "astype") else b)
        a2, b2 = promote(a, b, "div")
        return a2 / b2

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * a / (b * b) if need_b else None)


def _is_float(v) -> bool:
    """Whether an operand (array or number) is floating point."""
    return backend.is_floating(v.dtype) if hasattr(v, "dtype") else isinstance(v, float)


@op("div", aliases=("divide", "true_divide"))
def div(input, other, *, rounding_mode=None):
    """``input / other`` (true division: integers give the default float dtype); with
    ``rounding_mode`` ``"floor"`` or ``"trunc"``, rounded."""
    if rounding_mode == "floor":
        return DivFloor.apply(input, other)
    if rounding_mode == "trunc":
        q = Div.apply(input, other)
        return q.trunc() if input.is_floating_point() else q.trunc().to(input.dtype)
    if rounding_mode is not None:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    return Div.apply(input, other)


@builtin("rdiv", backward_name="DivBackward0")
class Rdiv(Function):
    """``other / a`` for a number ``other``: d/da = -other/a**2 = -out/a."""

    @staticmethod
    def forward(ctx, a, other):
        a2, b = promote(float_array(a) if not _is_float(other) else a, other, "div")
        out = b / float_array(a2)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return -grad * out / a


def rdiv(input, other):
    return Rdiv.apply(input, other=other)


@builtin("floor_divide", backward_name="NotImplemented")
class FloorDivide(Function):
    """``a // b``, rounding down (Python's convention). PyTorch defines no derivative for
    ``floor_divide``: the result requires grad, and a backward through it raises, naming the
    op (``div(a, b, rounding_mode="floor")`` is the same step function with derivative 0)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote(a, b, "floor_divide")
        _check_integer_division(a, b, "div_floor")
        return a // b

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


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


@op("floor_divide")
def floor_divide(input, other):
    """``input // other``: rounds down (like Python); not differentiable."""
    return FloorDivide.apply(input, other)


@builtin("div", backward_name="DivBackward2")
class DivFloor(FloorDivide):
    """``div(a, b, rounding_mode="floor")``: ``a // b``, a step function: derivative 0."""

    @staticmethod
    def backward(ctx, grad):
        zero = ctx.xp.zeros_like(grad)
        return tuple(zero if need else None for need in ctx.needs_input_grad)


def rfloordiv(input, other):
    """``other // input`` for a number ``other``."""
    from .creation import full_like
    d = dt.result_type(input, other)
    if type(other) is int and d.np.kind in "iu":
        other = _wrap_int(other, d.np)  # -1 // uint8 tensor: -1 is 255, as in PyTorch
    return FloorDivide.apply(full_like(input, other, dtype=d), input)


@builtin("remainder")
class Remainder(Function):
    """``a % b`` with the sign of ``b``: d/da = 1, d/db = -(a // b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a2, b2 = promote(a, b, "remainder")
        _check_integer_division(a2, b2, "remainder")
        return _remainder(a2, b2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # a // b, not floor(a / b): 1.5 // -inf is -1 (the remainder is -inf), while
        # floor(1.5 / -inf) is -0; as in PyTorch, a step with derivative 0 (DivFloor), so
        # that a second derivative goes through
        return (grad if need_a else None), (-grad * DivFloor.apply(a, b) if need_b else None)


def _remainder(a, b):
    """``a % b`` as PyTorch computes it: C's ``fmod``, moved by ``b`` when the signs differ.
    (NumPy's ``%`` agrees except for the sign of a zero result: PyTorch's 0. % -2 is +0.)"""
    if a.dtype.kind != "f":
        return a % b
    xp = xp_of(a)
    m = xp.fmod(a, b)
    return xp.where((m != 0) & ((b < 0) != (m < 0)), m + b, m)


@op("remainder")
def remainder(input, other):
    """``input % other`` with the sign of ``other`` (Python's convention)."""
    return Remainder.apply(input, other)


@builtin("fmod")
class Fmod(Function):
    """C's ``fmod``: the remainder of ``a / b`` truncated, with the sign of ``a``;
    d/da = 1, d/db = -trunc(a / b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        a2, b2 = promote(a, b, "fmod")
        _check_integer_division(a2, b2, "fmod")
        return xp_of(a2).fmod(a2, b2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (-grad * ctx.xp.trunc(a / b) if need_b else None)


@op("fmod", inplace=True)
def fmod(input, other):
    """``input`` modulo ``other`` with the sign of ``input`` (C's ``fmod``; compare
    ``remainder``)."""
    return Fmod.apply(input, other)


@builtin("rremainder", backward_name="NotImplemented")
class RemainderScalarSelf(Function):
    """``number % a``. PyTorch defines no derivative here: the result requires grad, and a
    backward through it raises, naming the op."""

    @staticmethod
    def forward(ctx, a, other):
        divisor, number = promote(a, other, "remainder")
        dividend = xp_of(divisor).full(divisor.shape, number, dtype=divisor.dtype)
        _check_integer_division(dividend, divisor, "remainder")
        return _remainder(dividend, divisor)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::remainder is not implemented")


def rremainder(input, other):
    """``other % input`` for a number ``other``."""
    return RemainderScalarSelf.apply(input, other)


@builtin("pow")
class Pow(Function):
    """``a ** b``. For a number b: d/da = b a**(b-1) (0 for b == 0). For a tensor b:
    d/da = b a**(b-1), taken as 0 where b == 0, and d/db = a**b log(a), taken as 0 where
    a == 0 and b >= 0 (the limits, as in PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        a2, b2 = promote(a, b, "pow")
        _check_pow(a2, b2, b)
        out = _power(a2, b2)
        if a2.dtype.kind == "b" and isinstance(b2, bool):
            out = out.astype(bool)  # NumPy gives int8 for bool ** bool; PyTorch keeps bool
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        ga = gb = None
        if need_a:
            if isinstance(b, (int, float)):
                # PyTorch's shortcut tests the exponent against 0.0, which a bool never
                # equals: x ** False gets 0 * x**-1 (NaN at x == 0), as in PyTorch
                if b == 0 and type(b) is not bool:
                    ga = grad * 0
                else:
                    ga = grad * (a * 2) if b == 2 else grad * (a ** (b - 1) * b)
            else:
                if b.dtype == bool:  # PyTorch's formula subtracts 1 from the exponent
                    _refuse_bool_sub(Tensor._wrap(b) if not isinstance(b, Tensor) else b, 1)
                ga = xp.where(b == 0, 0.0, grad * b * a ** (b - 1))
        if need_b:
            log_a = xp.log(_like(a, out))  # in out's dtype: NumPy's log of uint8 is float16
            gb = grad * xp.where((a == 0) & (b >= 0), 0.0, out * log_a)
        return ga, gb


def _like(a, ref):
    """``a`` (an array or a Tensor) in ``ref``'s dtype."""
    if hasattr(a, "_data"):
        return a if a.dtype == ref.dtype else a.to(ref.dtype)
    return a if a.dtype == ref.dtype else a.astype(ref.dtype)


def _check_pow(A, B, b_orig) -> None:
    # (b_orig: a uint8 base has turned -1 into 255 in B)
    if type(b_orig) is int and b_orig < 0 and A.dtype.kind in "iub":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if A.dtype.kind == "b" and hasattr(B, "dtype") and B.dtype.kind == "b":
        raise NotImplementedError("\"pow\" not implemented for 'Bool' (two bool tensors)")


def _power(base, exponent):
    """``base ** exponent``. For integers with a tensor exponent PyTorch defines negative
    powers (NumPy refuses them): 1 ** -n = 1, (-1) ** -n = +-1, any other base ** -n = 0,
    the exact value rounded toward zero. (A negative *number* exponent is refused earlier.)"""
    if not hasattr(exponent, "dtype") or exponent.dtype.kind not in "iu" or \
            getattr(base, "dtype", exponent.dtype).kind not in "iu":
        return base ** exponent
    xp = xp_of(exponent)
    negative = exponent < 0
    if not negative.any():
        return base ** exponent
    base = xp.asarray(base, dtype=exponent.dtype) if not hasattr(base, "dtype") else base
    out = base ** xp.where(negative, 0, exponent).astype(exponent.dtype)
    unit = (base == 1) | (base == -1)
    return xp.where(negative, xp.where(unit, base ** (exponent % 2), 0), out).astype(out.dtype)


@op("pow")
def pow(input, exponent):
    """``input ** exponent`` (a tensor, or a number with a tensor exponent)."""
    if not isinstance(input, Tensor):
        return rpow(exponent, input)
    return Pow.apply(input, exponent)


@builtin("rpow", backward_name="PowBackward1")
class Rpow(Function):
    """``base ** a`` for a number ``base``: d/da = base**a log(base); for base 0, taken as 0
    where a >= 0 (the limit, as in PyTorch); NaN for a negative base."""

    @staticmethod
    def forward(ctx, a, base):
        a2, b = promote(a, base, "pow")
        if a2.dtype.kind in "iu" and isinstance(b, float):
            a2 = float_array(a2)
        out = _power(b, a2)
        ctx.base = base
        ctx.save_for_backward(a if base == 0 else None, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        base = ctx.base
        if base > 0:
            return grad * out * math.log(base)
        if base < 0:
            return grad * out * math.nan
        return grad * ctx.xp.where(a >= 0, 0.0, out * -math.inf)


def rpow(input, other):
    return Rpow.apply(input, base=other)


@builtin("maximum")
class Maximum(Function):
    """Elementwise larger of two tensors: the gradient goes to the larger input; ties split it
    evenly (PyTorch's rule). A NaN wins, and its input gets the gradient."""

    @staticmethod
    def forward(ctx, a, b):
        a2, b2 = promote(a, b, "maximum")
        ctx.save_for_backward(a2, b2)
        return xp_of(a2).maximum(a2, b2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a, share_b = _shares(a, b, 1, grad)
        return grad * share_a, grad * share_b


@builtin("minimum")
class Minimum(Function):
    """Elementwise smaller of two tensors (gradient as in ``Maximum``)."""

    @staticmethod
    def forward(ctx, a, b):
        a2, b2 = promote(a, b, "minimum")
        ctx.save_for_backward(a2, b2)
        return xp_of(a2).minimum(a2, b2)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a, share_b = _shares(a, b, -1, grad)
        return grad * share_a, grad * share_b


def _shares(a, b, sign, grad):
    """Each input's share of the gradient: 1 where it wins, 0.5 on ties, 0 where it loses.
    PyTorch masks out the loser only, so where a comparison is NaN both get the gradient."""
    A, B = (a._data, b._data) if hasattr(a, "_data") else (a, b)
    if sign < 0:
        A, B = B, A
    tie = (A == B) * 0.5
    dtype = grad._data.dtype if hasattr(grad, "_data") else grad.dtype
    shares = ((1 - (A < B) - tie).astype(dtype), (1 - (B < A) - tie).astype(dtype))
    return tuple(map(Tensor._wrap, shares)) if hasattr(grad, "_data") else shares


def _tensor_other(other, name):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")


@op("maximum")
def maximum(input, other):
    """Elementwise larger of ``input`` and ``other``."""
    _tensor_other(other, "maximum")
    return Maximum.apply(input, other)


@op("minimum")
def minimum(input, other):
    """Elementwise smaller of ``input`` and ``other``."""
    _tensor_other(other, "minimum")
    return Minimum.apply(input, other)


# ---------------------------------------------------------------------------------------------
# comparisons and logic (no gradients)
# ---------------------------------------------------------------------------------------------

class _Compare(Function):
    """A comparison: a bool tensor, no gradient."""
    differentiable = False
    compute = None

    @classmethod
    def forward(cls, ctx, a, b):
        a, b = promote(a, b, cls._op_name)
        return cls.compute(a, b)


def _comparison(name, compute):
    cls = type(name.capitalize(), (_Compare,), {"compute": staticmethod(compute),
                                                "__doc__": f"Elementwise ``{name}``."})
    builtin(name)(cls)

    def fn(input, other):
        if not isinstance(other, (Tensor, int, float, bool)) and not hasattr(other, "item"):
            return NotImplemented
        return cls.apply(input, other)
    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}``: a bool tensor."
    return op(name)(fn)


eq = _comparison("eq", lambda a, b: a == b)
ne = _comparison("ne", lambda a, b: a != b)
lt = _comparison("lt", lambda a, b: a < b)
le = _comparison("le", lambda a, b: a <= b)
gt = _comparison("gt", lambda a, b: a > b)
ge = _comparison("ge", lambda a, b: a >= b)


def _logical(name, compute, bitwise):
    def forward(ctx, a, b):
        a, b = promote(a, b, name)
        if bitwise and (a.dtype.kind == "f" or isinstance(b, float)):
            raise RuntimeError(f"\"{name}\" not implemented for '{dt._by_np[a.dtype].name}'")
        if not bitwise:
            a, b = a.astype(bool), (b.astype(bool) if hasattr(b, "astype") else bool(b))
        return compute(a, b)
    cls = type("".join(w.capitalize() for w in name.split("_")), (Function,),
               {"forward": staticmethod(forward), "differentiable": False,
                "__doc__": f"Elementwise ``{name}``."})
    builtin(name)(cls)

    def fn(input, other):
        return cls.apply(input, other)
    fn.__name__ = name
    return op(name)(fn)


bitwise_and = _logical("bitwise_and", lambda a, b: a & b, True)
bitwise_or = _logical("bitwise_or", lambda a, b: a | b, True)
bitwise_xor = _logical("bitwise_xor", lambda a, b: a ^ b, True)
logical_and = _logical("logical_and", lambda a, b: a & b, False)
logical_or = _logical("logical_or", lambda a, b: a | b, False)
logical_xor = _logical("logical_xor", lambda a, b: a ^ b, False)


def _unary_test(name, compute, doc):
    """A non-differentiable unary op (``isnan``, ``logical_not``, ...)."""
    def forward(ctx, x):
        return compute(x)
    cls = type("".join(w.capitalize() for w in name.split("_")), (Function,),
               {"forward": staticmethod(forward), "differentiable": False, "__doc__": doc})
    op(name)(cls)
    return cls.apply


def _bitwise_not(x):
    if x.dtype.kind == "f":
        raise RuntimeError(f"\"bitwise_not\" not implemented for '{dt._by_np[x.dtype].name}'")
    return ~x


logical_not = _unary_test("logical_not", lambda x: ~x.astype(bool), "Elementwise not.")
bitwise_not = _unary_test("bitwise_not", _bitwise_not, "Bitwise not of integers (bools: not).")
isnan = _unary_test("isnan", lambda x: xp_of(x).isnan(x), "Where the values are NaN.")
isinf = _unary_test("isinf", lambda x: xp_of(x).isinf(x), "Where the values are +-inf.")
isfinite = _unary_test("isfinite", lambda x: xp_of(x).isfinite(x), "Where values are finite.")


@op("equal")
def equal(input, other) -> bool:
    """True when both have the same shape and values."""
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


@op("allclose")
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    A, B = promote(input._data, other._data if isinstance(other, Tensor) else other, "allclose")
    return bool(xp_of(A).allclose(A, B, rtol=rtol, atol=atol, equal_nan=equal_nan))


@builtin("isclose")
class Isclose(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        a, b = promote(a, b, "isclose")
        return xp_of(a).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@op("isclose")
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Isclose.apply(input, other, rtol=rtol, atol=atol, equal_nan=equal_nan)


# ---------------------------------------------------------------------------------------------
# unary maths: each forward computes on the array, each backward is one line of maths
# ---------------------------------------------------------------------------------------------

@op("neg", aliases=("negative",), inplace=True)
class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


@op("abs", inplace=True)
class Abs(Function):
    """|x|; d/dx = sign(x) (0 at 0 and at NaN, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        ctx.save_for_backward(x)
        return xp_of(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Sign.apply(x)  # sign(NaN) is 0 (see Sign), as PyTorch


@op("exp", inplace=True)
class Exp(Function):
    """e**x; d/dx = e**x, the output itself."""

    @staticmethod
    def forward(ctx, x):
        out = xp_of(x).exp(float_array(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


@op("log", inplace=True)
class Log(Function):
    """Natural log; d/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).log(float_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


@op("log1p", inplace=True)
class Log1P(Function):
    """log(1 + x), accurate for small x; d/dx = 1/(1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).log1p(float_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


@op("log2", inplace=True)
class Log2(Function):
    """log base 2; d/dx = 1/(x ln 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).log2(float_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2.0))


@op("expm1", inplace=True)
class Expm1(Function):
    """e**x - 1, accurate for small x; d/dx = e**x = out + 1."""

    @staticmethod
    def forward(ctx, x):
        out = xp_of(x).expm1(float_array(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1)


@op("sqrt", inplace=True)
class Sqrt(Function):
    """x**(1/2); d/dx = 1 / (2 sqrt(x))."""

    @staticmethod
    def forward(ctx, x):
        out = xp_of(x).sqrt(float_array(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (out * 2)


@op("rsqrt", inplace=True)
class Rsqrt(Function):
    """x**(-1/2); d/dx = -x**(-3/2) / 2 = -out**3 / 2."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / xp_of(x).sqrt(float_array(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * out * out) * -0.5


@op("sin", inplace=True)
class Sin(Function):
    """d/dx sin x = cos x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).sin(float_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.cos(x)


@op("cos", inplace=True)
class Cos(Function):
    """d/dx cos x = -sin x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).cos(float_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * ctx.xp.sin(x)


@op("tanh", inplace=True)
class Tanh(Function):
    """d/dx tanh x = 1 - tanh(x)**2."""

    @staticmethod
    def forward(ctx, x):
        out = xp_of(x).tanh(float_array(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


@op("sigmoid", inplace=True)
class Sigmoid(Function):
    """1 / (1 + e**-x), as PyTorch computes it: tiny results such as sigmoid(-20) = 2.1e-9
    keep their digits, and where e**-x overflows to inf the result is exactly 0.
    d/dx = out (1 - out)."""

    @staticmethod
    def forward(ctx, x):
        x = float_array(x)
        out = 1 / (1 + xp_of(x).exp(-x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)


@op("relu", inplace=True)
class Relu(Function):
    """max(x, 0); the gradient passes where the output is not <= 0 (so also at NaN), and is
    exactly 0 elsewhere (a select, not a product: 0 * inf would be NaN), as in PyTorch."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError("relu: Boolean inputs not supported for relu")
        out = xp_of(x).maximum(x, x.dtype.type(0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        passes = ~(out <= 0)  # also at NaN
        # every gradient finite: then the product equals the select, and is many times
        # faster than ``where`` (a sum would be one pass, but it can overflow in float16)
        if ctx.xp.isfinite(grad).all():
            return grad * passes
        return ctx.xp.where(passes, grad, 0)  # inf * 0 would be NaN where 0 is meant


@op("reciprocal", inplace=True)
class Reciprocal(Function):
    """1/x; d/dx = -1/x**2 = -out**2."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / float_array(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * out * out


class _Step(Function):
    """A step function (sign, floor, ...): its derivative is 0 almost everywhere."""

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.zeros_like(grad)  # zeros, not grad * 0 (NaN * 0 is NaN)


def _refuse_bool(x, name) -> None:
    """PyTorch's rounding kernels take no bool tensor (NumPy would return it unchanged)."""
    if x.dtype.kind == "b":
        raise NotImplementedError(f'"{name}_vml_cpu" not implemented for \'Bool\'')


@op("sign", inplace=True)
class Sign(_Step):
    """-1, 0 or 1; sign(NaN) is 0 in PyTorch (so abs's gradient there is 0 too)."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            return x.copy()
        if x.dtype.kind == "f":
            return (x > 0).astype(x.dtype) - (x < 0)
        return xp_of(x).sign(x)


@op("floor", inplace=True)
class Floor(_Step):
    @staticmethod
    def forward(ctx, x):
        _refuse_bool(x, "floor")
        return xp_of(x).floor(x)


@op("ceil", inplace=True)
class Ceil(_Step):
    @staticmethod
    def forward(ctx, x):
        _refuse_bool(x, "ceil")
        return xp_of(x).ceil(x)


@op("trunc", inplace=True)
class Trunc(_Step):
    @staticmethod
    def forward(ctx, x):
        _refuse_bool(x, "trunc")
        return xp_of(x).trunc(x)


@builtin("round")
class Round(_Step):
    """Round half to even, like PyTorch."""

    @staticmethod
    def forward(ctx, x, decimals=0):
        _refuse_bool(x, "round")
        return xp_of(x).round(x, decimals)


@op("round", inplace=True)
def round(input, *, decimals: int = 0):
    """Round half to even (``decimals`` places), like PyTorch."""
    return Round.apply(input, decimals=decimals)


@op("square", inplace=True)
def square(input):
    return Mul.apply(input, input)


@builtin("clamp", backward_name="ClampBackward1")
class Clamp(Function):
    """Values limited to [min, max]; the gradient passes where min <= x <= max."""

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        if x.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
            x = float_array(x)
        elif x.dtype.kind == "b" and not (isinstance(min, bool) or isinstance(max, bool)):
            x = x.astype(dt.int64.np)  # bool tensor, int bounds: int64, as in PyTorch
        if x.dtype.kind in "iu":
            min, max = _int_bound(min, x.dtype), _int_bound(max, x.dtype)
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        return xp_of(x).clip(x, min, max)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = x == x
        if lo is not None:
            inside = inside & (x >= lo)
        if hi is not None:
            inside = inside & (x <= hi)
        return ctx.xp.where(inside, grad, 0.0)  # not grad * inside: a NaN grad stays outside


def _int_bound(bound, dtype):
    """An int bound in an integer dtype, converted as PyTorch converts it: a value the dtype
    cannot hold is refused, except that unsigned dtypes take negative values down to -2**bits,
    wrapping (uint8: -1 is 255, so ``clamp(x, -1, 2)`` is 2 everywhere)."""
    if bound is None or type(bound) is bool:
        return bound
    info = backend.int_info(dtype.name)
    lo = -info.max if info.min == 0 else info.min  # unsigned: down to -max, wrapped
    if not lo <= bound <= info.max:
        raise RuntimeError(f"clamp: value {bound} cannot be converted to type {dtype.name}_t "
                           f"without overflow")
    return bound % (info.max + 1) if info.min == 0 else bound


@op("clamp", aliases=("clip",), inplace=True)
def clamp(input, min=None, max=None):
    """Limit values to [min, max]; either bound may be None (or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min if isinstance(min, Tensor) else _full_like(out, min))
        if max is not None:
            out = minimum(out, max if isinstance(max, Tensor) else _full_like(out, max))
        return out
    return Clamp.apply(input, min=min, max=max)


def _full_like(x, value):
    return Tensor._wrap(xp_of(x._data).full(x._data.shape, value, dtype=x._data.dtype))


@op("clamp_min", inplace=True)
def clamp_min(input, min):
    return clamp(input, min=min)


@op("clamp_max", inplace=True)
def clamp_max(input, max):
    return clamp(input, max=max)


@op("erf", inplace=True)
class Erf(Function):
    """The error function; d/dx erf(x) = 2/sqrt(pi) e**(-x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return backend.erf(float_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.exp(-(x * x)) * (2.0 / math.sqrt(math.pi))


@op("atan", aliases=("arctan",), inplace=True)
class Atan(Function):
    """d/dx atan x = 1 / (1 + x**2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).arctan(float_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)


# ---------------------------------------------------------------------------------------------
# selection and composites
# ---------------------------------------------------------------------------------------------

@builtin("where", backward_name="WhereBackward0")
class Where(Function):
    """``a`` where ``condition`` holds, else ``b``: each gets the gradient where it was chosen."""

    @staticmethod
    def forward(ctx, condition, a, b):
        if condition.dtype.kind != "b":
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {dt._by_np[condition.dtype].name}")
        a2, b2 = promote(a, b, "where")
        xp = xp_of(a2)
        if condition.shape != a2.shape or condition.shape != b2.shape:
            from .common import check_broadcastable
            check_broadcastable(condition.shape, xp.broadcast_shapes(a2.shape, b2.shape),
                                "where")
        ctx.save_for_backward(condition)
        return xp.where(condition, a2, b2)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        _, need_a, need_b = ctx.needs_input_grad
        return (None, grad * condition if need_a else None,
                grad * ~condition if need_b else None)


@op("where", method=False)
def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (all three broadcast);
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' must be Tensor")
    from .common import as_tensor_like, check_devices
    ref = input if isinstance(input, Tensor) else other
    if not isinstance(ref, Tensor):
        from .creation import tensor as make
        ref = input = make(input, device=condition.device)
    a = input if isinstance(input, Tensor) else as_tensor_like(input, ref)
    b = other if isinstance(other, Tensor) else as_tensor_like(other, ref)
    check_devices("where", condition, a, b)
    return Where.apply(condition, a, b)


@op("lerp", inplace=True)
def lerp(input, end, weight):
    """``input + weight * (end - input)``."""
    return input + weight * (end - input)


@op("addcmul", inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * (tensor1 * tensor2) if value != 1 else input + tensor1 * tensor2


@op("addcdiv", inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + value * (tensor1 / tensor2) if value != 1 else input + tensor1 / tensor2


# ---------------------------------------------------------------------------------------------
# dtype and device conversion (differentiable: gradients convert back)
# ---------------------------------------------------------------------------------------------

@builtin("to", backward_name="ToCopyBackward0")
class ToCopy(Function):
    """A copy in another dtype or on another device; ``apply`` converts the gradient back to
    the input's dtype, and backward moves it back to the input's device."""

    @staticmethod
    def forward(ctx, x, dtype=None, device=None):
        ctx.home = backend.device_of(x) if device is not None else None
        if device is not None:
            x = backend.to_device(x, device.type, device.index)
        return x.astype(dtype.np) if dtype is not None else x

    @staticmethod
    def backward(ctx, grad):
        if ctx.home is None:
            return grad
        kind, index = ctx.home
        if hasattr(grad, "_data"):
            return grad.to(kind if index is None else f"{kind}:{index}")
        return backend.to_device(grad, kind, index)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (a copy; integer results have no gradient)."""
    return ToCopy.apply(x, dtype=dtype)


def to_device_op(x, device):
    """``x`` copied to ``device``."""
    return ToCopy.apply(x, device=device)


@op("clone")
class Clone(Function):
    """A copy with its own memory; the gradient flows through unchanged."""

    @staticmethod
    def forward(ctx, x, memory_format=None):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


__all__ = sorted(n for n, v in list(globals().items())
                 if not n.startswith("_") and callable(v) and n not in (
                     "annotations", "Function", "Tensor", "float_array", "promote", "xp_of",
                     "builtin", "op", "cast", "to", "to_device_op", "rsub", "rdiv", "rpow",
                     "rfloordiv", "rremainder") and not isinstance(v, type))
