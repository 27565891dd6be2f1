"""ring_allreduce's all-gather sends chunk (r - s) % n, the reduce-scatter's index, instead of
(r + 1 - s) % n: ranks pass on chunks that are not finished yet."""
import numpy as np

from solutions.ch08_faq import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch08_faq", "ring_allreduce"
BUG = "wrong chunk index in the all-gather"


def ring_allreduce(vectors):
    n = len(vectors)
    chunks = [[c.astype(np.float64) for c in np.array_split(v, n)] for v in vectors]
    for step in range(n - 1):
        sends = [(r, (r - step) % n, chunks[r][(r - step) % n].copy()) for r in range(n)]
        for r, c, data in sends:
            chunks[(r + 1) % n][c] += data
    for step in range(n - 1):
        sends = [(r, (r - step) % n, chunks[r][(r - step) % n].copy()) for r in range(n)]
        for r, c, data in sends:
            chunks[(r + 1) % n][c] = data
    return [np.concatenate(ch) / n for ch in chunks]
