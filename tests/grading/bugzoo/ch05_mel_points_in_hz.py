"""mel_filterbank spaces the corner points evenly in Hz (mixing Hz and mel)."""
import numpy as np

from solutions.ch05_applications import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch05_applications", "mel_filterbank"
BUG = "points evenly spaced in Hz, not mel"


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    freqs = np.linspace(0, sample_rate // 2, n_freqs)
    f_pts = np.linspace(f_min, f_max, n_mels + 2)
    fb = np.zeros((n_freqs, n_mels))
    for j in range(n_mels):
        lo, mid, hi = f_pts[j], f_pts[j + 1], f_pts[j + 2]
        fb[:, j] = np.maximum(0.0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
    return fb
