"""mel_filterbank spaces n_mels + 1 points instead of n_mels + 2 (edges shifted)."""
import numpy as np

from solutions.ch05_applications import *  # noqa: F401,F403
from solutions.ch05_applications import _hz_to_mel, _mel_to_hz

CHAPTER, BREAKS = "ch05_applications", "mel_filterbank"
BUG = "n_mels + 1 corner points"


def mel_filterbank(n_freqs, f_min, f_max, n_mels, sample_rate):
    freqs = np.linspace(0, sample_rate // 2, n_freqs)
    f_pts = _mel_to_hz(np.linspace(_hz_to_mel(f_min), _hz_to_mel(f_max), n_mels + 1))
    f_pts = np.append(f_pts, f_pts[-1] + (f_pts[-1] - f_pts[-2]))
    fb = np.zeros((n_freqs, n_mels))
    for j in range(n_mels):
        lo, mid, hi = f_pts[j], f_pts[j + 1], f_pts[j + 2]
        fb[:, j] = np.maximum(0.0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
    return fb
