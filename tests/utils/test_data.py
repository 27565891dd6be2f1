"""edutorch.utils.data: datasets, samplers, collation and the DataLoader."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import edutorch
from edutorch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)


def _dataset(n=10):
    x = edutorch.arange(n * 2, dtype=edutorch.float32).reshape(n, 2)
    y = edutorch.arange(n)
    return TensorDataset(x, y)


def _labels(loader):
    return [yb.tolist() for _, yb in loader]


# -- DataLoader --------------------------------------------------------------------------------

def test_batches_in_order_with_shapes():
    batches = list(DataLoader(_dataset(10), batch_size=4))
    assert [tuple(xb.shape) for xb, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    assert [yb.tolist() for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].dtype == edutorch.float32 and batches[0][1].dtype == edutorch.int64
    assert batches[1][0].tolist() == [[8.0, 9.0], [10.0, 11.0], [12.0, 13.0], [14.0, 15.0]]


def test_drop_last_and_len():
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(_dataset(10), batch_size=4)) == 3
    assert len(DataLoader(_dataset(8), batch_size=4)) == 2


def test_shuffle_is_reproducible_with_a_seeded_generator():
    def epochs(seed):
        loader = DataLoader(_dataset(23), batch_size=5, shuffle=True,
                            generator=edutorch.Generator().manual_seed(seed))
        return [sum(_labels(loader), []) for _ in range(3)]

    first, again, other = epochs(7), epochs(7), epochs(8)
    assert first == again
    assert first != other
    assert first[0] != first[1], "each epoch draws a new order"
    for order in first:  # every sample exactly once per epoch
        assert sorted(order) == list(range(23))
    assert first[0] != list(range(23))


def test_shuffle_uses_the_global_seed_without_a_generator():
    edutorch.manual_seed(3)
    a = sum(_labels(DataLoader(_dataset(12), batch_size=5, shuffle=True)), [])
    edutorch.manual_seed(3)
    b = sum(_labels(DataLoader(_dataset(12), batch_size=5, shuffle=True)), [])
    assert a == b and sorted(a) == list(range(12))


def test_batch_size_none_yields_single_samples():
    loader = DataLoader([np.array([1, 2]), np.array([3, 4])], batch_size=None)
    out = list(loader)
    assert len(loader) == 2
    assert all(isinstance(t, edutorch.Tensor) for t in out)
    assert [t.tolist() for t in out] == [[1, 2], [3, 4]]


def test_custom_collate_fn_and_plain_list_dataset():
    loader = DataLoader(list(range(7)), batch_size=3, collate_fn=lambda b: sum(b))
    assert list(loader) == [3, 12, 6]


def test_batch_sampler_and_sampler_options():
    ds = _dataset(6)
    loader = DataLoader(ds, batch_sampler=[[5, 0], [2, 3, 4]])
    assert _labels(loader) == [[5, 0], [2, 3, 4]]
    loader = DataLoader(ds, sampler=[4, 2, 0], batch_size=2)
    assert _labels(loader) == [[4, 2], [0]]
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)


def test_num_workers_runs_in_process_with_a_warning():
    with pytest.warns(UserWarning, match="main process"):
        loader = DataLoader(_dataset(5), batch_size=2, num_workers=2)
    assert _labels(loader) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="non-negative"):
        DataLoader(_dataset(5), num_workers=-1)


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                         [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(), shuffle=True)


def test_shuffle_with_torch_keeps_the_same_contract(torch):
    """Orders differ from PyTorch's (different random streams) but the batches' structure and
    the set of samples per epoch are the same."""
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    ours = list(DataLoader(TensorDataset(edutorch.tensor(x), edutorch.arange(10)),
                           batch_size=3, shuffle=True))
    theirs = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.arange(10)), batch_size=3,
        shuffle=True))
    assert [tuple(a.shape) for a, _ in ours] == [tuple(a.shape) for a, _ in theirs]
    assert sorted(sum((b.tolist() for _, b in ours), [])) == \
        sorted(sum((b.tolist() for _, b in theirs), []))


# -- default_collate ---------------------------------------------------------------------------

def _same(ours, theirs):
    """Structure, types, dtypes and values of a collated batch equal PyTorch's."""
    import torch
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, edutorch.Tensor), type(ours)
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


Point = collections.namedtuple("Point", "x y")

