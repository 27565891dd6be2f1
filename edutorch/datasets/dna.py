"""DNA sequences with a planted transcription-factor-like motif (generated here).

A transcription factor binds DNA where a short pattern, its *motif*, occurs; the pattern is
fuzzy, so it is written as a position probability matrix: for each of k positions, the
probabilities of A, C, G and T. Half of the sequences (label 1) carry one motif instance drawn
from that matrix at a random place; the others (label 0) are uniform random bases.
"""
from __future__ import annotations

from .. import _ops
from ..backend.random import Generator
from ..tensor import Tensor
from .base import ListDataset

BASES = "ACGT"


def one_hot_dna(seq: str) -> Tensor:
    """'ACGT...' -> (4, L) float32 one-hot: row i is base BASES[i]."""
    idx = [BASES.index(b) for b in seq]
    eye = _ops.creation.eye(4)
    return eye[_ops.creation.tensor(idx)].T.contiguous()


def _random_motif(k: int, g: Generator) -> Tensor:
    """(4, k) probabilities: each position favours one base strongly (about 0.7-0.95)."""
    favourite = _ops.creation.randint(0, 4, (k,), generator=g)
    strength = 0.7 + 0.25 * _ops.creation.rand(k, generator=g)
    pwm = ((1 - strength) / 3).reshape(1, -1).repeat(4, 1)
    pwm[favourite, _ops.creation.arange(k)] = strength
    return pwm


def dna_motifs(n: int = 2000, length: int = 60, motif_length: int = 8,
               test_fraction: float = 0.25, seed: int = 0):
    """(train, test, motif): datasets of (one-hot (4, length) float32, label int) with
    attribute ``sequences`` (the strings) and ``sites`` (where the motif was planted, -1 for
    none), and the planted motif as a (4, motif_length) probability matrix."""
    g = Generator().manual_seed(seed)
    motif = _random_motif(motif_length, g)
    cum = motif.cumsum(0)
    samples, seqs, sites = [], [], []
    for i in range(n):
        bases = _ops.creation.randint(0, 4, (length,), generator=g).tolist()
        label = i % 2
        site = -1
        if label:
            site = int(_ops.creation.randint(0, length - motif_length + 1, (1,),
                                             generator=g).item())
            u = _ops.creation.rand(motif_length, generator=g)
            drawn = (u.reshape(1, -1) > cum).sum(0).clamp(max=3).tolist()
            bases[site:site + motif_length] = drawn
        seq = "".join(BASES[b] for b in bases)
        samples.append((one_hot_dna(seq), label))
        seqs.append(seq)
        sites.append(site)
    n_test = int(round(n * test_fraction))
    cut = n - n_test
    train = ListDataset(samples[:cut], sequences=seqs[:cut], sites=sites[:cut])
    test = ListDataset(samples[cut:], sequences=seqs[cut:], sites=sites[cut:])
    return train, test, motif
