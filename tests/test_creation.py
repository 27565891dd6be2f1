"""Creating tensors and reading them back: factories, random numbers and seeds, conversions
(item, tolist, numpy), and what a tensor is (shape, size(), dim(), numel(), dtype, device)."""
import numpy as np
import pytest

import edutorch


def _same(e, t):
    """Same dtype name, shape and values as a torch tensor."""
    assert e.dtype.name == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    assert np.array_equal(e.numpy(), t.numpy(), equal_nan=True)


def test_tensor_from_data(torch):
    for data in ([1.5, 2.0], [[1, 2], [3, 4]], 3.0, 7, [True, False], [], [[1.0], [2.0]]):
        _same(edutorch.tensor(data), torch.tensor(data))
    _same(edutorch.tensor([1, 2], dtype=edutorch.float64),
          torch.tensor([1, 2], dtype=torch.float64))


def test_tensor_copies_its_data():
    a = np.zeros(3)
    t = edutorch.tensor(a)
    a[0] = 1.0
    assert t[0].item() == 0.0
    s = edutorch.tensor(t)  # from a tensor: a copy too
    s[1] = 5.0
    assert t[1].item() == 0.0


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = edutorch.from_numpy(a)
    a[0] = 2.0
    assert t[0].item() == 2.0
    u = edutorch.as_tensor(a)
    u[1] = 3.0
    assert a[1] == 3.0
    assert edutorch.as_tensor(t) is t


def test_tensor_of_tensors(torch):
    parts = [edutorch.tensor(1.0), edutorch.tensor(2.0)]
    _same(edutorch.tensor(parts), torch.tensor([torch.tensor(1.0), torch.tensor(2.0)]))


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_filled_factories(torch, name):
    for args in ((2, 3), ((2, 3),), ([4],), ((),)):
        e, t = getattr(edutorch, name)(*args), getattr(torch, name)(*args)
        assert tuple(e.shape) == tuple(t.shape) and e.dtype is edutorch.float32
        if name != "empty":
            _same(e, t)
    e = getattr(edutorch, name)(2, dtype=edutorch.int32)
    assert e.dtype is edutorch.int32
    assert getattr(edutorch, name)(2, requires_grad=True).requires_grad


def test_full_and_like_factories(torch):
    _same(edutorch.full((2, 2), 1.5), torch.full((2, 2), 1.5))
    _same(edutorch.full((2,), 3), torch.full((2,), 3))
    _same(edutorch.full((2,), True), torch.full((2,), True))
    x, tx = edutorch.ones(2, 3, dtype=edutorch.float64), torch.ones(2, 3, dtype=torch.float64)
    _same(edutorch.zeros_like(x), torch.zeros_like(tx))
    _same(edutorch.ones_like(x), torch.ones_like(tx))
    _same(edutorch.full_like(x, 7), torch.full_like(tx, 7))
    _same(edutorch.zeros_like(x, dtype=edutorch.int64), torch.zeros_like(tx, dtype=torch.int64))
    assert edutorch.empty_like(x).shape == x.shape
    assert edutorch.rand_like(x).dtype is edutorch.float64
    assert edutorch.randn_like(x).shape == x.shape
    _same(x.new_zeros(3), tx.new_zeros(3))
    _same(x.new_ones((1, 2)), tx.new_ones((1, 2)))
    _same(x.new_full((2,), 4.0), tx.new_full((2,), 4.0))
    _same(x.new_tensor([1, 2]), tx.new_tensor([1, 2]))


def test_ranges(torch):
    for args in ((5,), (2, 8), (0, 10, 3), (1.0, 2.0, 0.25), (0, 1, 0.1), (5, 0, -2)):
        _same(edutorch.arange(*args), torch.arange(*args))
    _same(edutorch.arange(4, dtype=edutorch.float64), torch.arange(4, dtype=torch.float64))
    for args in ((0, 1, 5), (-2.0, 2.0, 9), (3, 3, 1)):
        e, t = edutorch.linspace(*args), torch.linspace(*args)
        assert e.dtype.name == "float32" and np.allclose(e.numpy(), t.numpy(), atol=1e-6)
    _same(edutorch.eye(3), torch.eye(3))
    _same(edutorch.eye(2, 4), torch.eye(2, 4))


