"""ctc_nll multiplies probabilities instead of adding logs: underflows on long inputs."""
import numpy as np

from solutions.ch05_applications import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch05_applications", "ctc_nll"
BUG = "forward recursion in probability space"


def ctc_nll(log_probs, target, blank=0):
    p = np.exp(log_probs)
    ext = [blank]
    for c in target:
        ext += [c, blank]
    S = len(ext)
    alpha = np.zeros(S)
    alpha[0] = p[0, ext[0]]
    if S > 1:
        alpha[1] = p[0, ext[1]]
    for t in range(1, p.shape[0]):
        new = np.zeros(S)
        for s in range(S):
            a = alpha[s] + (alpha[s - 1] if s >= 1 else 0.0)
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                a += alpha[s - 2]
            new[s] = a * p[t, ext[s]]
        alpha = new
    with np.errstate(divide="ignore"):
        return float(-np.log(alpha[-1] if S == 1 else alpha[-1] + alpha[-2]))
