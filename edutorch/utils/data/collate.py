"""How a DataLoader turns a list of samples into one batch (``default_collate``).

Samples are usually tuples like ``(image, label)``; a batch is then the tuple's fields, each
stacked along a new first dimension: ``[(x0, y0), (x1, y1)] -> [stack([x0, x1]), tensor([y0,
y1])]``. The rules, applied recursively, are PyTorch's:

==========================  =================================================================
sample element              batch
==========================  =================================================================
Tensor                      ``edutorch.stack(batch)``: shape ``(B, *element shape)``
NumPy array or scalar       converted to tensors, then stacked (NumPy scalars keep dtype)
Python float                float64 tensor of shape ``(B,)``
Python int / bool           int64 / bool tensor of shape ``(B,)``
str or bytes                left as they are (the list, or tuple, of the B strings)
dict (any mapping)          the same keys, each value collated
named tuple                 the same named tuple, each field collated
tuple / list                transposed, each position collated; a list is returned
==========================  =================================================================
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")


def _is_numpy(x) -> bool:
    # Found by the type's module: edutorch outside its backend never imports NumPy itself.
    return type(x).__module__ == "numpy" and hasattr(x, "__array_interface__")


def _numpy_to_tensor(a) -> Tensor:
    from ..._ops.creation import as_tensor
    if a.dtype.kind in "SaUO":
        raise TypeError(_ERROR.format(a.dtype))
    return as_tensor(a)


def default_collate(batch):
    """Merge a list of samples into a batch (see the table in this module's docstring)."""
    from ... import _dtype as dt
    from ..._ops.creation import tensor
    from ..._ops.shape import stack

    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if _is_numpy(elem):
        return _collate_numpy(batch)
    if isinstance(elem, bool):
        return tensor(list(batch), dtype=dt.bool_)
    if isinstance(elem, float):
        return tensor(list(batch), dtype=dt.float64)
    if isinstance(elem, int):
        return tensor(list(batch), dtype=dt.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        merged = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(merged)  # keep OrderedDict and other dict types
        except TypeError:
            return merged
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        return _collate_columns(batch)
    raise TypeError(_ERROR.format(type(elem)))


def _collate_numpy(batch):
    """NumPy arrays (or scalars) of numbers, stacked into one tensor of their dtype."""
    from ..._ops.shape import stack
    elem = batch[0]
    if elem.dtype.kind in "SaUO":
        raise TypeError(_ERROR.format(elem.dtype))
    if elem.shape == ():  # NumPy scalars: one tensor of their dtype
        return _numpy_to_tensor(_as_array(batch))
    return stack([_numpy_to_tensor(b) for b in batch], 0)


def _collate_columns(batch):
    """Samples that are sequences of equal length: each position collated across the batch,
    as a list (for tuples, as PyTorch does) or the sequences' own type when it can be made."""
    elem = batch[0]
    size = len(elem)
    if any(len(e) != size for e in batch):
        raise RuntimeError("each element in list of batch should be of equal size")
    columns = [default_collate(col) for col in zip(*batch)]
    if isinstance(elem, tuple):
        return columns
    try:
        return type(elem)(columns)
    except TypeError:
        return columns


def _as_array(batch):
    """A list of NumPy scalars as one NumPy array (through the backend that owns NumPy)."""
    from ... import backend
    return backend.asarray(list(batch), dtype=batch[0].dtype)


def default_convert(data):
    """What a DataLoader does to each sample when batching is off (``batch_size=None``):
    NumPy arrays become tensors, containers are converted element by element, and the rest is
    left alone."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if data.dtype.kind in "SaUO":
            return data
        return _numpy_to_tensor(data)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
