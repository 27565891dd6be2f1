"""Matrix products: matmul (batched, broadcasting), mm, bmm, dot, outer, einsum.

For ``C = A @ B`` the chain rule gives ``dA = dC @ B^T`` and ``dB = A^T @ dC``; batch dims that
were broadcast are summed back (``Function.apply`` does that), and 1-D operands are treated as
a row / column vector.
"""
from __future__ import annotations

from ..autograd.function import Function
from .common import Tensor, check_devices, xp_of
from .registry import builtin, op


def _check_matmul(a, b, op):
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{'input' if name == 'a' else 'other'}' must be "
                            f"Tensor, not {type(t).__name__}")
    check_devices(op, a, b)
    A, B = a._data, b._data
    if A.ndim == 0 or B.ndim == 0:
        raise RuntimeError(f"{op}: both arguments to matmul need to be at least 1D, but they are "
                           f"{A.ndim}D and {B.ndim}D")
    if A.dtype != B.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, but got "
                           f"{a.dtype.name} and {b.dtype.name}")
    k1 = A.shape[-1]
    k2 = B.shape[-2] if B.ndim > 1 else B.shape[0]
    if k1 != k2:
        raise RuntimeError(f"{op}: shapes {tuple(A.shape)} and {tuple(B.shape)} cannot be "
                           f"multiplied ({k1} != {k2})")
    if A.ndim > 2 or B.ndim > 2:
        try:
            xp_of(A).broadcast_shapes(A.shape[:-2], B.shape[:-2])
        except ValueError:
            raise RuntimeError(f"{op}: batch dims of shapes {tuple(A.shape)} and "
                               f"{tuple(B.shape)} cannot be broadcast together") from None


def _insert_one(shape, axis: int) -> tuple:
    """``shape`` with a 1 inserted at ``axis`` (negative: from the end), as unsqueeze does."""
    shape = tuple(shape)
    i = axis if axis >= 0 else len(shape) + axis + 1
    return shape[:i] + (1,) + shape[i:]


@builtin("matmul", backward_name="MatmulBackward0")
class Matmul(Function):
    """``C = A @ B``: dA = dC @ B^T, dB = A^T @ dC (a 1-D A is a row, a 1-D B a column)."""

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad or (False, False)
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # each for the other
        ctx.ndims = (a.ndim, b.ndim)
        out = xp_of(a).matmul(a, b)
        # ml_dtypes' bfloat16 products come back as float32; PyTorch keeps bfloat16
        return out if out.dtype == a.dtype else out.astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_nd, b_nd = ctx.ndims
        if a_nd == 1 and b_nd == 1:  # dot product: grad is a scalar
            return (grad * b if need_a else None), (grad * a if need_b else None)
        # view 1-D operands as matrices: a (k,) -> (1, k), b (k,) -> (k, 1)
        if a_nd == 1:
            a = a.reshape(1, -1) if a is not None else None
            grad = grad.reshape(_insert_one(grad.shape, -2))
        if b_nd == 1:
            b = b.reshape(-1, 1) if b is not None else None
            grad = grad.reshape(_insert_one(grad.shape, -1))
        ga = gb = None
        if need_a:
            ga = grad @ b.swapaxes(-1, -2)
            if a_nd == 1:
                ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
        if need_b:
            gb = a.swapaxes(-1, -2) @ grad
            if b_nd == 1:
                gb = gb.reshape(gb.shape[:-1])
        return ga, gb


@builtin("mm", backward_name="MmBackward0")
class Mm(Matmul):
    """``matmul`` of two matrices (its node is ``MmBackward0``, as in PyTorch)."""


@builtin("dot", backward_name="DotBackward0")
class Dot(Matmul):
    """``matmul`` of two vectors (its node is ``DotBackward0``)."""


_BY_NDIMS = {(2, 2): Mm, (1, 1): Dot}


@op("matmul", out="exact")
def matmul(input, other):
    """Matrix product with NumPy/PyTorch rules: 1-D is a vector, leading dims are batch dims
    and broadcast. Shapes (..., n, k) @ (..., k, m) -> (..., n, m)."""
    _check_matmul(input, other, "matmul")
    cls = _BY_NDIMS.get((input._data.ndim, other._data.ndim), Matmul)
    return cls.apply(input, other)


def rmatmul(a, b):
    return matmul(b, a)


@op("mm", out="exact")
def mm(input, mat2):
    """Product of two matrices: (n, k) @ (k, m) -> (n, m)."""
    a, b = input, mat2
    if not isinstance(a, Tensor) or a._data.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix (got {getattr(a, 'dim', lambda: '?')()}-D)")
    if not isinstance(b, Tensor) or b._data.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix (got "
                           f"{getattr(b, 'dim', lambda: '?')()}-D)")
    return matmul(a, b)


