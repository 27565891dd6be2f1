"""finfo/iinfo, broadcast_shapes and meshgrid, against PyTorch where it imports."""
import numpy as np
import pytest

import edutorch


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo(name):
    f = edutorch.finfo(getattr(edutorch, name))
    ref = np.finfo(name)
    assert (f.eps, f.max, f.min, f.tiny, f.bits) == (float(ref.eps), float(ref.max),
                                                      float(ref.min), float(ref.tiny), ref.bits)


def test_finfo_repr_and_iinfo_like_torch(torch):
    assert repr(edutorch.finfo(edutorch.float32)) == repr(torch.finfo(torch.float32))
    for name in ["int8", "int16", "int32", "int64", "uint8"]:
        a, b = edutorch.iinfo(getattr(edutorch, name)), torch.iinfo(getattr(torch, name))
        assert (a.min, a.max, a.bits) == (b.min, b.max, b.bits)


def test_info_rejects_wrong_kind():
    with pytest.raises(TypeError, match="floating point"):
        edutorch.finfo(edutorch.int32)
    with pytest.raises(TypeError, match="integer"):
        edutorch.iinfo(edutorch.float32)


@pytest.mark.parametrize("shapes,expected", [(((2, 1), (3,)), (2, 3)), (((1,), ()), (1,)),
                                             (((4, 1, 5), (3, 1), (1,)), (4, 3, 5)), ((5,), (5,))])
def test_broadcast_shapes(shapes, expected):
    assert edutorch.broadcast_shapes(*shapes) == expected
    assert np.broadcast_shapes(*shapes) == expected


def test_broadcast_shapes_error():
    with pytest.raises(RuntimeError, match="broadcast_shapes"):
        edutorch.broadcast_shapes((2,), (3,))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_numpy(indexing):
    a, b, c = np.arange(3.0), np.arange(2.0), np.arange(4.0)
    ours = edutorch.meshgrid(edutorch.tensor(a), edutorch.tensor(b), edutorch.tensor(c),
                             indexing=indexing)
    ref = np.meshgrid(a, b, c, indexing=indexing)
    for o, r in zip(ours, ref):
        np.testing.assert_array_equal(o.numpy(), r)


def test_meshgrid_is_differentiable():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    y = edutorch.tensor([3.0, 4.0, 5.0], requires_grad=True)
    gx, gy = edutorch.meshgrid(x, y, indexing="ij")
    (gx * gy).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 12.0])
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0, 3.0])
