"""What the loaders share: a Dataset over a list of samples, and a seeded split."""
from __future__ import annotations

from typing import Any, Sequence

from .. import _ops
from ..backend.random import Generator
from ..utils.data import Dataset


class ListDataset(Dataset):
    """A Dataset over a list of samples (tuples); extra named attributes describe it
    (``classes``, ``alphabet``, ...)."""

    def __init__(self, samples: Sequence[Any], **info) -> None:
        self.samples = list(samples)
        for k, v in info.items():
            setattr(self, k, v)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def permutation(n: int, seed: int) -> list[int]:
    """A permutation of range(n) fixed by ``seed`` (the global RNG is left alone)."""
    g = Generator().manual_seed(seed)
    return _ops.creation.randperm(n, generator=g).tolist()


def split(samples: Sequence[Any], test_fraction: float, seed: int, **info):
    """(train, test) ListDatasets, a seeded shuffle cut at ``test_fraction``."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    order = permutation(len(samples), seed)
    n_test = int(round(len(samples) * test_fraction))
    test = [samples[i] for i in order[:n_test]]
    train = [samples[i] for i in order[n_test:]]
    return ListDataset(train, **info), ListDataset(test, **info)
