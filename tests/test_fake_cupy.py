"""The NumPy stand-in for CuPy (``edutorch.backend.fake_cupy``) is as strict as CuPy.

CI runs the op and module tests on ``"cuda"`` with ``EDUTORCH_FAKE_CUDA=1``; that run only
means something if the stand-in refuses what CuPy refuses. These tests import the module
directly, so they run in every configuration.
"""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import edutorch
from edutorch.backend import fake_cupy as cp

IMPLICIT = "Implicit conversion to a NumPy array is not allowed"


def _dev(values):
    return cp.asarray(np.asarray(values, dtype=np.float64))


@pytest.mark.parametrize("convert", [np.asarray, np.array, np.ascontiguousarray,
                                     lambda a: np.asarray(a, dtype=np.float32),
                                     lambda a: np.array([a, a]), memoryview],
                         ids=["asarray", "array", "ascontiguousarray", "asarray_dtype",
                              "array_of_arrays", "memoryview"])
def test_no_implicit_conversion_to_numpy(convert):
    with pytest.raises(TypeError):
        convert(_dev([1.0, 2.0]))
    with pytest.raises(TypeError, match=IMPLICIT):
        np.asarray(_dev([1.0, 2.0]))


def test_explicit_ways_to_the_host_give_plain_copies():
    a = _dev([1.0, 2.0])
    for host in (a.get(), cp.asnumpy(a)):
        assert type(host) is np.ndarray and host.tolist() == [1.0, 2.0]
        host[0] = 5.0
        assert a.tolist() == [1.0, 2.0]  # a copy, not the device memory


def test_host_arrays_are_refused_by_operators_functions_and_numpy_dispatch():
    a, host = _dev([1.0, 2.0]), np.array([1.0, 2.0])
    mixes = [lambda: a + host, lambda: host + a, lambda: a * host, lambda: host < a,
             lambda: a @ host, lambda: cp.add(a, host), lambda: cp.where(a > 0, a, host),
             lambda: cp.concatenate([a, host]), lambda: np.concatenate([a, host]),
             lambda: np.add(host, a), lambda: np.where(a > 0, host, a),
             lambda: cp.exp([1.0, 2.0])]
    for mix in mixes:
        with pytest.raises(TypeError, match="Unsupported type"):
            mix()


def test_device_arrays_and_scalars_compute_like_numpy():
    a = _dev([[1.0, -2.0], [3.0, 4.0]])
    for out, ref in [(a + 1, [[2, -1], [4, 5]]), (2.0 * a, [[2, -4], [6, 8]]),
                     (np.float64(1.0) < a, [[False, False], [True, True]]),
                     (np.exp(a), np.exp([[1.0, -2.0], [3.0, 4.0]])),
                     (np.concatenate([a, a])[2:], [[1, -2], [3, 4]]),
                     (cp.maximum(a, 0), [[1, 0], [3, 4]]), (a.T, [[1, 3], [-2, 4]]),
                     (a[a > 0], [1, 3, 4]), (a @ a, [[-5, -10], [15, 10]])]:
        assert type(out) is cp.ndarray
        np.testing.assert_allclose(out.get(), ref)


def test_reductions_give_zero_dim_device_arrays():
    a = _dev([1.0, 2.0, 3.0])
    for r in (a.sum(), cp.sum(a), np.sum(a), a.max(), cp.argmax(a), np.mean(a)):
        assert type(r) is cp.ndarray and r.shape == ()
    assert float(a.sum()) == 6.0 and int(cp.argmax(a)) == 2


def test_asarray_of_a_host_array_copies_it():
    host = np.array([1.0, 2.0])
    d = cp.asarray(host)
    host[0] = 9.0
    assert d.tolist() == [1.0, 2.0]
    assert cp.asarray(d) is d and cp.asarray(d, dtype=np.float32) is not d


def test_views_record_their_base_and_reshape_in_place_refuses_copies():
    a = _dev(np.arange(6.0))
    v = a.reshape(2, 3)
    assert v.base is a and v[0].base is a and a[1:].base is a and (a + 1).base is None
    w = a.reshape(2, 3).T
    with pytest.raises(AttributeError):
        w.shape = (6,)  # only a copy could have that shape, as in CuPy
    assert a.astype(np.float64, copy=False) is a


def test_in_place_operators_and_setitem_write_device_memory():
    a = _dev([1.0, 2.0, 3.0])
    a += 1
    a[0] = 10.0
    a[cp.asarray(np.array([2]))] = cp.asarray(np.array([7.0]))
    assert a.tolist() == [10.0, 3.0, 7.0]
    with pytest.raises(TypeError, match="Unsupported type"):
        a += np.ones(3)


def test_random_generator_has_only_cupys_methods():
    rng = cp.random.default_rng(0)
    assert type(rng.random((2, 3), dtype=np.float32)) is cp.ndarray
    assert rng.standard_normal(4).shape == (4,)
    assert int(rng.integers(0, 5, size=3).max()) < 5
    for missing in ("permutation", "choice", "shuffle", "normal", "uniform"):
        with pytest.raises(AttributeError, match="CuPy's Generator offers"):
            getattr(rng, missing)


def test_copy_pickle_and_device():
    a = _dev([1.0, 2.0])
    for b in (copy.copy(a), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert type(b) is cp.ndarray and b.tolist() == [1.0, 2.0] and b._a is not a._a
    assert a.device.id == 0 and cp.cuda.runtime.getDeviceCount() == 1
    with cp.cuda.Device(0):
        pass
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        cp.cuda.Device(1)


def test_cupyx_scatter_add_and_erf():
    a = cp.zeros(3)
    cp.cupyx.scatter_add(a, cp.asarray(np.array([0, 0, 2])), cp.asarray(np.array([1.0, 2, 3])))
    assert a.tolist() == [3.0, 0.0, 3.0]
    e = cp.cupyx.scipy.special.erf(_dev([0.0, 1.0]))
    np.testing.assert_allclose(e.get(), [0.0, 0.8427007929497149])


def test_get_array_module():
    assert cp.get_array_module(_dev([1.0]), np.ones(1)) is cp
    assert cp.get_array_module(np.ones(1), 2.0) is np


@pytest.mark.skipif(not edutorch.backend.FAKE_CUDA, reason="needs EDUTORCH_FAKE_CUDA=1")
def test_cuda_tensors_hold_stand_in_arrays_that_refuse_numpy():
    t = edutorch.ones(2, device="cuda")
    assert type(t._data) is cp.ndarray and edutorch.cuda.is_available()
    with pytest.raises(TypeError, match=IMPLICIT):
        np.asarray(t._data)
    with pytest.raises(TypeError, match="cpu"):
        t.numpy()
    assert t.cpu().numpy().tolist() == [1.0, 1.0]
