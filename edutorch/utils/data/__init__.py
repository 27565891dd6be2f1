"""edutorch.utils.data: datasets, samplers and the DataLoader that batches them.

::

    from edutorch.utils.data import TensorDataset, DataLoader, random_split
    train, val = random_split(TensorDataset(x, y), [0.8, 0.2],
                              generator=edutorch.Generator().manual_seed(0))
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True):
        ...
"""
from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "BatchSampler", "default_collate", "default_convert",
           "DataLoader", "get_worker_info", "DistributedSampler"]