BATCHES = {
    "tuples": lambda lib: [(1, 2.5, "a"), (3, 4.5, "b")],
    "lists": lambda lib: [[1, 2], [3, 4]],
    "dicts": lambda lib: [{"img": np.ones((2, 2), np.float32), "label": 1, "ok": True},
                          {"img": np.zeros((2, 2), np.float32), "label": 0, "ok": False}],
    "ordered": lambda lib: [collections.OrderedDict(b=1.0, a=2), collections.OrderedDict(b=3.0,
                                                                                          a=4)],
    "numbers": lambda lib: [1.5, 2.0, -3.25],
    "ints": lambda lib: [1, 2, 3],
    "bools": lambda lib: [True, False],
    "strings": lambda lib: ["cat", "dog"],
    "numpy-scalars": lambda lib: [np.float32(1.5), np.float32(2.5)],
    "numpy-int-scalars": lambda lib: [np.int16(1), np.int16(2)],
    "numpy-arrays": lambda lib: [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
    "namedtuples": lambda lib: [Point(1, 2.0), Point(3, 4.0)],
    "tensors": lambda lib: [lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])],
    "nested": lambda lib: [(lib.tensor([1, 2]), {"a": [1, 2.0]}), (lib.tensor([3, 4]),
                                                                   {"a": [3, 4.0]})],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_pytorch(torch, name):
    from torch.utils.data import default_collate as torch_collate
    _same(default_collate(BATCHES[name](edutorch)), torch_collate(BATCHES[name](torch)))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="must contain tensors"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_matches_pytorch(torch):
    from torch.utils.data import default_convert as torch_convert
    for sample in [lambda: (np.array([1, 2]), 3), lambda: {"a": np.float32(1.5)},
                   lambda: "text", lambda: [np.array([1.0])]]:
        _same(default_convert(sample()), torch_convert(sample()))


# -- datasets --------------------------------------------------------------------------------

def test_tensor_dataset():
    ds = _dataset(4)
    x, y = ds[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 2 and len(ds) == 4
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(edutorch.zeros(3), edutorch.zeros(4))


def test_subset_and_concat_indexing():
    a, b = list(range(5)), list(range(100, 103))
    sub = Subset(a, [4, 0, 2])
    assert [sub[i] for i in range(len(sub))] == [4, 0, 2]
    cat = ConcatDataset([a, Subset(b, [2, 1]), [7]])
    assert len(cat) == 8 and cat.cumulative_sizes == [5, 7, 8]
    assert [cat[i] for i in range(8)] == [0, 1, 2, 3, 4, 102, 101, 7]
    assert cat[-1] == 7 and cat[-3] == 102
    with pytest.raises(IndexError):
        cat[8]
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        cat[-9]
    with pytest.raises(ValueError, match="empty iterable"):
        ConcatDataset([])

    class Squares(Dataset):
        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return 3

    both = Squares() + Squares()
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(6)] == [0, 1, 4] * 2


def test_concat_with_torch_same_indexing(torch):
    parts = [list(range(3)), list(range(10, 14)), list(range(20, 22))]
    ours, theirs = ConcatDataset(parts), torch.utils.data.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]


@pytest.mark.parametrize("lengths", [[3, 5, 2], [0.5, 0.3, 0.2], [0.34, 0.33, 0.33]])
def test_random_split_sizes_and_disjointness(torch, lengths):
    n = 10
    parts = random_split(list(range(n)), lengths, generator=edutorch.Generator().manual_seed(0))
    tparts = torch.utils.data.random_split(list(range(n)), lengths,
                                           generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in tparts]
    seen = [x for p in parts for x in p]
    assert sorted(seen) == list(range(n))  # disjoint and covering
    again = random_split(list(range(n)), lengths, generator=edutorch.Generator().manual_seed(0))
    assert [list(p) for p in again] == [list(p) for p in parts]


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(list(range(10)), [3, 3])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(list(range(10)), [1.5, -0.5])


# -- samplers --------------------------------------------------------------------------------

def test_samplers():
    data = list(range(6))
    assert list(SequentialSampler(data)) == [0, 1, 2, 3, 4, 5]
    g = edutorch.Generator().manual_seed(1)
    order = list(RandomSampler(data, generator=g))
    assert sorted(order) == data
    drawn = list(RandomSampler(data, replacement=True, num_samples=20, generator=g))
    assert len(drawn) == 20 and set(drawn) <= set(data)
    more = list(RandomSampler(data, num_samples=15, generator=g))
    assert len(more) == 15 and sorted(more[:6]) == data and sorted(more[6:12]) == data
    assert sorted(SubsetRandomSampler([1, 3, 5], generator=g)) == [1, 3, 5]
    batches = BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)
    assert list(batches) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(batches) == 4
    dropped = BatchSampler(range(10), batch_size=3, drop_last=True)
    assert list(dropped) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(dropped) == 3
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), batch_size=0, drop_last=False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([], generator=g)


def test_training_loop_sees_every_sample_once_per_epoch():
    seen = []
    loader = DataLoader(_dataset(17), batch_size=4, shuffle=True,
                        generator=edutorch.Generator().manual_seed(2))
    for _ in range(2):
        labels = []
        for xb, yb in loader:
            assert xb.shape[0] == yb.shape[0] <= 4
            assert (xb[:, 0] == yb.to(edutorch.float32) * 2).all()  # rows stay together
            labels += yb.tolist()
        assert sorted(labels) == list(range(17))
        seen.append(labels)
    assert seen[0] != seen[1]
