"""TensorBoard logging, as ``torch.utils.tensorboard``: ``SummaryWriter`` writes event files
that ``tensorboard --logdir runs`` shows.

Needs the ``tensorboard`` package (``pip install "edutorch[tensorboard]"``), which provides the
file format (protocol buffers, CRC-checked records); edutorch only fills the records in.
"""
try:
    import tensorboard  # noqa: F401  (only to fail early, with PyTorch's advice)
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("edutorch.utils.tensorboard needs the tensorboard package: "
                      "pip install tensorboard (or the edutorch[tensorboard] extra)") from e

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
