"""Chapter 5 exercises: the pieces behind the applications, in NumPy.

The graders compare yours with the library (``F.scaled_dot_product_attention``,
``F.ctc_loss``, ``edutorch.audio.melscale_fbanks``, the convolution layers' shapes) and with a
brute-force enumeration of CTC alignments.

Grade them with ``python -m edutorch.grade ch05``.
"""
from __future__ import annotations

import numpy as np


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis.

    Task: an input of ``size`` samples, padded by ``padding`` on each side, seen by a kernel
    of ``kernel`` taps spread ``dilation`` apart, moved ``stride`` at a time: how many
    positions fit? Must equal the length ``F.conv1d`` / ``nn.Conv2d`` / ``nn.MaxPool2d``
    produce (e.g. 8, 3, padding=1 -> 8; then pooling 8, 2, stride=2 -> 4).
    """
    raise NotImplementedError("conv_output_size")


def causal_attention(q: np.ndarray, k: np.ndarray,
                     v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention with a causal mask.

    Task: q (T, d), k (T, d), v (T, d_v) NumPy arrays. Scores q k^T / sqrt(d); position i may
    attend only to positions j <= i (set the others to -inf *before* the softmax); softmax
    over j (subtract the row maximum first). Return ``(output (T, d_v), weights (T, T))``,
    equal to ``F.scaled_dot_product_attention(q, k, v, is_causal=True)`` and its weights.
    """
    raise NotImplementedError("causal_attention")


def ctc_nll(log_probs: np.ndarray, target: list[int], blank: int = 0) -> float:
    """CTC negative log-likelihood of one label sequence.

    Task: log_probs (T, C) NumPy log-probabilities (rows from log_softmax), target a list of
    labels (none equal to ``blank``). Return -log of the total probability of all length-T
    alignments that collapse (merge repeats, then drop blanks) to ``target``, by the forward
    recursion over the extended target (blank, y1, blank, y2, ..., blank). Work in log space
    (``np.logaddexp``): with T in the hundreds, probabilities underflow to 0. A skip from
    state s-2 to s is allowed only when y'_s is a label different from y'_{s-2}. Equals
    ``F.ctc_loss(..., reduction='sum')`` for one sample.
    """
    raise NotImplementedError("ctc_nll")


def mel_filterbank(n_freqs: int, f_min: float, f_max: float, n_mels: int,
                   sample_rate: int) -> np.ndarray:
    """Triangular mel filterbank on the HTK scale, as torchaudio's
    ``melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate)`` (norm None, 'htk').

    Task: bin i is at frequency i * (sample_rate // 2) / (n_freqs - 1) Hz. Space n_mels + 2
    points evenly in *mel* (m = 2595 log10(1 + f / 700)) from f_min to f_max, convert them
    back to Hz; filter j rises linearly from point j to j+1 and falls to point j+2 (both
    measured in Hz on the bin frequencies), 0 outside. Return (n_freqs, n_mels).
    """
    raise NotImplementedError("mel_filterbank")


def one_hot_reverse_complement(seq: str) -> tuple[np.ndarray, np.ndarray]:
    """One-hot DNA and the one-hot of its reverse complement.

    Task: seq is a string over "ACGT". Return ``(x, rc)``, both (4, L) float arrays with rows
    A, C, G, T: x[row of seq[i], i] = 1; rc is the same for the other strand read 5'->3':
    complement every base (A<->T, C<->G) *and* reverse the order. "AAC" -> reverse complement
    "GTT".
    """
    raise NotImplementedError("one_hot_reverse_complement")
