"""Matrix products: matmul (batched, broadcasting), mm, bmm, dot, outer, einsum.

For ``C = A @ B`` the chain rule gives ``dA = dC @ B^T`` and ``dB = A^T @ dC``; batch dims that
were broadcast are summed back, and 1-D operands are treated as a row / column vector.
"""
from __future__ import annotations

from .common import Node, Tensor, attach, check_devices, fit_grad, meta, needs, state, wrap, xp_of


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


class MmBackward0(Node):
    __slots__ = ("metas", "nd")

    def backward(self, g):
        a, b = self.saved_tensors
        a_nd, b_nd = self.nd
        if a_nd == 1 and b_nd == 1:  # dot product: g is a scalar
            return (fit_grad(g * b, self.metas[0]) if needs(self, 0) else None,
                    fit_grad(g * a, self.metas[1]) if needs(self, 1) else None)
        # view 1-D operands as matrices: a (k,) -> (1, k), b (k,) -> (k, 1)
        # a is saved only when b needs a gradient, and b only when a does
        if a_nd == 1:
            a = a.unsqueeze(0) if a is not None else None
            g = g.unsqueeze(-2)
        if b_nd == 1:
            b = b.unsqueeze(1) if b is not None else None
            g = g.unsqueeze(-1)
        ga = gb = None
        if needs(self, 0):
            ga = g.matmul(b.mT)
            if a_nd == 1:
                ga = ga.squeeze(-2)
            ga = fit_grad(ga, self.metas[0])
        if needs(self, 1):
            gb = a.mT.matmul(g) if b_nd > 1 or a_nd > 1 else a.mT.matmul(g)
            if b_nd == 1:
                gb = gb.squeeze(-1)
            gb = fit_grad(gb, self.metas[1])
        return ga, gb


class MatmulBackward0(MmBackward0):
    __slots__ = ()


class DotBackward0(MmBackward0):
    __slots__ = ()


def matmul(a, b):
    """Matrix product with NumPy/PyTorch rules: 1-D is a vector, leading dims are batch dims
    and broadcast. Shapes (..., n, k) @ (..., k, m) -> (..., n, m)."""
    _check_matmul(a, b, "matmul")
    out = wrap(xp_of(a._data).matmul(a._data, b._data))
    if state.enabled and (a._rg or b._rg):
        nd = (a._data.ndim, b._data.ndim)
        cls = MmBackward0 if nd == (2, 2) else DotBackward0 if nd == (1, 1) else MatmulBackward0
        node = cls((a, b))
        node.metas, node.nd = (meta(a), meta(b)), nd
        node.save_for_backward(a if b._rg else None, b if a._rg else None)
        attach(out, node)
    return out


def rmatmul(a, b):
    return matmul(b, a)


def mm(a, b):
    """Product of two matrices: (n, k) @ (k, m) -> (n, m)."""
    if not isinstance(a, Tensor) or a._data.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix (got {getattr(a, 'dim', lambda: '?')()}-D)")
    if not isinstance(b, Tensor) or b._data.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix (got "
                           f"{getattr(b, 'dim', lambda: '?')()}-D)")
    return matmul(a, b)


def bmm(a, b):
    """Batched product: (B, n, k) @ (B, k, m) -> (B, n, m); no broadcasting."""
    if a._data.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor (got {a._data.ndim}-D)")
    if b._data.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor (got {b._data.ndim}-D)")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"bmm: batch1 and batch2 must have same number of batches, got "
                           f"{a._data.shape[0]} and {b._data.shape[0]}")
    return matmul(a, b)


def mv(a, v):
    if a._data.ndim != 2 or v._data.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got {a._data.ndim}-D and "
                           f"{v._data.ndim}-D")
    return matmul(a, v)


def dot(a, b):
    """Inner product of two 1-D tensors of equal length."""
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D "
                           f"tensors")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a._data.shape[0]}] and "
                           f"src [{b._data.shape[0]}] to have the same number of elements, but "
                           f"got {a._data.shape[0]} and {b._data.shape[0]} elements respectively")
    return matmul(a, b)


inner = dot


def outer(a, b):
    """``out[i, j] = a[i] * b[j]``."""
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
    for i, (s, t) in enumerate(zip(subs, operands)):
        for c, n in zip(s, t._data.shape):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                raise RuntimeError(f"einsum(): operands do not broadcast with remapped shapes "
                                   f"(subscript '{c}' has sizes {sizes[c]} and {n})")
            sizes[c] = max(sizes[c], n)
    return subs, rhs


class EinsumBackward0(Node):
    __slots__ = ("subs", "rhs", "metas")

    def backward(self, g):
        ops = self.saved_tensors
        grads = []
        for i, s in enumerate(self.subs):
            if not needs(self, i):
                grads.append(None)
                continue
            if len(set(s)) != len(s):
                raise NotImplementedError(f"einsum backward: a subscript repeated within one "
                                          f"operand ('{s}', a diagonal) is not supported")
            others = [(self.subs[j], ops[j]) for j in range(len(ops)) if j != i]
            avail = set(self.rhs).union(*[set(o) for o, _ in others])
            target = "".join(c for c in s if c in avail)
            eq = ",".join([self.rhs] + [o for o, _ in others]) + "->" + target
            gi = einsum(eq, g, *[t for _, t in others])
            if target != s:  # letters only in this operand were summed: broadcast back
                shape = [self.metas[i][0][k] if c in target else 1 for k, c in enumerate(s)]
                gi = gi.reshape([n for n, c in zip(shape, s) if c in target])
                gi = gi.reshape(shape).expand(self.metas[i][0])
            grads.append(fit_grad(gi, self.metas[i]))
        return tuple(grads)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)`` (``...`` allowed)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    check_devices("einsum", *operands)
    subs, rhs = _parse_einsum(equation, operands)
    xp = xp_of(operands[0]._data)
    dtypes = {t._data.dtype for t in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got "
                           f"{sorted(str(t.dtype) for t in operands)}")
    out = wrap(xp.einsum(",".join(subs) + "->" + rhs, *[t._data for t in operands],
                         optimize=len(operands) > 2))
    if state.enabled and any(t._rg for t in operands):
        node = EinsumBackward0(operands)
        node.subs, node.rhs, node.metas = subs, rhs, [meta(t) for t in operands]
        node.save_for_backward(*operands)
        attach(out, node)
    return out


__all__ = ["matmul", "rmatmul", "mm", "bmm", "mv", "dot", "inner", "outer", "ger", "einsum"]
