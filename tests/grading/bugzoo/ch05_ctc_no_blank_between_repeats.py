"""ctc_nll lets the path skip the blank between two equal labels."""
import numpy as np

from solutions.ch05_applications import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch05_applications", "ctc_nll"
BUG = "skip allowed between repeated labels"


def ctc_nll(log_probs, target, blank=0):
    ext = [blank]
    for c in target:
        ext += [c, blank]
    S = len(ext)
    alpha = np.full(S, -np.inf)
    alpha[0] = log_probs[0, ext[0]]
    if S > 1:
        alpha[1] = log_probs[0, ext[1]]
    for t in range(1, log_probs.shape[0]):
        new = np.full(S, -np.inf)
        for s in range(S):
            terms = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
            if s >= 2 and ext[s] != blank:
                terms.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(terms) + log_probs[t, ext[s]]
        alpha = new
    return float(-(alpha[-1] if S == 1 else np.logaddexp(alpha[-1], alpha[-2])))
