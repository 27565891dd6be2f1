"""Graders for chapter 1 (exercises/ch01_setup.py): compared with edutorch itself."""
from __future__ import annotations

import numpy as np
import pytest
from gradelib import assert_close

import edutorch

NESTED = [
    ([[1, 2], [3, 4]], "float64"),
    ([[1.5, -2.0, 3.25]], "float32"),
    ([[[1, 0], [2, 3]], [[4, 5], [6, 7]]], "int64"),
    ([1, 0, 2], "bool"),
    (3.5, "float16"),
    ([[7, 8, 9]], "int32"),
]


@pytest.mark.grades("make_tensor")
def test_make_tensor_matches_edutorch_tensor(ex):
    for data, name in NESTED:
        got = ex.make_tensor(data, name)
        expected = edutorch.tensor(data, dtype=getattr(edutorch, name))
        assert isinstance(got, edutorch.Tensor), \
            f"make_tensor({data!r}, {name!r}) returned {type(got).__name__}, not a Tensor"
        assert got.dtype == expected.dtype, \
            f"make_tensor({data!r}, {name!r}) has dtype {got.dtype}, expected {expected.dtype}"
        assert_close(got, expected, f"make_tensor({data!r}, {name!r})", rtol=0, atol=0)


@pytest.mark.grades("make_tensor")
@pytest.mark.parametrize("name", ["float7", "sum", "Tensor"])
def test_make_tensor_rejects_names_that_are_not_dtypes(ex, name):
    with pytest.raises(ValueError, match=name):
        ex.make_tensor([1, 2], name)


@pytest.mark.grades("pick_device")
@pytest.mark.parametrize("gpu_usable", [False, True])
@pytest.mark.parametrize("prefer_gpu", [False, True])
def test_pick_device_follows_cuda_is_available(ex, monkeypatch, gpu_usable, prefer_gpu):
    monkeypatch.setattr(edutorch.cuda, "is_available", lambda: gpu_usable)
    got = ex.pick_device(prefer_gpu)
    expected = edutorch.device("cuda" if prefer_gpu and gpu_usable else "cpu")
    assert got == expected, (f"pick_device(prefer_gpu={prefer_gpu}) with "
                             f"cuda.is_available() == {gpu_usable} returned {got!r}, "
                             f"expected {expected!r}")
    assert edutorch.device(got) == expected, "the result must be usable as a device"


@pytest.mark.grades("numpy_round_trip")
@pytest.mark.parametrize("shape, dtype", [((2, 3), np.float64), ((4,), np.float32),
                                          ((2, 2, 2), np.int64), ((), np.float64)])
def test_numpy_round_trip_shares_memory_and_matches_edutorch(ex, shape, dtype):
    rng = np.random.default_rng(11)
    a = np.asarray(rng.standard_normal(shape) * 10, dtype=dtype)
    t, b = ex.numpy_round_trip(a)
    reference = edutorch.from_numpy(a.copy())
    assert isinstance(t, edutorch.Tensor), f"t is a {type(t).__name__}, not a Tensor"
    assert t.dtype == reference.dtype, f"t has dtype {t.dtype}, expected {reference.dtype}"
    assert isinstance(b, np.ndarray), f"b is a {type(b).__name__}, not a NumPy array"
    expected_b = (2 * reference).numpy()
    assert b.dtype == expected_b.dtype, f"b has dtype {b.dtype}, expected {expected_b.dtype}"
    assert_close(b, expected_b, "b = 2 * t", rtol=0, atol=0)
    assert_close(t, reference, "t", rtol=0, atol=0)
    a[...] = 7  # written through a: a tensor sharing a's memory sees it
    assert_close(t, edutorch.full(tuple(shape), 7, dtype=reference.dtype),
                 "t after writing 7 into a (t must share a's memory: from_numpy, not tensor)",
                 rtol=0, atol=0)


SHAPE_LISTS = [
    [(3, 4), (4,)],
    [(784, 128), (128,), (128, 10), (10,)],
    [()],
    [(), (2, 3)],
    [(0, 5), (5,)],
    [(2, 1, 3, 1)],
    [],
]


@pytest.mark.grades("count_elements")
@pytest.mark.parametrize("shapes", SHAPE_LISTS, ids=str)
def test_count_elements_matches_numel(ex, shapes):
    expected = sum(edutorch.empty(shape).numel() for shape in shapes)
    got = ex.count_elements(shapes)
    assert got == expected, f"count_elements({shapes}) = {got!r}, expected {expected}"


@pytest.mark.grades("count_elements")
def test_count_elements_of_a_real_model(ex):
    # the shapes of a tiny model's parameters, counted by edutorch
    params = [edutorch.empty(8, 3), edutorch.empty(8), edutorch.empty(1, 8), edutorch.empty(1)]
    shapes = [tuple(p.shape) for p in params]
    assert ex.count_elements(shapes) == sum(p.numel() for p in params)


@pytest.mark.grades("tensor_bytes")
@pytest.mark.parametrize("shape", [(1000, 1000), (3,), (), (2, 0, 4)], ids=str)
@pytest.mark.parametrize("name", ["float32", "float16", "float64", "int64", "int32", "uint8",
                                  "bool"])
def test_tensor_bytes_matches_element_size(ex, shape, name):
    t = edutorch.empty(shape, dtype=getattr(edutorch, name))
    expected = t.numel() * t.element_size()
    got = ex.tensor_bytes(shape, name)
    assert got == expected, f"tensor_bytes({shape}, {name!r}) = {got!r}, expected {expected}"
