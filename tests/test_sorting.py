"""sort, argsort, msort, topk, kthvalue, unique, unique_consecutive, multinomial, pin_memory;
``x[range(n), y]`` indexing; contiguous pooled outputs. Against PyTorch where it is installed."""
from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import check_op, to_numpy

import edutorch

RNG = np.random.default_rng(0)
DISTINCT = RNG.permutation(24).reshape(2, 3, 4).astype("float64") / 7  # no ties: one answer
TIES = np.array([[3.0, 1.0, 3.0, 0.0, 1.0, 3.0], [2.0, 2.0, 2.0, 1.0, np.nan, 1.0]])


@pytest.mark.parametrize("dim", [-1, 0, 1, 2])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_indices_and_gradient(dim, descending):
    check_op(lambda lib, x: lib.sort(x, dim=dim, descending=descending), DISTINCT)
    check_op(lambda lib, x: x.sort(dim, descending).values, DISTINCT)


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_keeps_ties_in_order_and_nan_largest(torch, descending):
    ours = edutorch.sort(edutorch.tensor(TIES), stable=True, descending=descending)
    ref = torch.sort(torch.tensor(TIES), stable=True, descending=descending)
    np.testing.assert_array_equal(to_numpy(ours.values), to_numpy(ref.values))
    np.testing.assert_array_equal(to_numpy(ours.indices), to_numpy(ref.indices))
    got = edutorch.argsort(edutorch.tensor(TIES), dim=1, descending=descending, stable=True)
    np.testing.assert_array_equal(to_numpy(got), to_numpy(ref.indices))


def test_sort_returns_a_named_tuple_of_int64_indices():
    res = edutorch.sort(edutorch.tensor([3, 1, 2]))
    assert type(res).__name__ == "sort" and res._fields == ("values", "indices")
    values, indices = res
    assert values.dtype is edutorch.int64 and indices.dtype is edutorch.int64
    assert values.tolist() == [1, 2, 3] and indices.tolist() == [1, 2, 0]
    assert edutorch.tensor([True, False]).sort().values.tolist() == [False, True]


def test_scalar_inputs_like_pytorch(torch):
    for name, args in [("sort", ()), ("topk", (1,)), ("kthvalue", (1,)), ("argsort", ())]:
        ours = getattr(edutorch, name)(edutorch.tensor(3.0), *args)
        ref = getattr(torch, name)(torch.tensor(3.0), *args)
        for o, r in zip(ours if isinstance(ours, tuple) else (ours,),
                        ref if isinstance(ref, tuple) else (ref,)):
            assert tuple(o.shape) == tuple(r.shape) and o.item() == r.item()


def test_msort_and_argsort_match_pytorch():
    check_op(lambda lib, x: lib.msort(x), DISTINCT)
    check_op(lambda lib, x: lib.argsort(x, dim=1, descending=True), DISTINCT, grad=False)


@pytest.mark.parametrize("k,dim,largest", [(1, -1, True), (3, -1, False), (2, 1, True),
                                           (4, 2, False), (0, 0, True)])
def test_topk(k, dim, largest):
    check_op(lambda lib, x: lib.topk(x, k, dim=dim, largest=largest), DISTINCT)
    check_op(lambda lib, x: x.topk(k, dim, largest).values, DISTINCT)


@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (3, 1, True), (2, 0, False),
                                           (4, 2, True)])
def test_kthvalue(k, dim, keepdim):
    check_op(lambda lib, x: lib.kthvalue(x, k, dim, keepdim), DISTINCT)
    check_op(lambda lib, x: x.kthvalue(k, dim=dim, keepdim=keepdim).values, DISTINCT)


