"""Speech for the book's speech page: eSpeak NG, through the ``espeakng-loader`` wheel.

eSpeak NG (https://github.com/espeak-ng/espeak-ng) is a formant speech synthesiser, licensed
GPL-3.0-or-later; ``espeakng-loader`` ships its shared library and voice data in a wheel, so it
runs offline. Because of the GPL it is used only here, in the book's helpers (and installed by
the ``book`` extra): the MIT-licensed edutorch library never imports it, and
``edutorch.datasets.spoken_digits`` takes this function as an argument.
"""
from __future__ import annotations

import ctypes

import numpy as np

import edutorch

_AUDIO_OUTPUT_SYNCHRONOUS, _RATE, _PITCH = 2, 1, 3
_lib = None
_chunks: list = []
_SAMPLE_RATE = 0

# eSpeak NG's English voices (British, American, RP, Scottish) with voice variants (different
# speakers). Left out: the variants f2, f3 and f5, whose added breath noise differs from one
# process to the next, which would make the book's outputs irreproducible.
VOICES = ["en+m1", "en+m2", "en+m3", "en+m4", "en+m5", "en+m6", "en+m7", "en+f1",
          "en-us+f1", "en-gb-x-rp+f4", "en+f4", "en-gb-scotland+f1", "en-us+m3", "en-us+f4",
          "en+klatt", "en+klatt2"]


@ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
def _collect(wav, n, events):
    if n > 0:
        _chunks.append(bytes(ctypes.string_at(wav, 2 * n)))
    return 0


def _load():
    global _lib, _SAMPLE_RATE
    if _lib is None:
        import espeakng_loader
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        _SAMPLE_RATE = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                             espeakng_loader.get_data_path().encode(), 0)
        if _SAMPLE_RATE <= 0:
            raise RuntimeError("eSpeak NG failed to initialise")
        lib.espeak_SetSynthCallback(_collect)
        _lib = lib
    return _lib


def espeak(text: str, voice: str, rate: int = 170, pitch: int = 50):
    """Speak ``text``: (float32 waveform in [-1, 1], sample rate 22050)."""
    lib = _load()
    _chunks.clear()
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise ValueError(f"eSpeak NG has no voice {voice!r}")
    lib.espeak_SetParameter(_RATE, rate, 0)
    lib.espeak_SetParameter(_PITCH, pitch, 0)
    data = text.encode()
    lib.espeak_Synth(ctypes.c_char_p(data), len(data) + 1, 0, 0, 0, 0x1000, None, None)
    lib.espeak_Synchronize()
    samples = np.frombuffer(b"".join(_chunks), dtype=np.int16).astype(np.float32) / 32768.0
    return edutorch.tensor(samples), _SAMPLE_RATE


def downsample(wave, factor: int):
    """Average each block of ``factor`` samples (a crude low-pass, then keep one in factor)."""
    n = wave.shape[-1] // factor * factor
    return wave[..., :n].reshape(*wave.shape[:-1], -1, factor).mean(-1)
