"""Lookups by integer index: ``embedding`` (rows of a table) and ``one_hot``."""
from __future__ import annotations

from ... import _dtype as dt
from ... import backend
from ..._ops.creation import arange
from ..._ops.pointwise import where
from ...autograd import grad_mode
from ...tensor import Tensor

__all__ = ["embedding", "one_hot"]


def _check_indices(input: Tensor, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dtype not in (dt.int64, dt.int32, dt.int16, dt.int8, dt.uint8):
        raise RuntimeError(f"{op}: Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead "
                           f"(usage: {op}(input=integer indices, ...))")


def _renorm_rows(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale (in place, no autograd) the looked-up rows whose norm exceeds ``max_norm``."""
    xp = backend.xp_of(weight._data)
    rows = xp.unique(input._data.reshape(-1))
    with grad_mode.no_grad():
        sel = weight._data[rows]
        if norm_type == float("inf"):
            norms = xp.abs(sel).max(axis=1)
        else:
            norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight._data[rows] = sel * scale[:, None].astype(sel.dtype)
        weight._vc[0] += 1


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Row ``input[...]`` of ``weight`` for every index: output shape (*input.shape, dim).

    ``padding_idx``: that row gets no gradient (its lookups still return its value).
    ``max_norm``: rows looked up are first renormalised in place to norm <= max_norm.
    ``scale_grad_by_freq``: each row's gradient is divided by how often it occurs in ``input``.
    ``sparse`` is accepted; the gradient is always a dense tensor.
    """
    _check_indices(input, "embedding")
    if weight.dim() != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), "
                           f"got shape {list(weight.shape)}")
    n = weight.shape[0]
    if input.numel():
        lo, hi = int(input._data.min()), int(input._data.max())
        if lo < 0 or hi >= n:
            raise IndexError(f"embedding: index out of range in self (indices span [{lo}, "
                             f"{hi}] but the table has {n} rows)")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    out = weight[input]
    if scale_grad_by_freq and out.requires_grad:
        xp = backend.xp_of(input._data)
        _, inverse, counts = xp.unique(input._data.reshape(-1), return_inverse=True,
                                       return_counts=True)
        f = Tensor._wrap((1.0 / counts[inverse]).reshape(tuple(input.shape) + (1,))
                         .astype(out._data.dtype))
        out = out * f + (out * (1.0 - f)).detach()  # same value; gradient scaled by f
    if padding_idx is not None and out.requires_grad:
        keep = (input != padding_idx).unsqueeze(-1)
        out = where(keep, out, out.detach())  # same value; no gradient for the padding row
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices of shape (*) to int64 vectors of shape (*, num_classes): 1 at the index,
    0 elsewhere. ``num_classes=-1`` uses ``tensor.max() + 1``."""
    if not isinstance(tensor, Tensor) or tensor.dtype != dt.int64:
        got = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor, "
                           f"got {got}")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty "
                               "tensor.")
        num_classes = int(tensor.max()) + 1
    if tensor.numel():
        if int(tensor.min()) < 0:
            raise RuntimeError("one_hot: Class values must be non-negative.")
        if int(tensor.max()) >= num_classes:
            raise RuntimeError(f"one_hot: Class values must be smaller than num_classes "
                               f"({num_classes}), got {int(tensor.max())}.")
    classes = arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()
