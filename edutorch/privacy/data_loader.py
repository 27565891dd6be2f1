"""Poisson sampling: each step takes every example independently with probability q. The
privacy analysis (``rdp.py``) assumes exactly this, so batch sizes vary from step to step."""
from __future__ import annotations

from .. import rand
from ..utils.data import DataLoader, Sampler
from ..utils.data.collate import default_collate


class UniformWithReplacementSampler(Sampler):
    """Yields ``steps`` batches (default 1/q); each holds every index with probability q."""

    def __init__(self, *, num_samples: int, sample_rate: float, generator=None,
                 steps: int | None = None) -> None:
        if num_samples <= 0:
            raise ValueError(f"num_samples={num_samples} is not a positive integer")
        if not 0 < sample_rate <= 1:
            raise ValueError(f"sample_rate={sample_rate} must be in (0, 1]")
        self.num_samples = num_samples
        self.sample_rate = sample_rate
        self.generator = generator
        self.steps = int(1 / sample_rate) if steps is None else steps

    def __len__(self) -> int:
        return self.steps

    def __iter__(self):
        for _ in range(self.steps):
            mask = rand(self.num_samples, generator=self.generator) < self.sample_rate
            yield mask.nonzero().reshape(-1).tolist()


class DPDataLoader(DataLoader):
    """A DataLoader over the same dataset whose batches are Poisson samples, with the same
    expected batch size (``sample_rate = 1 / len(data_loader)``). An empty batch comes out as
    tensors with a batch dimension of 0 (shapes taken from the first example)."""

    def __init__(self, dataset, *, sample_rate: float, collate_fn=None, generator=None,
                 **kwargs) -> None:
        sampler = UniformWithReplacementSampler(num_samples=len(dataset),
                                                sample_rate=sample_rate, generator=generator)
        collate = collate_fn or default_collate

        def collate_or_empty(batch):
            if batch:
                return collate(batch)
            like = collate([dataset[0]])
            return _empty_like(like)

        super().__init__(dataset, batch_sampler=sampler, collate_fn=collate_or_empty, **kwargs)
        self.sample_rate = sample_rate

    @classmethod
    def from_data_loader(cls, data_loader: DataLoader, *, generator=None) -> "DPDataLoader":
        return cls(data_loader.dataset, sample_rate=1 / len(data_loader),
                   collate_fn=data_loader.collate_fn,
                   generator=generator if generator is not None else data_loader.generator)


def _empty_like(batch):
    if isinstance(batch, (tuple, list)):
        return type(batch)(_empty_like(b) for b in batch)
    return batch[:0]
