"""quantize_symmetric_per_channel divides max|w| by 127 instead of 127.5 (= 255 / 2)."""
import numpy as np

from solutions.ch08_faq import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch08_faq", "quantize_symmetric_per_channel"
BUG = "127 instead of 127.5"


def quantize_symmetric_per_channel(w, axis):
    w = np.asarray(w, dtype=np.float32)
    others = tuple(d for d in range(w.ndim) if d != axis)
    scale = np.maximum(np.abs(w).max(axis=others) / np.float32(127),
                       np.finfo(np.float32).eps).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    inv = (1.0 / scale.astype(np.float64)).astype(np.float32).reshape(shape)
    return np.clip(np.rint(w * inv), -128, 127).astype(np.int8), scale
