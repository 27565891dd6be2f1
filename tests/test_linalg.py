"""Matrix products: matmul (1-D cases, batching, broadcasting), mm, bmm, outer, dot, einsum."""
import numpy as np
import pytest
from helpers import check_double_backward, check_op, random_array
from hypothesis import given, settings
from hypothesis import strategies as st

import edutorch


def _x(shape, seed=0):
    return random_array(np.random.default_rng(seed), shape)


MATMUL_SHAPES = [
    ((3, 4), (4, 2)),        # matrix @ matrix
    ((4,), (4,)),            # vector . vector -> scalar
    ((4,), (4, 2)),          # vector @ matrix
    ((3, 4), (4,)),          # matrix @ vector
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 3, 4), (4, 5)),     # batch @ matrix (broadcast)
    ((3, 4), (2, 4, 5)),     # matrix @ batch
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims
    ((4,), (2, 4, 3)),       # vector @ batch
    ((2, 3, 4), (4,)),       # batch @ vector
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul(sa, sb):
    check_op(lambda lib, a, b: lib.matmul(a, b), _x(sa, 1), _x(sb, 2))
    check_op(lambda lib, a, b: a @ b, _x(sa, 3), _x(sb, 4))


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:6], ids=str)
def test_matmul_second_derivative(sa, sb):
    check_double_backward(lambda lib, a, b: (a @ b) * (a @ b), _x(sa, 5), _x(sb, 6))


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul_one_side_constant(sa, sb):
    a, b = _x(sa, 7), _x(sb, 8)
    check_op(lambda lib, x: x @ lib.tensor(b, dtype=x.dtype, device=x.device), a)
    check_op(lambda lib, y: lib.tensor(a, dtype=y.dtype, device=y.device) @ y, b)


def test_mm_bmm_outer_dot_mv(torch):
    check_op(lambda lib, a, b: lib.mm(a, b), _x((3, 4), 9), _x((4, 2), 10))
    check_op(lambda lib, a, b: a.mm(b), _x((3, 4), 9), _x((4, 2), 10))
    check_op(lambda lib, a, b: lib.bmm(a, b), _x((2, 3, 4), 11), _x((2, 4, 5), 12))
    check_op(lambda lib, a, b: lib.outer(a, b), _x((3,), 13), _x((4,), 14))
    check_op(lambda lib, a, b: lib.dot(a, b), _x((4,), 15), _x((4,), 16))
    check_op(lambda lib, a, b: a.dot(b), _x((4,), 15), _x((4,), 16))
    check_op(lambda lib, a, b: lib.mv(a, b), _x((3, 4), 17), _x((4,), 18))


EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,jk", [(3, 4), (4, 2)]),  # implicit output
]


@pytest.mark.parametrize("eq,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum(eq, shapes):
    arrays = [_x(s, 20 + i) for i, s in enumerate(shapes)]
    check_op(lambda lib, *ts: lib.einsum(eq, *ts), *arrays)


def test_einsum_second_derivative():
    check_double_backward(lambda lib, a, b: lib.einsum("ij,jk->ik", a, b) ** 2, _x((2, 3), 30),
                          _x((3, 2), 31))


@settings(max_examples=25, deadline=None)
@given(batch_a=st.lists(st.integers(1, 3), max_size=2), batch_b=st.lists(st.integers(1, 3),
                                                                          max_size=2),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       vec_a=st.booleans(), vec_b=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_matmul_broadcasting_hypothesis(batch_a, batch_b, n, k, m, vec_a, vec_b, seed):
    # make the batch shapes broadcastable: where both have a dim, one of the pair becomes 1
    ba, bb = list(batch_a), list(batch_b)
    for i in range(1, min(len(ba), len(bb)) + 1):
        if ba[-i] != bb[-i]:
            bb[-i] = 1
    sa = (k,) if vec_a else tuple(ba) + (n, k)
    sb = (k,) if vec_b else tuple(bb) + (k, m)
    check_op(lambda lib, a, b: a @ b, _x(sa, seed), _x(sb, seed + 1),
             expected=lambda a, b: np.matmul(a, b))


def test_matmul_shape_error_message():
    a, b = edutorch.zeros(3, 4), edutorch.zeros(5, 2)
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) cannot be "
                                           r"multiplied \(4 != 5\)"):
        a @ b
    with pytest.raises(RuntimeError, match="bmm"):
        edutorch.bmm(edutorch.zeros(2, 3, 4), edutorch.zeros(3, 4, 5))
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        edutorch.dot(edutorch.zeros(2, 2), edutorch.zeros(2))
    with pytest.raises(RuntimeError, match="dtype"):
        edutorch.zeros(2, 2) @ edutorch.zeros(2, 2, dtype=edutorch.float64)
    with pytest.raises(RuntimeError, match="at least 1D"):
        edutorch.tensor(2.0) @ edutorch.zeros(2)


def test_integer_matmul(torch):
    check_op(lambda lib, a, b: a @ b, np.arange(6).reshape(2, 3), np.arange(3), grad=False)


def test_einsum_diagonal_forward_and_clear_backward_error(torch):
    """A subscript repeated within one operand ('ii'): the forward matches PyTorch; its backward
    is not implemented in edutorch and says so (instead of a wrong gradient)."""
    a = np.arange(9.0).reshape(3, 3)
    check_op(lambda lib, x: lib.einsum("ii->i", x), a, grad=False)
    check_op(lambda lib, x: lib.einsum("ii->", x), a, grad=False)
    x = edutorch.tensor(a, requires_grad=True)
    with pytest.raises(NotImplementedError, match="einsum backward: a subscript repeated"):
        edutorch.einsum("ii->i", x).sum().backward()
