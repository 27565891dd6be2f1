"""Shape ops: reshape/view/permute/..., cat/stack/split/chunk; views share memory.

Forward and backward against PyTorch (float64 and float32), gradcheck in float64.
"""
import numpy as np
import pytest
from helpers import check_double_backward, check_op, random_array

import edutorch


def _x(shape=(2, 3, 4), seed=0):
    return random_array(np.random.default_rng(seed), shape)


SHAPE_OPS = {
    "reshape": lambda lib, x: x.reshape(4, 6),
    "reshape_infer": lambda lib, x: x.reshape(-1, 3),
    "reshape_tuple": lambda lib, x: lib.reshape(x, (3, 8)),
    "view": lambda lib, x: x.view(6, 4),
    "view_infer": lambda lib, x: x.view(2, -1),
    "permute": lambda lib, x: x.permute(2, 0, 1),
    "permute_tuple": lambda lib, x: lib.permute(x, (1, 2, 0)),
    "transpose": lambda lib, x: x.transpose(0, 2),
    "transpose_neg": lambda lib, x: lib.transpose(x, -1, -2),
    "T_matrix": lambda lib, x: x[0].T,
    "mT": lambda lib, x: x.mT,
    "t": lambda lib, x: x[1].t(),
    "flatten": lambda lib, x: x.flatten(),
    "flatten_range": lambda lib, x: lib.flatten(x, 1),
    "flatten_mid": lambda lib, x: x.flatten(0, 1),
    "unflatten": lambda lib, x: x.unflatten(2, (2, 2)),
    "unflatten_infer": lambda lib, x: x.unflatten(-1, (-1, 2)),
    "squeeze": lambda lib, x: x.reshape(2, 1, 12, 1).squeeze(),
    "squeeze_dim": lambda lib, x: x.reshape(2, 1, 12, 1).squeeze(1),
    "squeeze_noop": lambda lib, x: x.squeeze(0),
    "unsqueeze": lambda lib, x: x.unsqueeze(1),
    "unsqueeze_neg": lambda lib, x: lib.unsqueeze(x, -1),
    "expand": lambda lib, x: x[:, :1, :].expand(2, 5, 4),
    "expand_new_dims": lambda lib, x: x[0, 0].expand(3, 2, 4),
    "expand_minus1": lambda lib, x: x[:, :1].expand(-1, 3, -1),
    "expand_as": lambda lib, x: x[:1].expand_as(x),
    "repeat": lambda lib, x: x.repeat(2, 1, 3),
    "repeat_more_dims": lambda lib, x: x[0].repeat(2, 2, 1),
    "narrow": lambda lib, x: x.narrow(2, 1, 2),
    "narrow_fn": lambda lib, x: lib.narrow(x, 0, 1, 1),
    "contiguous": lambda lib, x: x.transpose(0, 1).contiguous(),
    "split_int": lambda lib, x: x.split(2, dim=2),
    "split_uneven": lambda lib, x: lib.split(x, 2, dim=1),
    "split_sizes": lambda lib, x: x.split([1, 3], dim=2),
    "chunk": lambda lib, x: x.chunk(2, dim=2),
    "chunk_uneven": lambda lib, x: lib.chunk(x, 2, dim=1),
    "unbind": lambda lib, x: x.unbind(1),
    "flip": lambda lib, x: x.flip(0, 2) if lib.__name__ == "torch" else x.flip((0, 2)),
    "movedim": lambda lib, x: x.movedim(0, -1),
    "swapaxes": lambda lib, x: x.swapaxes(0, 1),
    "roll": lambda lib, x: x.roll(1, 2),
    "view_after_permute_fails_use_reshape": lambda lib, x: x.permute(2, 0, 1).reshape(4, 6),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_op(name):
    check_op(SHAPE_OPS[name], _x(seed=1))


@pytest.mark.parametrize("name", ["reshape", "permute", "expand", "repeat", "split_uneven",
                                  "unflatten", "narrow"])
def test_shape_op_second_derivative(name):
    f = SHAPE_OPS[name]
    check_double_backward(lambda lib, x: f(lib, x) if not isinstance(f(lib, x), tuple)
                          else f(lib, x)[0] * 2 + f(lib, x)[-1].sum(), _x(seed=2))


def test_cat_and_stack(torch):
    a, b, c = _x((2, 3), 3), _x((1, 3), 4), _x((4, 3), 5)
    check_op(lambda lib, x, y, z: lib.cat([x, y, z]), a, b, c)
    check_op(lambda lib, x, y: lib.cat((x, y.T), dim=1), a, _x((2, 2), 6).T.copy())
    check_op(lambda lib, x, y: lib.cat([x, y], dim=-1), a, _x((2, 5), 7))
    check_op(lambda lib, x, y: lib.stack([x, y]), a, _x((2, 3), 8))
    check_op(lambda lib, x, y: lib.stack([x, y], dim=1), a, _x((2, 3), 8))
    check_op(lambda lib, x, y: lib.stack((x, y), dim=-1), a, _x((2, 3), 8))


def test_cat_mixed_dtypes_promote(torch):
    a = np.arange(6).reshape(2, 3)
    b = _x((1, 3), 9)
    check_op(lambda lib, x, y: lib.cat([x, y]), a, b)


def test_cat_with_one_input_not_requiring_grad(torch):
    a = _x((2, 3), 10)

    def f(lib, x):
        return lib.cat([x, lib.ones(1, 3, dtype=x.dtype, device=x.device), x * 2])
    check_op(f, a)


def test_views_share_memory_and_version():
    x = edutorch.arange(12.0)
    v = x.view(3, 4)
    r = x.reshape(4, 3)
    p = v.permute(1, 0)
    s = v[1]
    n = x.narrow(0, 2, 3)
    for t in (v, r, p, s, n):
        assert np.shares_memory(t.numpy(), x.numpy())
    v[0, 0] = 100.0
    assert x[0].item() == 100.0 and p[0, 0].item() == 100.0
    assert x._version == v._version == s._version == p._version == 1  # one shared counter


def test_reshape_copies_when_it_must_and_view_refuses(torch):
    x = edutorch.arange(6.0).reshape(2, 3).t()
    y = x.reshape(6)
    assert not np.shares_memory(y.numpy(), x.numpy())
    assert y.tolist() == torch.arange(6.0).reshape(2, 3).t().reshape(6).tolist()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)


