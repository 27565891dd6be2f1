"""Indexing: ``x[key]`` and ``x[key] = v`` with ints, slices, None, Ellipsis, integer tensors,
lists and boolean masks; gather/scatter/index_select/masked_fill.

Backward of advanced indexing must *add* the gradient of repeated indices (``x[[0, 0, 1]]``).
"""
import numpy as np
import pytest
from helpers import check_double_backward, check_op, random_array

import edutorch


def _x(shape=(4, 5, 3), seed=0):
    return random_array(np.random.default_rng(seed), shape)


IDX = np.array([0, 2, 0, 3])  # index 0 twice: its gradient must be summed
MASK = np.array([True, False, True, True])

GETITEM = {
    "int": lambda lib, x, i, m: x[1],
    "neg_int": lambda lib, x, i, m: x[-1, 2],
    "ints_to_scalar": lambda lib, x, i, m: x[1, 2, 0],
    "slice": lambda lib, x, i, m: x[1:3],
    "slice_step": lambda lib, x, i, m: x[::2, 1:],
    "slice_neg": lambda lib, x, i, m: x[-3:-1, ::2],
    "none": lambda lib, x, i, m: x[None, 1],
    "none_mid": lambda lib, x, i, m: x[:, None, 0],
    "ellipsis": lambda lib, x, i, m: x[..., 1],
    "ellipsis_mid": lambda lib, x, i, m: x[0, ..., 2],
    "int_tensor": lambda lib, x, i, m: x[i],
    "int_tensor_dim1": lambda lib, x, i, m: x[:, i[:3]],
    "list": lambda lib, x, i, m: x[[0, 0, 1]],
    "two_int_tensors": lambda lib, x, i, m: x[i, i],
    "int_tensor_2d": lambda lib, x, i, m: x[i.reshape(2, 2)],
    "bool_mask": lambda lib, x, i, m: x[m],
    "bool_mask_dim1": lambda lib, x, i, m: x[:, m[:5] if m.shape[0] >= 5 else
                                             lib.cat([m, m[:1]])],
    "bool_mask_full": lambda lib, x, i, m: x[x > 0],
    "mixed": lambda lib, x, i, m: x[1:, i[:2] + 1, 0],
    "tensor_and_slice": lambda lib, x, i, m: x[i, 1:3],
    "zero_dim_int_tensor": lambda lib, x, i, m: x[i[1]],
}


@pytest.mark.parametrize("name", sorted(GETITEM))
def test_getitem(name):
    check_op(GETITEM[name], _x(seed=1), IDX, MASK)


@pytest.mark.parametrize("name", ["int_tensor", "list", "bool_mask", "slice_step", "mixed"])
def test_getitem_second_derivative(name):
    f = GETITEM[name]
    check_double_backward(lambda lib, x: f(lib, x, lib.tensor(IDX), lib.tensor(MASK)) ** 2,
                          _x((4, 5, 3), seed=2))


def test_repeated_index_gradient_accumulates(torch):
    x = edutorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 0.0]
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tx[[0, 0, 1]].sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()


def test_basic_index_is_a_view():
    x = edutorch.arange(12.0).reshape(3, 4)
    r = x[1]
    r[0] = -1.0
    assert x[1, 0].item() == -1.0
    assert x[1:, ::2].numpy().base is not None
    a = x[[0, 1]]  # advanced: a copy
    a[0, 0] = 99.0
    assert x[0, 0].item() == 0.0


def test_scalar_index_gives_zero_dim_tensor(torch):
    x = edutorch.arange(6).reshape(2, 3)
    e = x[1, 2]
    assert isinstance(e, edutorch.Tensor) and e.dim() == 0 and e.item() == 5
    assert e.dtype is edutorch.int64