def test_random_factories_shapes_dtypes_and_ranges():
    r = edutorch.rand(1000)
    assert r.dtype is edutorch.float32 and 0 <= r.min().item() and r.max().item() < 1
    n = edutorch.randn(2000, dtype=edutorch.float64)
    assert n.dtype is edutorch.float64
    assert abs(n.mean().item()) < 0.1 and abs(n.std().item() - 1) < 0.1
    i = edutorch.randint(3, 7, (500,))
    assert i.dtype is edutorch.int64 and i.min().item() >= 3 and i.max().item() <= 6
    assert edutorch.randint(5, (2, 3)).shape == (2, 3)
    p = edutorch.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype is edutorch.int64
    assert edutorch.rand(2, 3, requires_grad=True).requires_grad


def test_manual_seed_makes_runs_repeat():
    edutorch.manual_seed(42)
    a = (edutorch.rand(5), edutorch.randn(3), edutorch.randint(0, 100, (4,)),
         edutorch.randperm(6))
    edutorch.manual_seed(42)
    b = (edutorch.rand(5), edutorch.randn(3), edutorch.randint(0, 100, (4,)),
         edutorch.randperm(6))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    edutorch.manual_seed(43)
    assert edutorch.rand(5).tolist() != a[0].tolist()


def test_generator_is_independent_of_the_global_stream():
    g = edutorch.Generator().manual_seed(7)
    first = edutorch.rand(4, generator=g)
    edutorch.rand(10)  # the global stream does not disturb g
    g2 = edutorch.Generator()
    g2.manual_seed(7)
    assert edutorch.rand(4, generator=g2).tolist() == first.tolist()
    assert g.initial_seed() == 7


def test_item_tolist_numpy(torch):
    x = edutorch.tensor([[1.5, 2.0], [3.0, 4.0]])
    tx = torch.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert x.tolist() == tx.tolist()
    assert x[0, 1].item() == tx[0, 1].item() == 2.0 and isinstance(x[0, 1].item(), float)
    assert isinstance(edutorch.tensor([3]).item(), int)
    assert isinstance(edutorch.tensor(True).item(), bool)
    arr = x.numpy()
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32
    arr[0, 0] = -1.0  # numpy() shares memory, like PyTorch's
    assert x[0, 0].item() == -1.0
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    assert float(edutorch.tensor(2.5)) == 2.5 and int(edutorch.tensor(3)) == 3
    assert edutorch.tensor(5.0).tolist() == 5.0


def test_numpy_refuses_a_tensor_that_requires_grad():
    x = edutorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires "
                                           r"grad. Use tensor.detach\(\).numpy\(\) instead"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(x * 2)


def test_what_a_tensor_is(torch):
    x = edutorch.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-2) == 3
    assert x.dim() == 3 and x.ndim == 3 and x.numel() == 24 and edutorch.numel(x) == 24
    assert x.dtype is edutorch.float32
    assert x.device == edutorch.device("cpu") and str(x.device) == "cpu"
    assert x.device.type == "cpu" and x.is_cpu and not x.is_cuda
    assert repr(x.device) == repr(torch.zeros(1).device)
    assert x.element_size() == 4
    assert edutorch.is_tensor(x) and not edutorch.is_tensor([1])
    assert len(x) == 2 and [t.shape for t in x] == [(3, 4), (3, 4)]


def test_bool_of_a_tensor():
    assert bool(edutorch.tensor([1.0])) and not bool(edutorch.tensor(0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(edutorch.tensor([1, 2]))


def test_tensor_constructor_class():
    t = edutorch.Tensor([1, 2])
    assert t.dtype is edutorch.float32 and t.tolist() == [1.0, 2.0]
    assert edutorch.Tensor(2, 3).shape == (2, 3)


def test_negative_size_is_an_error():
    with pytest.raises(RuntimeError, match="negative dimension"):
        edutorch.zeros(2, -1)