def test_sorting_errors_match_pytorch(torch):
    x = [1.0, 2.0]
    cases = [
        (lambda lib: lib.sort(lib.tensor(x), dim=2), IndexError, "Dimension out of range"),
        (lambda lib: lib.topk(lib.tensor(x), 3), RuntimeError, "selected index k out of range"),
        (lambda lib: lib.topk(lib.tensor(x), -1), RuntimeError, "selected index k out of rang"),
        (lambda lib: lib.kthvalue(lib.tensor(x), 3), RuntimeError,
         "kthvalue(): selected number k out of range for dimension 0"),
        (lambda lib: lib.kthvalue(lib.tensor(x), 0), RuntimeError,
         "kthvalue(): selected number k out of range for dimension 0"),
        (lambda lib: lib.unique(lib.tensor([[1, 2]]), dim=3), IndexError,
         "Dimension out of range"),
        (lambda lib: lib.sort([1, 2]), TypeError, "must be Tensor, not list"),
    ]
    for fn, exc, message in cases:
        for lib in (torch, edutorch):
            with pytest.raises(exc, match=None) as info:
                fn(lib)
            assert message in str(info.value), (lib.__name__, str(info.value))


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True},
                                    {"sorted": False}])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_matches_pytorch(torch, kwargs, dim):
    data = np.array([[3, 1, 3], [0, 2, 0], [3, 1, 3], [1, 1, 1]])
    ours = edutorch.unique(edutorch.tensor(data), dim=dim, **kwargs)
    ref = torch.unique(torch.tensor(data), dim=dim, **kwargs)
    assert type(ours) is type(ref) or isinstance(ours, tuple) == isinstance(ref, tuple)
    ours, ref = (ours, ref) if isinstance(ref, tuple) else ((ours,), (ref,))
    assert len(ours) == len(ref)
    for o, r in zip(ours, ref):
        assert o.dtype.name == str(r.dtype).replace("torch.", "")
        np.testing.assert_array_equal(to_numpy(o), to_numpy(r))
    assert edutorch.tensor(data).unique().tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_consecutive_matches_pytorch(torch, dim):
    data = np.array([[3, 3, 1], [3, 3, 1], [2, 2, 2], [3, 3, 1], [3, 3, 1]])
    ours = edutorch.unique_consecutive(edutorch.tensor(data), return_inverse=True,
                                       return_counts=True, dim=dim)
    ref = torch.unique_consecutive(torch.tensor(data), return_inverse=True,
                                   return_counts=True, dim=dim)
    for o, r in zip(ours, ref):
        np.testing.assert_array_equal(to_numpy(o), to_numpy(r))


@pytest.mark.parametrize("call", [lambda lib, x: lib.unique(x),
                                  lambda lib, x: lib.unique(x, dim=0),
                                  lambda lib, x: lib.unique_consecutive(x)],
                         ids=["unique", "unique_dim", "unique_consecutive"])
def test_unique_of_a_tensor_needing_grad_refuses_backward(torch, call):
    data = [3.0, 1.0, 3.0]
    u = call(edutorch, edutorch.tensor(data, requires_grad=True))
    ref = call(torch, torch.tensor(data, requires_grad=True))
    assert u.requires_grad and u.tolist() == ref.tolist()
    assert u.grad_fn.name() == ref.grad_fn.name()
    with pytest.raises(NotImplementedError) as theirs:
        ref.sum().backward()
    with pytest.raises(NotImplementedError, match=re.escape(str(theirs.value))):
        u.sum().backward()


@pytest.mark.parametrize("dim", [None, 0])  # (where NaN-holding slices sort among themselves
def test_unique_keeps_nans_apart_like_pytorch(torch, dim):  # is left to each library's sort)
    nan = float("nan")
    data = np.array([[1.0, nan, 2.0], [1.0, nan, 2.0], [nan, 1.0, nan]])
    ours = edutorch.unique(edutorch.tensor(data), return_inverse=True, return_counts=True,
                           dim=dim)
    ref = torch.unique(torch.tensor(data), return_inverse=True, return_counts=True, dim=dim)
    for o, r in zip(ours, ref):
        assert o.dtype.name == str(r.dtype).replace("torch.", "")
        np.testing.assert_array_equal(to_numpy(o), to_numpy(r))  # NaN equals NaN here


# ---------------------------------------------------------------------------------------------
# multinomial: same distribution as PyTorch (the random streams differ)
# ---------------------------------------------------------------------------------------------

def test_multinomial_with_replacement_follows_the_weights():
    edutorch.manual_seed(1)
    w = edutorch.tensor([1.0, 0.0, 3.0, 4.0])
    draws = edutorch.multinomial(w, 40000, replacement=True)
    assert draws.dtype is edutorch.int64 and tuple(draws.shape) == (40000,)
    freq = np.bincount(draws.numpy(), minlength=4) / 40000
    np.testing.assert_allclose(freq, [0.125, 0.0, 0.375, 0.5], atol=0.01)
    rows = edutorch.tensor([[0.0, 1.0], [1.0, 0.0]]).multinomial(5, True)
    assert rows.tolist() == [[1] * 5, [0] * 5]


