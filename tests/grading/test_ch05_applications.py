"""Graders for chapter 5 (exercises/ch05_applications.py): compared with edutorch's layers
(convolution shapes, F.scaled_dot_product_attention, F.ctc_loss, audio.melscale_fbanks) and
with a brute-force enumeration of CTC alignments."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from gradelib import assert_close, call_exercise

import edutorch
import edutorch.nn.functional as F
from edutorch import audio

RNG = np.random.default_rng(50)


# -- conv_output_size --------------------------------------------------------------------------

SIZE_CASES = [(8, 3, 1, 1, 1), (8, 2, 2, 0, 1), (28, 5, 1, 0, 1), (10, 3, 2, 1, 1),
              (11, 3, 3, 0, 1), (20, 3, 1, 0, 2), (20, 5, 2, 4, 3)]


@pytest.mark.grades("conv_output_size")
@pytest.mark.parametrize("size, kernel, stride, padding, dilation", SIZE_CASES, ids=str)
def test_conv_output_size_matches_conv1d(ex, size, kernel, stride, padding, dilation):
    out = F.conv1d(edutorch.zeros(1, 1, size), edutorch.zeros(1, 1, kernel), stride=stride,
                   padding=padding, dilation=dilation)
    got = call_exercise(ex, "conv_output_size", size, kernel, stride, padding, dilation)
    assert got == out.shape[-1], (
        f"conv_output_size(size={size}, kernel={kernel}, stride={stride}, padding={padding}, "
        f"dilation={dilation}) = {got}, but F.conv1d gives {out.shape[-1]}. A dilated kernel "
        f"spans dilation*(kernel-1)+1 samples; the count rounds down.")


# -- causal_attention --------------------------------------------------------------------------

@pytest.mark.grades("causal_attention")
@pytest.mark.parametrize("T, d", [(1, 4), (5, 4), (6, 64)])
def test_causal_attention_matches_library(ex, T, d):
    q, k, v = (RNG.standard_normal((T, d)) * 3 for _ in range(3))
    out, w = call_exercise(ex, "causal_attention", q.copy(), k.copy(), v.copy())
    scores = edutorch.tensor(q) @ edutorch.tensor(k).T / math.sqrt(d)
    mask = edutorch.ones(T, T, dtype=edutorch.bool).triu(1)
    expected_w = scores.masked_fill(mask, float("-inf")).softmax(-1)
    expected = F.scaled_dot_product_attention(edutorch.tensor(q), edutorch.tensor(k),
                                              edutorch.tensor(v), is_causal=True)
    assert_close(w, expected_w, f"attention weights (T={T}, d={d}); each row should sum to 1 "
                 f"over positions j <= i, with scores divided by sqrt(d)", rtol=1e-7, atol=1e-9)
    assert_close(out, expected, f"attention output (T={T}, d={d})", rtol=1e-7, atol=1e-9)


@pytest.mark.grades("causal_attention")
def test_causal_attention_ignores_the_future(ex):
    T, d = 5, 4
    q, k, v = (RNG.standard_normal((T, d)) for _ in range(3))
    out, w = call_exercise(ex, "causal_attention", q, k, v)
    k2, v2 = k.copy(), v.copy()
    k2[-1] += 100.0
    v2[-1] += 100.0
    out2, _ = call_exercise(ex, "causal_attention", q, k2, v2)
    assert np.allclose(np.asarray(out)[:-1], np.asarray(out2)[:-1]), \
        "changing the last key/value changed earlier outputs: the future leaks (mask the " \
        "scores before the softmax, not the weights after it)"
    assert np.allclose(np.asarray(w).sum(1), 1.0), "each row of weights must sum to 1"


# -- ctc_nll -----------------------------------------------------------------------------------

def log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def brute_force(lp, target, blank):
    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        out, prev = [], None
        for c in path:
            if c != prev and c != blank:
                out.append(c)
            prev = c
        if out == list(target):
            total += math.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -math.log(total)


CTC_CASES = [([1, 2], 0), ([1, 1], 0), ([2, 2, 1], 0), ([2], 0), ([0, 1], 2)]


@pytest.mark.grades("ctc_nll")
@pytest.mark.parametrize("target, blank", CTC_CASES, ids=str)
def test_ctc_nll_equals_enumeration(ex, target, blank):
    lp = log_softmax(RNG.standard_normal((6, 3)))
    got = call_exercise(ex, "ctc_nll", lp.copy(), list(target), blank)
    want = brute_force(lp, target, blank)
    repeat = any(a == b for a, b in zip(target, target[1:]))
    assert math.isclose(float(got), want, rel_tol=1e-9), (
        f"ctc_nll for target {target} (blank={blank}) over 6 frames: {got}, but summing all "
        f"alignments gives {want}." + (" The target repeats a label: a blank must separate the"
                                       " two, so no skip from one to the other." if repeat
                                       else ""))


@pytest.mark.grades("ctc_nll")
def test_ctc_nll_long_input_in_log_space(ex):
    T, C = 600, 5  # 0.2 ** 600 is below float64's smallest number
    lp = log_softmax(RNG.standard_normal((T, C)))
    target = [1, 2, 2, 3, 4, 1]
    got = float(call_exercise(ex, "ctc_nll", lp.copy(), target, 0))
    want = F.ctc_loss(edutorch.tensor(lp[:, None]), edutorch.tensor([target]), [T], [6],
                      reduction="sum").item()
    assert math.isfinite(got) and math.isclose(got, want, rel_tol=1e-9), (
        f"ctc_nll over {T} frames: {got}, F.ctc_loss gives {want}. Probabilities multiplied "
        f"over {T} frames underflow to 0; keep the recursion in log space (np.logaddexp).")


# -- mel_filterbank ----------------------------------------------------------------------------

MEL_CASES = [(9, 0.0, 4000.0, 4, 8000), (201, 0.0, 8000.0, 40, 16000),
             (129, 50.0, 3000.0, 10, 8000)]


@pytest.mark.grades("mel_filterbank")
@pytest.mark.parametrize("args", MEL_CASES, ids=str)
def test_mel_filterbank_matches_melscale_fbanks(ex, args):
    got = call_exercise(ex, "mel_filterbank", *args)
    want = audio.melscale_fbanks(*args, dtype=edutorch.float64)
    assert_close(got, want, f"mel_filterbank{args} (n_freqs, n_mels); points spaced evenly in "
                 f"mel, n_mels + 2 of them, triangles drawn in Hz", rtol=1e-8, atol=1e-10)


# -- one_hot_reverse_complement ----------------------------------------------------------------

@pytest.mark.grades("one_hot_reverse_complement")
@pytest.mark.parametrize("seq, rc", [("AAC", "GTT"), ("ACGT", "ACGT"), ("GATTACA", "TGTAATC"),
                                     ("CCCA", "TGGG")])
def test_one_hot_reverse_complement(ex, seq, rc):
    from edutorch.datasets import one_hot_dna
    x, r = call_exercise(ex, "one_hot_reverse_complement", seq)
    assert_close(x, one_hot_dna(seq).double(), f"one-hot of {seq!r} (rows A, C, G, T)")
    assert_close(r, one_hot_dna(rc).double(), f"reverse complement of {seq!r} is {rc!r}: "
                 f"complement each base and read the other way")
