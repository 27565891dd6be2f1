"""quantize_symmetric_per_channel rounds halves up (floor(x + 0.5)), not to even."""
import numpy as np

from solutions.ch08_faq import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch08_faq", "quantize_symmetric_per_channel"
BUG = "rounding half up"


def quantize_symmetric_per_channel(w, axis):
    w = np.asarray(w, dtype=np.float32)
    others = tuple(d for d in range(w.ndim) if d != axis)
    scale = np.maximum(np.abs(w).max(axis=others) / np.float32(127.5),
                       np.finfo(np.float32).eps).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    inv = (1.0 / scale.astype(np.float64)).astype(np.float32).reshape(shape)
    return np.clip(np.floor(w * inv + np.float32(0.5)), -128, 127).astype(np.int8), scale
