"""Audio features as modules (torchaudio.transforms): waveform (..., time) in, features out.
Their fixed matrices (window, mel filterbank) are buffers, so ``.to(device)`` and
``.double()`` move them with the module."""
from __future__ import annotations

import math

from ..functional import hann_window
from ..nn.modules.module import Module
from ..tensor import Tensor
from . import functional as F

__all__ = ["Spectrogram", "MelScale", "MelSpectrogram", "AmplitudeToDB"]


class Spectrogram(Module):
    """|STFT|^power: (..., time) -> (..., n_fft // 2 + 1, n_frames). ``win_length`` defaults
    to n_fft, ``hop_length`` to win_length // 2; the window is ``window_fn(win_length)``."""

    def __init__(self, n_fft: int = 400, win_length: int | None = None,
                 hop_length: int | None = None, pad: int = 0, window_fn=hann_window,
                 power: float | None = 2.0, normalized=False, wkwargs: dict | None = None,
                 center: bool = True, pad_mode: str = "reflect", onesided: bool = True) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.register_buffer("window", window_fn(self.win_length, **(wkwargs or {})))
        self.pad, self.power, self.normalized = pad, power, normalized
        self.center, self.pad_mode, self.onesided = center, pad_mode, onesided

    def forward(self, waveform: Tensor) -> Tensor:
        return F.spectrogram(waveform, self.pad, self.window, self.n_fft, self.hop_length,
                             self.win_length, self.power, self.normalized, self.center,
                             self.pad_mode, self.onesided)


class MelScale(Module):
    """(..., n_stft, time) power spectrogram -> (..., n_mels, time) mel bands."""

    def __init__(self, n_mels: int = 128, sample_rate: int = 16000, f_min: float = 0.0,
                 f_max: float | None = None, n_stft: int = 201, norm: str | None = None,
                 mel_scale: str = "htk") -> None:
        super().__init__()
        self.n_mels, self.sample_rate = n_mels, sample_rate
        self.f_max = f_max if f_max is not None else float(sample_rate // 2)
        self.f_min, self.norm, self.mel_scale = f_min, norm, mel_scale
        if f_min > self.f_max:
            raise ValueError(f"Require f_min: {f_min} <= f_max: {self.f_max}")
        self.register_buffer("fb", F.melscale_fbanks(n_stft, self.f_min, self.f_max, n_mels,
                                                      sample_rate, norm, mel_scale))

    def forward(self, specgram: Tensor) -> Tensor:
        return (specgram.transpose(-1, -2) @ self.fb).transpose(-1, -2)


class MelSpectrogram(Module):
    """``Spectrogram`` then ``MelScale``: (..., time) -> (..., n_mels, n_frames)."""

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400,
                 win_length: int | None = None, hop_length: int | None = None,
                 f_min: float = 0.0, f_max: float | None = None, pad: int = 0,
                 n_mels: int = 128, window_fn=hann_window, power: float = 2.0,
                 normalized: bool = False, wkwargs: dict | None = None, center: bool = True,
                 pad_mode: str = "reflect", onesided: bool | None = None,
                 norm: str | None = None, mel_scale: str = "htk") -> None:
        super().__init__()
        self.sample_rate, self.n_fft, self.n_mels = sample_rate, n_fft, n_mels
        self.spectrogram = Spectrogram(n_fft=n_fft, win_length=win_length,
                                       hop_length=hop_length, pad=pad, window_fn=window_fn,
                                       power=power, normalized=normalized, wkwargs=wkwargs,
                                       center=center, pad_mode=pad_mode, onesided=True)
        self.win_length, self.hop_length = self.spectrogram.win_length, \
            self.spectrogram.hop_length
        self.mel_scale = MelScale(n_mels, sample_rate, f_min, f_max, n_fft // 2 + 1, norm,
                                  mel_scale)

    def forward(self, waveform: Tensor) -> Tensor:
        return self.mel_scale(self.spectrogram(waveform))


class AmplitudeToDB(Module):
    """Power (``stype='power'``, 10 log10) or amplitude (``'magnitude'``, 20 log10) to
    decibels relative to 1, floored at 1e-10 and, with ``top_db``, at max - top_db."""

    def __init__(self, stype: str = "power", top_db: float | None = None) -> None:
        super().__init__()
        if stype not in ("power", "magnitude"):
            raise ValueError(f"stype must be 'power' or 'magnitude', got {stype!r}")
        if top_db is not None and top_db < 0:
            raise ValueError("top_db must be positive value")
        self.stype, self.top_db = stype, top_db
        self.multiplier = 10.0 if stype == "power" else 20.0
        self.amin = 1e-10
        self.ref_value = 1.0
        self.db_multiplier = math.log10(max(self.amin, self.ref_value))

    def forward(self, x: Tensor) -> Tensor:
        return F.amplitude_to_DB(x, self.multiplier, self.amin, self.db_multiplier,
                                 self.top_db)
