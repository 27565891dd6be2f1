"""quantize_symmetric_per_channel takes each channel's maximum along the channel axis itself
(one scale per position in the other dimension), not over the other dimensions."""
import numpy as np

from solutions.ch08_faq import *  # noqa: F401,F403
from solutions.ch08_faq import quantize_symmetric_per_channel as _right

CHAPTER, BREAKS = "ch08_faq", "quantize_symmetric_per_channel"
BUG = "wrong axis"


def quantize_symmetric_per_channel(w, axis):
    w = np.asarray(w, dtype=np.float32)
    if w.ndim == 2:
        q, s = _right(w.T, axis)
        return np.ascontiguousarray(q.T), s
    return _right(np.moveaxis(w, axis, -1), w.ndim - 1 if axis == 0 else 0)