@op("inner")
def inner(input, other):
    """Sum over the last dims: ``out[i..., j...] = sum_k input[i..., k] * other[j..., k]``
    (a 0-d operand multiplies)."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    n, m = input._data.shape[-1], other._data.shape[-1]
    if n != m:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input._data.shape)} and {list(other._data.shape)}")
    if input._data.ndim == 1 and other._data.ndim == 1:
        return dot(input, other)
    out = matmul(input.reshape(-1, n), other.reshape(-1, n).t())
    return out.reshape(input._data.shape[:-1] + other._data.shape[:-1])


@op("bmm", out="exact")
def bmm(input, mat2):
    """Batched product: (B, n, k) @ (B, k, m) -> (B, n, m); no broadcasting."""
    a, b = input, mat2
    if a._data.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor (got {a._data.ndim}-D)")
    if b._data.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor (got {b._data.ndim}-D)")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"bmm: batch1 and batch2 must have same number of batches, got "
                           f"{a._data.shape[0]} and {b._data.shape[0]}")
    return matmul(a, b)


@op("mv")
def mv(input, vec):
    a, v = input, vec
    if a._data.ndim != 2 or v._data.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got {a._data.ndim}-D and "
                           f"{v._data.ndim}-D")
    return matmul(a, v)


@op("dot", out="exact")
def dot(input, other):
    """Inner product of two 1-D tensors of equal length."""
    a, b = input, other
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D "
                           f"tensors")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a._data.shape[0]}] and "
                           f"src [{b._data.shape[0]}] to have the same number of elements, but "
                           f"got {a._data.shape[0]} and {b._data.shape[0]} elements respectively")
    return matmul(a, b)


@op("outer", aliases=("ger",))
def outer(input, vec2):
    """``out[i, j] = a[i] * b[j]``."""
    a, b = input, vec2
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got {a._data.ndim}-D and "
                           f"{b._data.ndim}-D")
    return a.unsqueeze(1) * b.unsqueeze(0)


ger = outer


# ---------------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(equation, operands):
    eq = equation.replace(" ", "")
    lhs, rhs = eq.split("->") if "->" in eq else (eq, None)
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise RuntimeError(f"einsum(): {len(ins)} operands in the equation '{equation}' but "
                           f"{len(operands)} tensors were given")
    used = set(eq) - set(".,->")
    free = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for s, t in zip(ins, operands):
        if "..." in s:
            n_ell = max(n_ell, t._data.ndim - (len(s) - 3))
    ell = "".join(free[:n_ell])
    subs = []
    for i, (s, t) in enumerate(zip(ins, operands)):
        if "..." in s:
            k = t._data.ndim - (len(s) - 3)
            s = s.replace("...", ell[n_ell - k:] if k else "")
        if len(s) != t._data.ndim or not all(c in _LETTERS for c in s):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions "
                               f"({t._data.ndim}) for operand {i}")
        subs.append(s)
    if rhs is None:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        rhs = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    sizes = {}
    for s, t in zip(subs, operands):
        for c, n in zip(s, t._data.shape):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes "
                                   f"(subscript '{c}' has sizes {sizes[c]} and {n})")
            sizes[c] = max(sizes[c], n)
    return subs, rhs


def _contract(xp, equation, *operands):
    """``einsum`` with the array module's own function (NumPy: with a contraction order
    search for three operands or more), or edutorch's when the backward is recorded."""
    if len(operands) > 2 and not hasattr(operands[0], "_data"):
        return xp.einsum(equation, *operands, optimize=True)
    return xp.einsum(equation, *operands)


@builtin("einsum")
class Einsum(Function):
    """Einstein summation. The gradient of operand i is again an einsum: the output's gradient
    contracted with every other operand, back onto operand i's subscripts (letters that
    appear in operand i only were summed away: their gradient is broadcast back)."""

    @staticmethod
    def forward(ctx, *operands, subs, rhs):
        ctx.save_for_backward(*operands)
        ctx.subs, ctx.rhs = subs, rhs
        ctx.shapes = [t.shape for t in operands]
        return _contract(xp_of(operands[0]), ",".join(subs) + "->" + rhs, *operands)

    @staticmethod
    def backward(ctx, grad):
        ops = ctx.saved_tensors
        grads = []
        for i, s in enumerate(ctx.subs):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            if len(set(s)) != len(s):
                raise NotImplementedError(f"einsum backward: a subscript repeated within one "
                                          f"operand ('{s}', a diagonal) is not supported")
            others = [(ctx.subs[j], ops[j]) for j in range(len(ops)) if j != i]
            avail = set(ctx.rhs).union(*[set(o) for o, _ in others])
            target = "".join(c for c in s if c in avail)
            eq = ",".join([ctx.rhs] + [o for o, _ in others]) + "->" + target
            gi = _contract(ctx.xp, eq, grad, *[t for _, t in others])
            # letters only in this operand were summed, and a size-1 letter may have met a
            # larger one in another operand: broadcast the gradient back to the input's sizes
            sizes = iter(gi.shape)
            kept = tuple(next(sizes) if c in target else 1 for c in s)
            full = tuple(max(k, n) for k, n in zip(kept, ctx.shapes[i]))
            if target != s:
                gi = gi.reshape(kept)
            if full != kept:
                gi = ctx.xp.broadcast_to(gi, full)
            grads.append(gi)
        return tuple(grads)


@op("einsum", method=False)
def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)`` (``...`` allowed)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    check_devices("einsum", *operands)
    subs, rhs = _parse_einsum(equation, operands)
    dtypes = {t._data.dtype for t in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got "
                           f"{sorted(str(t.dtype) for t in operands)}")
    return Einsum.apply(*operands, subs=tuple(subs), rhs=rhs)


__all__ = ["matmul", "mm", "bmm", "mv", "dot", "inner", "outer", "ger", "einsum"]
