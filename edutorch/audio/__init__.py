"""``edutorch.audio``: sound as features a network can read, following torchaudio's
definitions (``torchaudio.functional`` and ``torchaudio.transforms``).

- ``functional``: ``spectrogram``, ``hz_to_mel`` / ``mel_to_hz`` (HTK and Slaney scales),
  ``melscale_fbanks``, ``amplitude_to_DB``;
- ``transforms``: the same as modules, ``Spectrogram``, ``MelScale``, ``MelSpectrogram``,
  ``AmplitudeToDB``.
"""
from . import functional, transforms  # noqa: F401
from .functional import amplitude_to_DB, melscale_fbanks, spectrogram  # noqa: F401
from .transforms import AmplitudeToDB, MelScale, MelSpectrogram, Spectrogram  # noqa: F401
