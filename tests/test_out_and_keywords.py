"""``out=`` and the keyword forms of PyTorch's functions (``input=``, ``other=``, ``dim=``),
against PyTorch: the values written, what is returned, and the refusals."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from helpers import to_numpy

import edutorch

pytestmark = pytest.mark.torch

RNG = np.random.default_rng(3)
A = RNG.standard_normal((3, 4)).astype("float32")
B = RNG.standard_normal((3, 4)).astype("float32")
M = RNG.standard_normal((4, 2)).astype("float32")

# (name, call(lib, a, b, m), shape of a fitting out)
CALLS = [
    ("add", lambda lib, a, b, m: lib.add(a, b, alpha=2, **_o(lib, (3, 4)))),
    ("sub", lambda lib, a, b, m: lib.sub(a, b, **_o(lib, (3, 4)))),
    ("mul", lambda lib, a, b, m: lib.mul(a, 3.0, **_o(lib, (3, 4)))),
    ("div", lambda lib, a, b, m: lib.div(a, b, **_o(lib, (3, 4)))),
    ("exp", lambda lib, a, b, m: lib.exp(a, **_o(lib, (3, 4)))),
    ("matmul", lambda lib, a, b, m: lib.matmul(a, m, **_o(lib, (3, 2)))),
    ("mm", lambda lib, a, b, m: lib.mm(a, m, **_o(lib, (3, 2)))),
    ("sum", lambda lib, a, b, m: lib.sum(a, 1, **_o(lib, (3,)))),
    ("mean", lambda lib, a, b, m: lib.mean(a, dim=0, **_o(lib, (4,)))),
    ("cat", lambda lib, a, b, m: lib.cat([a, b], dim=1, **_o(lib, (3, 8)))),
    ("stack", lambda lib, a, b, m: lib.stack([a, b], **_o(lib, (2, 3, 4)))),
    ("softmax", lambda lib, a, b, m: lib.softmax(a, 1, **_o(lib, (3, 4)))),
]


def _o(lib, shape):
    return {"out": lib.full(shape, 7.0)}


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_out_gets_the_result_and_is_returned(torch, name, call):
    holder = {}

    def run(lib):
        real = lib.full  # catch the out tensor the call creates
        lib_out = {}

        def remember(*a, **k):
            lib_out["t"] = real(*a, **k)
            return lib_out["t"]
        lib.full = remember
        try:
            r = call(lib, lib.tensor(A), lib.tensor(B), lib.tensor(M))
        finally:
            lib.full = real
        holder[lib.__name__] = lib_out["t"]
        return r

    ours, ref = run(edutorch), run(torch)
    assert ours is holder["edutorch"]
    np.testing.assert_allclose(to_numpy(ours), to_numpy(ref), rtol=1e-6, atol=1e-6)
    assert ours._version == ref._version == 1


def test_keyword_forms(torch):
    for call in (lambda lib, a, b, m: lib.matmul(input=a, other=m),
                 lambda lib, a, b, m: lib.add(input=a, other=b),
                 lambda lib, a, b, m: lib.sum(input=a, dim=1),
                 lambda lib, a, b, m: lib.softmax(input=a, dim=-1),
                 lambda lib, a, b, m: lib.flatten(input=a, start_dim=0),
                 lambda lib, a, b, m: lib.squeeze(input=a.reshape(1, 12), dim=0),
                 lambda lib, a, b, m: lib.transpose(input=a, dim0=0, dim1=1),
                 lambda lib, a, b, m: lib.sort(input=a, dim=0, descending=True).values,
                 lambda lib, a, b, m: lib.topk(input=a, k=2, dim=1).values,
                 lambda lib, a, b, m: lib.exp(input=a, out=lib.empty(0))):
        ours = call(edutorch, edutorch.tensor(A), edutorch.tensor(B), edutorch.tensor(M))
        ref = call(torch, torch.tensor(A), torch.tensor(B), torch.tensor(M))
        np.testing.assert_allclose(to_numpy(ours), to_numpy(ref), rtol=1e-6)


@pytest.mark.parametrize("name", ["sort", "topk", "kthvalue", "max"])
def test_out_pairs_for_values_and_indices(torch, name):
    args = {"sort": (), "topk": (2,), "kthvalue": (2,), "max": (1,)}[name]

    def run(lib):
        outs = (lib.empty(0), lib.empty(0, dtype=lib.int64))
        r = getattr(lib, name)(lib.tensor(A), *args, out=outs)
        assert r[0] is outs[0] and r[1] is outs[1] and r.values is outs[0]
        return r

    ours, ref = run(edutorch), run(torch)
    for o, r in zip(ours, ref):
        assert o.dtype.name == str(r.dtype).replace("torch.", "")
        np.testing.assert_array_equal(to_numpy(o), to_numpy(r))


def test_out_casts_into_a_wider_dtype_and_sum_computes_in_out_dtype(torch):
    for call in (lambda lib: lib.add(lib.tensor([1, 2]), lib.tensor([3, 4]),
                                     out=lib.empty(2)),
                 lambda lib: lib.exp(lib.tensor([0.5, 1.0]), out=lib.empty(2, dtype=lib.float64)),
                 lambda lib: lib.sum(lib.tensor([[0.6, 0.6, 0.7]]), 1,
                                     out=lib.empty(1, dtype=lib.int64)),
                 lambda lib: lib.eq(lib.tensor([1, 2]), 1, out=lib.empty(2))):
        ours, ref = call(edutorch), call(torch)
        assert ours.dtype.name == str(ref.dtype).replace("torch.", "")
        np.testing.assert_allclose(to_numpy(ours), to_numpy(ref), rtol=1e-6)


def test_out_of_another_shape_is_resized_with_pytorch_warning(torch):
    for lib in (edutorch, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = lib.add(lib.tensor(A), 1, out=lib.empty(0))  # empty: resized silently
        assert tuple(r.shape) == (3, 4)
    with pytest.warns(UserWarning, match=r"resized since it had shape \[2\], which does not "
                                         r"match the required output shape \[3, 4\]"):
        r = edutorch.add(edutorch.tensor(A), 1, out=edutorch.empty(2))
    assert tuple(r.shape) == (3, 4) and r.is_contiguous()


def test_out_of_the_right_shape_keeps_its_memory_and_strides(torch):
    base = edutorch.zeros(4, 3)
    out = base.t()  # non-contiguous (3, 4) view
    r = edutorch.mul(edutorch.tensor(A), 2.0, out=out)
    assert r is out and not out.is_contiguous() and out._version == base._version
    np.testing.assert_allclose(to_numpy(base), (A * 2).T)


ERRORS = [
    lambda lib: lib.add(lib.tensor(A), lib.tensor(B), out=lib.empty(3, 4, dtype=lib.int64)),
    lambda lib: lib.exp(lib.tensor(A), out=lib.empty(3, 4, dtype=lib.int64)),
    lambda lib: lib.mean(lib.tensor(A), 1, out=lib.empty(3, dtype=lib.int64)),
    lambda lib: lib.add(lib.tensor([1, 2]), 1, out=lib.empty(2, dtype=lib.bool)),
    lambda lib: lib.matmul(lib.tensor(A), lib.tensor(M), out=lib.empty(3, 2, dtype=lib.float64)),
    lambda lib: lib.sort(lib.tensor(A), out=(lib.empty(0), lib.empty(0))),
    lambda lib: lib.sort(lib.tensor(A), out=(lib.empty(0, dtype=lib.float64),
                                             lib.empty(0, dtype=lib.int64))),
    lambda lib: lib.sum(lib.tensor(A), 1, dtype=lib.float64, out=lib.empty(3)),
    lambda lib: lib.add(lib.tensor(A, requires_grad=True), 1, out=lib.empty(3, 4)),
    lambda lib: lib.add(lib.tensor(A), 1, out=lib.empty(3, 4, requires_grad=True)),
    lambda lib: lib.cat([lib.tensor(A), lib.tensor(B)], out=lib.empty(6, 4, dtype=lib.int64)),
    lambda lib: lib.add(lib.tensor(A), 1, out=[1.0]),
]


@pytest.mark.parametrize("call", ERRORS)
def test_out_refusals_match_pytorch(torch, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    message = str(theirs.value).split("\n")[0]
    # PyTorch's wording, less the C++ source location; the exception type too
    message = re.sub(r" \(Triggered internally.*", "", message)
    with pytest.raises(theirs.type, match=re.escape(message)):
        call(edutorch)


def test_out_under_no_grad_is_allowed(torch):
    x = edutorch.tensor(A, requires_grad=True)
    with edutorch.no_grad():
        r = edutorch.mul(x, 2.0, out=edutorch.empty(3, 4))
    assert not r.requires_grad and np.allclose(to_numpy(r), A * 2)


def test_a_non_tensor_first_argument_names_the_op(torch):
    with pytest.raises(TypeError) as theirs:
        torch.exp([1.0])
    with pytest.raises(TypeError, match=re.escape(str(theirs.value).split(",")[0])):
        edutorch.exp([1.0])


def test_methods_and_operators_take_no_detour():
    """The function wrapper is for functions only: methods are the ops themselves."""
    from edutorch._ops import registry
    assert edutorch.Tensor.mul is registry.METHODS["mul"]
    assert edutorch.mul is registry.FUNCTIONS["mul"] and edutorch.mul is not registry.METHODS[
        "mul"]
