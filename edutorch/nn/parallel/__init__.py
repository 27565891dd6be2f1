"""``edutorch.nn.parallel``: data parallelism within one process (``DataParallel``) and across
processes (``DistributedDataParallel``, over ``edutorch.distributed``)."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel
from .parallel_apply import parallel_apply
from .replicate import replicate
from .scatter_gather import gather, scatter

__all__ = ["DataParallel", "DistributedDataParallel", "parallel_apply", "replicate",
           "scatter", "gather"]