def test_multinomial_without_replacement_draws_each_category_once_in_weighted_order():
    edutorch.manual_seed(2)
    w = edutorch.tensor([[1.0, 2.0, 0.0, 7.0]]).expand(4000, 4).contiguous()
    picks = edutorch.multinomial(w, 3)
    assert tuple(picks.shape) == (4000, 3)
    arr = picks.numpy()
    assert all(len(set(r)) == 3 and 2 not in r for r in arr)
    # P(first = 3) = 0.7, P(first = 1) = 0.2; second draw after removing the first:
    # P(second = 3) = 0.1 * 7/9 + 0.2 * 7/8
    first = np.bincount(arr[:, 0], minlength=4) / 4000
    np.testing.assert_allclose(first, [0.1, 0.2, 0.0, 0.7], atol=0.025)
    assert abs(np.mean(arr[:, 1] == 3) - (0.1 * 7 / 9 + 0.2 * 7 / 8)) < 0.025
    # not enough categories with weight: the rest come from the zero-weight ones, as PyTorch
    assert sorted(edutorch.multinomial(edutorch.tensor([1.0, 0.0, 0.0]), 3).tolist()) == \
        [0, 1, 2]


def test_multinomial_seeded_runs_repeat_and_generators_are_honoured():
    edutorch.manual_seed(5)
    a = edutorch.multinomial(edutorch.ones(10), 10)
    edutorch.manual_seed(5)
    b = edutorch.multinomial(edutorch.ones(10), 10)
    assert a.tolist() == b.tolist() and sorted(a.tolist()) == list(range(10))
    g1, g2 = edutorch.Generator().manual_seed(3), edutorch.Generator().manual_seed(3)
    assert edutorch.multinomial(edutorch.ones(50), 20, True, generator=g1).tolist() == \
        edutorch.multinomial(edutorch.ones(50), 20, True, generator=g2).tolist()


def test_multinomial_errors_match_pytorch(torch):
    cases = [
        (lambda lib: lib.multinomial(lib.tensor([[[1.0, 2.0]]]), 1), RuntimeError,
         "prob_dist must be 1 or 2 dim"),
        (lambda lib: lib.multinomial(lib.tensor(1.0), 1), RuntimeError,
         "prob_dist must be 1 or 2 dim"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, -2.0]), 1), RuntimeError,
         "probability tensor contains either `inf`, `nan` or element < 0"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, float("nan")]), 1), RuntimeError,
         "probability tensor contains either `inf`, `nan` or element < 0"),
        (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1), RuntimeError,
         "invalid multinomial distribution (sum of probabilities <= 0)"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, 0.0, 1.0]), 4), RuntimeError,
         "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, 0.0, 1.0]), 0), RuntimeError,
         "cannot sample n_sample <= 0 samples"),
        (lambda lib: lib.multinomial(lib.tensor([1, 0, 1]), 1), RuntimeError,
         "multinomial only supports floating-point dtypes for input"),
        (lambda lib: lib.multinomial(lib.tensor([1.0, 0.0]), 1.5), TypeError,
         "argument 'num_samples' (position 2) must be int, not float"),
    ]
    for fn, exc, message in cases:
        for lib in (torch, edutorch):
            with pytest.raises(exc) as info:
                fn(lib)
            assert message in str(info.value), (lib.__name__, str(info.value))


def test_pin_memory_is_a_no_op_on_cpu():
    x = edutorch.arange(3.0)
    assert x.pin_memory() is x and x.is_pinned() is False


