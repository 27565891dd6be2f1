"""Graders for chapter 8 (exercises/ch08_faq.py): against edutorch.nn.parallel's bucket
assignment, edutorch.quantization's observer and quantizer, the mean, and gradcheck."""
from __future__ import annotations

import numpy as np
import pytest
from gradelib import assert_close

import edutorch
import edutorch.quantization as eq
from edutorch.autograd import gradcheck
from edutorch.nn.parallel.distributed import compute_bucket_assignment


@pytest.mark.grades("ring_allreduce")
@pytest.mark.parametrize("n, length", [(2, 6), (3, 7), (4, 10), (5, 3)])
def test_ring_allreduce_gives_every_rank_the_mean(ex, n, length):
    rng = np.random.default_rng(n)
    vectors = [rng.standard_normal(length) for _ in range(n)]
    originals = [v.copy() for v in vectors]
    out = ex.ring_allreduce(vectors)
    assert len(out) == n, f"ring_allreduce: {len(out)} results for {n} ranks (one per rank)"
    for r, v in enumerate(out):
        assert_close(v, np.mean(originals, axis=0),
                     f"ring_allreduce rank {r} of {n} (length {length}): the mean of all "
                     f"ranks' vectors (is the sum divided by n? are the chunk indices "
                     f"(r - s) % n and (r + 1 - s) % n?)")
    for a, b in zip(vectors, originals):
        assert np.array_equal(a, b), "ring_allreduce must not change its inputs"


@pytest.mark.grades("assign_buckets")
@pytest.mark.parametrize("sizes, first_cap, cap", [
    ([4, 4, 4, 4, 4], 4, 8), ([100, 1, 1, 1, 50, 2], 3, 60), ([10, 20, 30], 1000, 1000),
    ([5, 1, 1, 1, 1, 1, 5], 2, 3)])
def test_assign_buckets_as_ddp(ex, sizes, first_cap, cap):
    order = list(reversed(range(len(sizes))))
    expected = [[order[i] for i in b]
                for b in compute_bucket_assignment([sizes[i] for i in order], [first_cap, cap])]
    got = ex.assign_buckets(sizes, first_cap, cap)
    assert [list(map(int, b)) for b in got] == expected, (
        f"assign_buckets({sizes}, {first_cap}, {cap}): got {got}, expected {expected} "
        f"(parameters in reverse registration order; a bucket closes once it holds at least "
        f"its cap; the first bucket's cap is first_cap)")


def reference_quantization(w: np.ndarray, axis: int):
    obs = eq.PerChannelMinMaxObserver(ch_axis=axis, dtype=eq.qint8,
                                      qscheme=eq.per_channel_symmetric)
    t = edutorch.tensor(w)
    obs(t)
    scale, zp = obs.calculate_qparams()
    return eq.quantize_per_channel(t, scale, zp, axis, eq.qint8).int_repr().numpy(), \
        scale.numpy()


@pytest.mark.grades("quantize_symmetric_per_channel")
@pytest.mark.parametrize("axis", [0, 1])
def test_symmetric_per_channel_exact_cases(ex, axis):
    # channel maxima 63.75 -> scale exactly 0.5; values whose w / scale end in .5 test rounding
    base = np.array([[0.25, 0.75, -1.25, 63.75, 2.25, -0.25],
                     [1.0, 2.0, -3.0, 4.0, 5.0, 6.0],
                     [127.5, -0.75, 1.75, 0.0, -2.75, 3.25],
                     [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    w = base if axis == 0 else np.ascontiguousarray(base.T)
    q_ref, s_ref = reference_quantization(w, axis)
    q, s = ex.quantize_symmetric_per_channel(w.copy(), axis)
    assert_close(np.asarray(s, dtype=np.float64).ravel(), s_ref.astype(np.float64),
                 f"quantize_symmetric_per_channel scales (axis={axis}): one per channel along "
                 f"axis {axis}, max|w| / 127.5 (the int8 grid has 255 steps)", rtol=1e-6)
    q = np.asarray(q)
    assert q.shape == w.shape, f"q has shape {q.shape}, expected {w.shape}"
    bad = np.argwhere(q.astype(np.int64) != q_ref.astype(np.int64))
    assert bad.size == 0, (
        f"quantize_symmetric_per_channel q (axis={axis}): at index {tuple(bad[0])} w = "
        f"{w[tuple(bad[0])]} gave {q[tuple(bad[0])]}, expected {q_ref[tuple(bad[0])]} "
        f"(ties round half to even: 0.5 -> 0, 1.5 -> 2, -2.5 -> -2)")


@pytest.mark.grades("quantize_symmetric_per_channel")
def test_symmetric_per_channel_random_weights(ex):
    w = np.random.default_rng(0).standard_normal((8, 5, 3, 3)).astype(np.float32)
    w[3] *= 10  # one channel much wider than the rest
    q_ref, s_ref = reference_quantization(w, 0)
    q, s = ex.quantize_symmetric_per_channel(w.copy(), 0)
    assert_close(np.asarray(s, dtype=np.float64).ravel(), s_ref.astype(np.float64),
                 "quantize_symmetric_per_channel scales of a conv weight (8, 5, 3, 3), axis 0",
                 rtol=1e-6)
    assert np.asarray(q).dtype == np.int8, f"q must be int8, got {np.asarray(q).dtype}"
    assert np.array_equal(q, q_ref), "quantize_symmetric_per_channel q of a conv weight"


@pytest.mark.grades("softplus")
def test_softplus_passes_gradcheck(ex):
    x = edutorch.randn(4, 3, dtype=edutorch.float64, requires_grad=True)
    y = ex.softplus(x)
    assert y.grad_fn is not None, "softplus: the output has no grad_fn (use Function.apply)"
    assert_close(y, edutorch.nn.functional.softplus(x), "softplus forward")
    assert gradcheck(ex.softplus, (x,), raise_exception=False), \
        "softplus: gradcheck fails: backward is not the derivative (sigmoid(x) * grad)"


@pytest.mark.grades("softplus")
def test_softplus_is_stable_for_large_inputs(ex):
    x = edutorch.tensor([-800.0, -30.0, 0.0, 30.0, 800.0], dtype=edutorch.float64,
                        requires_grad=True)
    y = ex.softplus(x)
    y.sum().backward()
    assert_close(y, edutorch.tensor([0.0, 9.357622968840175e-14, 0.6931471805599453, 30.0,
                                     800.0], dtype=edutorch.float64),
                 "softplus at -800, -30, 0, 30, 800 (exp(800) overflows: use max(x, 0) + "
                 "log1p(exp(-|x|)))", rtol=1e-9, atol=0)
    assert_close(x.grad, edutorch.sigmoid(x.detach()), "softplus gradient at large |x|")