def test_contiguous_returns_self_when_contiguous():
    x = edutorch.zeros(2, 3)
    assert x.contiguous() is x
    t = x.t()
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c.shape == t.shape


def test_split_and_chunk_pieces(torch):
    x = edutorch.arange(10)
    assert [p.tolist() for p in x.split(3)] == [p.tolist() for p in torch.arange(10).split(3)]
    assert [p.tolist() for p in x.chunk(4)] == [p.tolist() for p in torch.arange(10).chunk(4)]
    assert [p.tolist() for p in x.chunk(3)] == [p.tolist() for p in torch.arange(10).chunk(3)]


def test_backward_through_one_split_piece(torch):
    """Only some outputs of a multi-output node receive gradient: the rest count as zero."""
    check_op(lambda lib, x: x.split(2, dim=1)[1] * 3, _x((3, 5), 11))
    check_op(lambda lib, x: x.chunk(3)[0].sum() + x.chunk(3)[2].sum(), _x((3, 5), 12))


def test_size_queries(torch):
    a = np.zeros((2, 3, 4))
    e, t = edutorch.tensor(a), torch.tensor(a)
    assert e.shape == t.shape == (2, 3, 4)
    assert e.size() == tuple(t.size()) and e.size(1) == t.size(1) and e.size(-1) == 4
    assert isinstance(e.shape, tuple) and repr(e.shape) == repr(t.shape).replace("torch.",
                                                                                 "edutorch.")
    assert e.dim() == t.dim() == e.ndim and e.numel() == t.numel() == 24
    assert e.shape.numel() == 24
    assert len(e) == 2
    assert e.stride() == t.stride()
    assert e.transpose(0, 2).stride() == t.transpose(0, 2).stride()
    assert e.size(1) == 3 and isinstance(e.size(1), int)


def test_shape_errors_name_the_problem():
    x = edutorch.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match="expanded size"):
        x.expand(4, 3)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
        edutorch.cat([x, edutorch.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        edutorch.stack([x, edutorch.zeros(3, 2)])
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match="number of dimensions"):
        x.permute(1, 0, 2)