# ---------------------------------------------------------------------------------------------
# indexing with range and lists of lists; contiguous pooling
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", [
    lambda lib: (range(3), [0, 2, 1]),
    lambda lib: (range(3), lib.tensor([3, 0, 1])),
    lambda lib: range(2),
    lambda lib: [[0, 1], [1, 2]],
    lambda lib: [[0, 2]],
    lambda lib: [0, 2],
    lambda lib: [0, slice(1, 3)],
    lambda lib: (slice(None), range(1, 4, 2)),
])
def test_index_with_range_and_lists_of_lists(torch, key):
    import warnings
    a = np.arange(12.0).reshape(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that lists of lists will change meaning
        check_op(lambda lib, x: x[key(lib)], a)


def test_setitem_with_range(torch):
    ours, ref = edutorch.zeros(3, 3), torch.zeros(3, 3)
    ours[range(3), [2, 1, 0]] = 1.0
    ref[range(3), [2, 1, 0]] = 1.0
    np.testing.assert_array_equal(to_numpy(ours), to_numpy(ref))


POOLS = [
    lambda F, x: F.max_pool2d(x, 2),
    lambda F, x: F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)[0],
    lambda F, x: F.avg_pool2d(x, 2),
    lambda F, x: F.avg_pool2d(x, 3, stride=1, padding=1),
    lambda F, x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda F, x: F.adaptive_max_pool2d(x, 3),
    lambda F, x: F.max_pool1d(x.flatten(2), 2),
    lambda F, x: F.avg_pool1d(x.flatten(2), 4),
    lambda F, x: F.max_pool3d(x.unsqueeze(1), 2),
    lambda F, x: F.avg_pool3d(x.unsqueeze(1), 2),
]


@pytest.mark.parametrize("pool", POOLS)
def test_pooled_output_is_contiguous_and_views_flat(torch, pool):
    """``F.max_pool2d(conv(x)).view(batch, -1)``: pooling returns a contiguous tensor even when
    its input is not (here a channels-last layout, as a convolution may leave it)."""
    import edutorch.nn.functional as F
    a = RNG.standard_normal((2, 8, 6, 4))
    x = edutorch.tensor(a).permute(0, 3, 1, 2).requires_grad_()
    assert not x.is_contiguous()
    out = pool(F, x)
    assert out.is_contiguous()
    flat = out.view(out.shape[0], -1)
    ref = pool(torch.nn.functional, torch.tensor(a).permute(0, 3, 1, 2))
    np.testing.assert_allclose(to_numpy(flat), to_numpy(ref.reshape(ref.shape[0], -1)),
                               rtol=1e-12)
    flat.sum().backward()
    assert tuple(x.grad.shape) == tuple(x.shape)


# ---------------------------------------------------------------------------------------------
# RandomSampler(replacement=True) draws lazily
# ---------------------------------------------------------------------------------------------

def test_random_sampler_with_huge_num_samples_draws_lazily():
    import itertools
    import tracemalloc

    from edutorch.utils.data import DataLoader, RandomSampler, TensorDataset
    data = TensorDataset(edutorch.arange(10.0))
    sampler = RandomSampler(data, replacement=True, num_samples=10 ** 10)
    assert len(sampler) == 10 ** 10
    tracemalloc.start()
    first = list(itertools.islice(iter(sampler), 200_000))  # crosses several chunks
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200 * 2 ** 20  # far below the 80 GB that drawing 10**10 indices would need
    assert set(first) == set(range(10))
    counts = np.bincount(first, minlength=10) / len(first)
    np.testing.assert_allclose(counts, 0.1, atol=0.01)
    loader = DataLoader(data, batch_size=4, sampler=sampler)
    (batch,) = next(iter(loader))
    assert tuple(batch.shape) == (4,)


def test_random_sampler_small_sizes_draw_the_same_sequence_as_one_randint():
    from edutorch.utils.data import RandomSampler
    g1, g2 = edutorch.Generator().manual_seed(7), edutorch.Generator().manual_seed(7)
    drawn = list(RandomSampler(range(13), replacement=True, num_samples=50, generator=g1))
    assert drawn == edutorch.randint(0, 13, (50,), generator=g2).tolist()


def test_dropout2d_on_2d_input_warns_and_drops_elements_like_pytorch(torch):
    """pytorch/examples mnist_rnn calls Dropout2d on (batch, features)."""
    import edutorch.nn.functional as F
    x = edutorch.ones(200, 50)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        y = F.dropout2d(x, 0.5)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        torch.nn.functional.dropout2d(torch.ones(2, 3), 0.5)
    kept = y.numpy() != 0
    assert set(np.unique(y.numpy())) <= {0.0, 2.0}
    assert 0.4 < kept.mean() < 0.6
    assert kept.any(axis=1).all() and not kept.all(axis=1).any()  # elements, not whole rows
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(edutorch.ones(2, 3, 4, 5), 0.5)
