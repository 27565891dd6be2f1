"""DataLoader: iterate over a dataset in (optionally shuffled) mini-batches.

For a map-style dataset each epoch is::

    for indices in batch_sampler:                   # e.g. [7, 2, 9, 0] when shuffled
        samples = [dataset[i] for i in indices]
        yield collate_fn(samples)                   # e.g. (stacked inputs, stacked targets)

``batch_sampler`` is built from ``batch_size``, ``drop_last`` and a sampler (``RandomSampler``
when ``shuffle=True``, else ``SequentialSampler``) unless given. Iterating the loader again
starts a new epoch, and a shuffling loader draws a new order from its ``generator``.

Loading happens in the calling process. ``num_workers > 0`` is accepted so that PyTorch scripts
run, but it starts no worker processes: it gives the same batches in the same order as
``num_workers=0``, and a warning says so (the workers' speed-up does not exist here).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator

from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """``None``: edutorch loads data in the main process, never in worker processes."""
    return None


class DataLoader:
    """Batches of samples from ``dataset``, PyTorch's ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style :class:`Dataset` (``dataset[i]``, ``len``) or an
            :class:`IterableDataset`.
        batch_size: samples per batch (default 1); ``None`` turns batching off (each sample is
            yielded by itself, with NumPy arrays converted to tensors).
        shuffle: a new random order every epoch.
        sampler: the index order (exclusive with ``shuffle``).
        batch_sampler: yields whole lists of indices (exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: accepted for compatibility; loading always runs in this process.
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        pin_memory: accepted and ignored (page-locked host memory is a CUDA-copy speed-up).
        drop_last: drop the last batch when it has fewer than ``batch_size`` samples.
        generator: the ``edutorch.Generator`` that shuffling draws from (seed it to get the
            same orders every run).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | None = None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        if isinstance(dataset, IterableDataset):
            _check_stream_options(shuffle, sampler, batch_sampler)
        else:
            if sampler is not None and shuffle:
                raise ValueError("sampler option is mutually exclusive with shuffle")
            if batch_sampler is not None:
                if batch_size != 1 or shuffle or sampler is not None or drop_last:
                    raise ValueError("batch_sampler option is mutually exclusive with "
                                     "batch_size, shuffle, sampler, and drop_last")
                batch_size, drop_last = None, False
            elif batch_size is None and drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is "
                                 "mutually exclusive with drop_last")
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                    SequentialSampler(dataset)
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.collate_fn = collate_fn if collate_fn is not None else \
            (default_collate if self._auto_collation else default_convert)

    @property
    def _auto_collation(self) -> bool:
        """True when samples are merged into batches (``batch_size`` or a batch_sampler)."""
        if isinstance(self.dataset, IterableDataset):
            return self.batch_size is not None
        return self.batch_sampler is not None

    def __iter__(self) -> Iterator:
        if isinstance(self.dataset, IterableDataset):
            return self._iter_stream()
        return self._iter_map()

    def _fetch(self, indices: list):
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(indices)
        return [self.dataset[i] for i in indices]

    def _iter_map(self) -> Iterator:
        if self._auto_collation:
            for indices in self.batch_sampler:
                yield self.collate_fn(self._fetch(list(indices)))
        else:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])

    def _iter_stream(self) -> Iterator:
        if not self._auto_collation:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        """Batches per epoch (for an IterableDataset, from its ``len`` if it has one)."""
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)


def _check_worker_options(num_workers: int, timeout: float, prefetch_factor: int | None,
                          persistent_workers: bool) -> None:
    """PyTorch's checks of the multiprocessing options (which edutorch accepts and, with a
    warning, runs in the main process)."""
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in "
                         "multiprocessing. let num_workers > 0 to enable multiprocessing, "
                         "otherwise set prefetch_factor to None.")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if num_workers > 0:
        warnings.warn(f"edutorch's DataLoader loads data in the main process: "
                      f"num_workers={num_workers} gives the same batches, in the same "
                      f"order, as num_workers=0, with no worker processes (and "
                      f"worker_init_fn is not called).", UserWarning, stacklevel=3)


def _check_stream_options(shuffle, sampler, batch_sampler) -> None:
    """An IterableDataset yields its samples in its own order: no shuffle, sampler or
    batch_sampler may be given."""
    if shuffle not in (None, False):
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                         f"shuffle option, but got shuffle={shuffle}")
    if sampler is not None:
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                         f"sampler option, but got sampler={sampler}")
    if batch_sampler is not None:
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                         f"batch_sampler option, but got batch_sampler={batch_sampler}")
