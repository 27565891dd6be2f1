"""Chapter 5 reference solutions (NumPy): the pieces behind the applications."""
from __future__ import annotations

import math

import numpy as np


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def causal_attention(q: np.ndarray, k: np.ndarray,
                     v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention where position i sees positions 0..i only."""
    T, d = q.shape
    scores = q @ k.T / math.sqrt(d)
    future = np.triu(np.ones((T, k.shape[0]), dtype=bool), 1)
    scores = np.where(future, -np.inf, scores)
    scores = scores - scores.max(axis=1, keepdims=True)
    w = np.exp(scores)
    w = w / w.sum(axis=1, keepdims=True)
    return w @ v, w


def ctc_nll(log_probs: np.ndarray, target: list[int], blank: int = 0) -> float:
    """-log p(target | log_probs) by the CTC forward recursion, in log space."""
    T = log_probs.shape[0]
    ext = [blank]
    for c in target:
        ext += [c, blank]
    S = len(ext)
    alpha = np.full(S, -np.inf)
    alpha[0] = log_probs[0, ext[0]]
    if S > 1:
        alpha[1] = log_probs[0, ext[1]]
    for t in range(1, T):
        new = np.full(S, -np.inf)
        for s in range(S):
            terms = [alpha[s]]
            if s >= 1:
                terms.append(alpha[s - 1])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                terms.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(terms) + log_probs[t, ext[s]]
        alpha = new
    total = alpha[-1] if S == 1 else np.logaddexp(alpha[-1], alpha[-2])
    return float(-total)


def _hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=float) / 700.0)


def _mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=float) / 2595.0) - 1.0)


def mel_filterbank(n_freqs: int, f_min: float, f_max: float, n_mels: int,
                   sample_rate: int) -> np.ndarray:
    """(n_freqs, n_mels) triangular HTK mel filterbank, torchaudio's definition (no norm)."""
    freqs = np.linspace(0, sample_rate // 2, n_freqs)
    f_pts = _mel_to_hz(np.linspace(_hz_to_mel(f_min), _hz_to_mel(f_max), n_mels + 2))
    fb = np.zeros((n_freqs, n_mels))
    for j in range(n_mels):
        lo, mid, hi = f_pts[j], f_pts[j + 1], f_pts[j + 2]
        rise = (freqs - lo) / (mid - lo)
        fall = (hi - freqs) / (hi - mid)
        fb[:, j] = np.maximum(0.0, np.minimum(rise, fall))
    return fb


def one_hot_reverse_complement(seq: str) -> tuple[np.ndarray, np.ndarray]:
    """(4, L) one-hot of seq (rows A, C, G, T) and of its reverse complement."""
    rows = {"A": 0, "C": 1, "G": 2, "T": 3}
    x = np.zeros((4, len(seq)))
    for i, b in enumerate(seq):
        x[rows[b], i] = 1.0
    # complement swaps A<->T (rows 0, 3) and C<->G (rows 1, 2): reverse the rows; the other
    # strand is read in the opposite direction: reverse the columns
    return x, x[::-1, ::-1].copy()
