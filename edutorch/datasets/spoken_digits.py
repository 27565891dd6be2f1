"""Spoken digits "zero" .. "nine", one clip per (voice, digit, take), from a speech
synthesiser that the caller supplies.

edutorch ships no synthesiser: the good free one, eSpeak NG, is GPL licensed and edutorch is
MIT, so the library never imports it. The book's helper (``book/ch05_applications/_speech.py``)
drives eSpeak NG through the ``espeakng-loader`` wheel (its shared library and voice data,
offline) and passes it here. Any callable works:

    synthesize(text: str, voice: str, rate: int, pitch: int) -> (Tensor (samples,), sample_rate)

Clips are peak-normalised and cut or zero-padded to ``seconds``; voices differ in timbre,
pitch and speed, so holding voices out tests recognition of speakers never heard.
"""
from __future__ import annotations

from typing import Callable, Sequence

from .. import _ops
from ..backend.random import Generator
from .base import ListDataset

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _fit(wave, n: int):
    wave = wave / wave.abs().max().clamp(min=1e-8)
    if wave.shape[0] >= n:
        return wave[:n]
    return _ops.shape.cat([wave, _ops.creation.zeros(n - wave.shape[0], dtype=wave.dtype)])


def spoken_digits(synthesize: Callable, voices: Sequence[str], takes: int = 3,
                  seconds: float = 0.8, seed: int = 0):
    """A dataset of (waveform (samples,) float32, digit int, voice index int), with
    attributes ``voices`` and ``sample_rate``. Each take of a voice draws its own rate and
    pitch (seeded), so takes differ as a speaker's repetitions do."""
    g = Generator().manual_seed(seed)
    samples, sample_rate = [], None
    for v, voice in enumerate(voices):
        base_pitch = int(_ops.creation.randint(30, 70, (1,), generator=g).item())
        for _ in range(takes):
            for d, word in enumerate(DIGIT_WORDS):
                rate = int(_ops.creation.randint(140, 200, (1,), generator=g).item())
                pitch = base_pitch + int(_ops.creation.randint(-8, 9, (1,), generator=g).item())
                wave, sr = synthesize(word, voice, rate, pitch)
                if sample_rate is None:
                    sample_rate = sr
                elif sr != sample_rate:
                    raise ValueError(f"spoken_digits: the synthesiser changed sample rate "
                                     f"({sample_rate} then {sr})")
                samples.append((_fit(wave.float(), int(seconds * sr)), d, v))
    return ListDataset(samples, voices=list(voices), sample_rate=sample_rate)