SETITEM = {
    "int": (lambda x, v: x.__setitem__(1, v), (5, 3)),
    "slice": (lambda x, v: x.__setitem__(slice(1, 3), v), (2, 5, 3)),
    "ellipsis": (lambda x, v: x.__setitem__((Ellipsis, 0), v), (4, 5)),
    "int_tensor": (lambda x, v: x.__setitem__(np.array([0, 2]), v), (2, 5, 3)),
    "bool_mask": (lambda x, v: x.__setitem__(np.array([True, False, False, True]), v),
                  (2, 5, 3)),
    "broadcast": (lambda x, v: x.__setitem__((slice(None), 2), v), (3,)),
    "scalar_position": (lambda x, v: x.__setitem__((0, 1, 2), v), ()),
}


@pytest.mark.parametrize("name", sorted(SETITEM))
def test_setitem_on_non_leaf(name):
    """y = x * 1; y[key] = v: gradients flow to x (outside key) and to v (inside)."""
    setter, vshape = SETITEM[name]

    def f(lib, x, v):
        y = x * 1.0

        class Keys:  # turns the NumPy keys of the table into ``lib`` tensors
            def __setitem__(self, key, value):
                y[lib.tensor(key) if isinstance(key, np.ndarray) else key] = value
        setter(Keys(), v)
        return y * y
    check_op(f, _x(seed=3), _x(vshape, seed=4))


def test_setitem_with_python_number_and_without_grad(torch):
    def f(lib, x):
        y = x.clone()
        y[0, 1] = 5.0
        y[x > 1] = 0.0
        y[:, 0, :] = -1
        return y
    check_op(f, _x(seed=5))
    x = edutorch.zeros(3)
    before = x.numpy()
    x[1] = 2.0
    assert x.numpy() is before and x.tolist() == [0.0, 2.0, 0.0]  # in place, same array


def test_setitem_on_leaf_requiring_grad_raises():
    x = edutorch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0
    with edutorch.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_gather(torch):
    idx = np.array([[0, 2], [1, 1], [3, 0]])
    check_op(lambda lib, x, i: x.gather(1, i), _x((3, 4), 6), idx)
    check_op(lambda lib, x, i: lib.gather(x, 0, i), _x((4, 2), 7), idx)


def test_scatter(torch):
    idx = np.array([[0, 2], [1, 3], [3, 0]])
    check_op(lambda lib, x, i, s: x.scatter(1, i, s), _x((3, 4), 8), idx, _x((3, 2), 9))
    check_op(lambda lib, x, i: x.scatter(1, i, 2.5), _x((3, 4), 8), idx)
    check_op(lambda lib, x, i, s: lib.scatter_add(x, 1, i, s), _x((3, 4), 10),
             np.array([[0, 0], [1, 3], [3, 3]]), _x((3, 2), 11))
    check_op(lambda lib, x, i, s: x.scatter(1, i, s, reduce="add"), _x((3, 4), 8), idx,
             _x((3, 2), 9), grad=False)


def test_index_select(torch):
    idx = np.array([2, 0, 2])
    check_op(lambda lib, x, i: x.index_select(0, i), _x((4, 3), 12), idx)
    check_op(lambda lib, x, i: lib.index_select(x, 1, i), _x((4, 3), 13), idx)
    check_op(lambda lib, x, i: lib.index_select(x, -1, i), _x((4, 3), 13), idx)


def test_masked_fill(torch):
    m = _x((3, 4), 14) > 0
    check_op(lambda lib, x, mask: x.masked_fill(mask, -1.5), _x((3, 4), 15), m)
    check_op(lambda lib, x, mask: lib.masked_fill(x, mask[0], 0.0), _x((3, 4), 16), m)
    check_op(lambda lib, x, mask, v: x.masked_fill(mask, v), _x((3, 4), 17), m,
             np.array(2.0))
    check_op(lambda lib, x, mask: x.masked_fill(mask, float("-inf")).softmax(-1),
             _x((3, 4), 18), np.array([True, False, False, False]), gradcheck_=False)


def test_index_errors_are_clear():
    x = edutorch.zeros(2, 3)
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        x[5]
    with pytest.raises(IndexError, match="long, int, byte or bool"):
        x[edutorch.tensor([0.0])]
    with pytest.raises(IndexError, match="index_select"):
        x.index_select(0, edutorch.tensor([[0]]))
    with pytest.raises(RuntimeError, match="gather"):
        x.gather(1, edutorch.tensor([0, 1]))
