"""Audio features as functions, with torchaudio's names and definitions.

The mel scale models pitch as people hear it: equal steps in mel sound equally far apart,
which in hertz means ever wider steps as frequency grows. Two formulas are in use:

- HTK: m = 2595 log10(1 + f / 700);
- Slaney (the Auditory Toolbox, librosa's default): linear below 1 kHz, f / (200/3), and
  logarithmic above, 15 + ln(f / 1000) / (ln(6.4) / 27).

A mel filterbank turns a power spectrogram's n_freqs linear bins into n_mels bands: filter j is
a triangle rising from mel point j to j+1 and falling to j+2, the n_mels + 2 points spaced
evenly in mel between f_min and f_max, the triangles drawn on the linear frequency axis.
"""
from __future__ import annotations

import math
import warnings

from .. import _ops
from ..functional import stft
from ..tensor import Tensor

__all__ = ["hz_to_mel", "mel_to_hz", "melscale_fbanks", "spectrogram", "amplitude_to_DB"]

_F_SP = 200.0 / 3          # Slaney: hertz per mel below 1 kHz
_MIN_LOG_HZ = 1000.0       # Slaney: where the scale turns logarithmic
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = math.log(6.4) / 27.0


def hz_to_mel(freq: float, mel_scale: str = "htk") -> float:
    """Hertz to mel (one number), on the 'htk' or 'slaney' scale."""
    if mel_scale not in ("htk", "slaney"):
        raise ValueError(f'mel_scale should be one of "htk" or "slaney", got {mel_scale!r}')
    if mel_scale == "htk":
        return 2595.0 * math.log10(1.0 + freq / 700.0)
    if freq < _MIN_LOG_HZ:
        return freq / _F_SP
    return _MIN_LOG_MEL + math.log(freq / _MIN_LOG_HZ) / _LOGSTEP


def mel_to_hz(mels: Tensor, mel_scale: str = "htk") -> Tensor:
    """Mel to hertz, elementwise on a tensor: the inverse of ``hz_to_mel``."""
    if mel_scale not in ("htk", "slaney"):
        raise ValueError(f'mel_scale should be one of "htk" or "slaney", got {mel_scale!r}')
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    linear = _F_SP * mels
    log = _MIN_LOG_HZ * _ops.pointwise.exp(_LOGSTEP * (mels - _MIN_LOG_MEL))
    return _ops.pointwise.where(mels >= _MIN_LOG_MEL, log, linear)


def melscale_fbanks(n_freqs: int, f_min: float, f_max: float, n_mels: int, sample_rate: int,
                    norm: str | None = None, mel_scale: str = "htk", *, dtype=None) -> Tensor:
    """The (n_freqs, n_mels) matrix taking a spectrogram's linear bins to mel bands:
    ``mel = spec.mT @ fb``.

    Bin i is at frequency i * (sample_rate // 2) / (n_freqs - 1). ``norm='slaney'`` divides
    each triangle by its width in hertz (2 / (f_{j+2} - f_j)), so every band has the same area
    instead of the same height.
    """
    if norm not in (None, "slaney"):
        raise ValueError(f'norm must be one of None or "slaney", got {norm!r}')
    all_freqs = _ops.creation.linspace(0, sample_rate // 2, n_freqs, dtype=dtype)
    m_min, m_max = hz_to_mel(f_min, mel_scale), hz_to_mel(f_max, mel_scale)
    m_pts = _ops.creation.linspace(m_min, m_max, n_mels + 2, dtype=dtype)
    f_pts = mel_to_hz(m_pts, mel_scale)                           # n_mels + 2 corner points
    f_diff = f_pts[1:] - f_pts[:-1]                               # the triangles' half widths
    slopes = f_pts.reshape(1, -1) - all_freqs.reshape(-1, 1)      # (n_freqs, n_mels + 2)
    down = -slopes[:, :-2] / f_diff[:-1]                          # rising edge, 0 -> 1
    up = slopes[:, 2:] / f_diff[1:]                               # falling edge, 1 -> 0
    fb = _ops.pointwise.minimum(down, up).clamp(min=0.0)
    if norm == "slaney":
        fb = fb * (2.0 / (f_pts[2:n_mels + 2] - f_pts[:n_mels]))
    if bool((fb.max(dim=0).values == 0.0).any()):
        warnings.warn(f"At least one mel filterbank has all zero values. The value for "
                      f"`n_mels` ({n_mels}) may be set too high. Or, the value for `n_freqs` "
                      f"({n_freqs}) may be set too low.", stacklevel=2)
    return fb


def spectrogram(waveform: Tensor, pad: int, window: Tensor, n_fft: int, hop_length: int,
                win_length: int, power: float | None, normalized, center: bool = True,
                pad_mode: str = "reflect", onesided: bool = True) -> Tensor:
    """|STFT|^power of (..., time) -> (..., n_freq, n_frames); ``power=None`` keeps the
    (real, imaginary) layout (..., n_freq, n_frames, 2).

    ``normalized``: True or 'window' divides by the window's norm sqrt(sum w^2); 'frame_length'
    asks stft for its 1 / sqrt(n_fft).
    """
    if pad > 0:
        zeros = _ops.creation.zeros(*waveform.shape[:-1], pad, dtype=waveform.dtype,
                                    device=waveform.device)
        waveform = _ops.shape.cat([zeros, waveform, zeros], dim=-1)
    frame_norm = normalized == "frame_length"
    window_norm = normalized is True or normalized == "window"
    shape = waveform.shape
    spec = stft(waveform.reshape(-1, shape[-1]), n_fft=n_fft, hop_length=hop_length,
                win_length=win_length, window=window, center=center, pad_mode=pad_mode,
                normalized=frame_norm, onesided=onesided, return_complex=False)
    spec = spec.reshape(*shape[:-1], *spec.shape[-3:])
    if window_norm:
        spec = spec / (window * window).sum().sqrt()
    if power is None:
        return spec
    energy = (spec * spec).sum(-1)                                # |X|^2
    return energy if power == 2.0 else energy ** (power / 2.0)


def amplitude_to_DB(x: Tensor, multiplier: float, amin: float, db_multiplier: float,
                    top_db: float | None = None) -> Tensor:
    """multiplier * log10(max(x, amin)) - multiplier * db_multiplier, in decibels (multiplier
    10 for power, 20 for amplitude). ``top_db`` floors each spectrogram (the last three
    dimensions, channels included) at its maximum minus top_db."""
    x_db = multiplier * x.clamp(min=amin).log() * (1.0 / math.log(10.0))
    x_db = x_db - multiplier * db_multiplier
    if top_db is not None:
        shape = x_db.shape
        channels = shape[-3] if x_db.dim() > 2 else 1
        packed = x_db.reshape(-1, channels, shape[-2], shape[-1])
        floor = packed.amax(dim=(-3, -2, -1)) - top_db
        x_db = _ops.pointwise.maximum(packed, floor.reshape(-1, 1, 1, 1)).reshape(shape)
    return x_db


