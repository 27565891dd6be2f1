"""``DistributedSampler``: each rank's share of a dataset's indices, for distributed training.

With ``num_replicas`` ranks, every epoch:

1. the indices ``0 .. n-1`` are put in order, or, with ``shuffle``, permuted by a generator
   seeded with ``seed + epoch`` (the same permutation on every rank: they share ``seed``);
2. the list is padded by repeating its start until its length divides evenly (or, with
   ``drop_last``, cut to a multiple of ``num_replicas``);
3. rank ``r`` takes every ``num_replicas``-th index starting at ``r``.

So the ranks' shares are disjoint (apart from the padding), equally long, and together cover
the dataset. Call ``set_epoch(epoch)`` before each epoch, or every epoch repeats one order.
"""
from __future__ import annotations

import math
from typing import Iterator

from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Indices ``rank, rank + num_replicas, ...`` of the (shuffled, padded) index list.

    ``num_replicas`` and ``rank`` default to the world size and rank of the default process
    group (``edutorch.distributed``).
    """

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def permutation(self) -> list[int]:
        """This epoch's order of ``0 .. n-1``, before padding and striding (the same on every
        rank)."""
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        from ..._ops.creation import randperm
        from ...backend.random import Generator
        g = Generator().manual_seed(self.seed + self.epoch)
        return randperm(n, generator=g).tolist()

    def __iter__(self) -> Iterator[int]:
        indices = self.permutation()
        if not self.drop_last:
            padding = self.total_size - len(indices)
            # repeat the start; a tiny dataset may need to repeat whole copies of itself
            indices += (indices * math.ceil(padding / len(indices)))[:padding] if padding else []
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Reseed the shuffle for ``epoch`` (call it at the start of every epoch)."""
        self.epoch = epoch
