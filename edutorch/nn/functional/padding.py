"""``pad``: add values around a tensor, PyTorch's way (the pad list names the LAST dim first).

``pad(x, (1, 2))`` adds 1 column on the left and 2 on the right of the last dimension;
``pad(x, (1, 1, 2, 0))`` then also adds 2 rows on top of the second-to-last dimension.
Negative amounts crop (constant mode). Built from ``narrow``, ``flip`` and ``cat``, so it is
differentiable: the gradient of the padding is dropped, that of the kept region passes.
"""
from __future__ import annotations

from ..._ops.shape import cat
from ...tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_dim(x: Tensor, dim: int, left: int, right: int, mode: str, value: float) -> Tensor:
    size = x.shape[dim]
    if mode == "constant":
        if left < 0 or right < 0:  # negative padding crops
            start, stop = max(-left, 0), size - max(-right, 0)
            if stop < start:
                raise RuntimeError(f"pad: the input size {size} in dim {dim} is smaller than "
                                   f"the cropping ({left}, {right}) asks for")
            x = x.narrow(dim, start, stop - start)
            left, right = max(left, 0), max(right, 0)
        parts = []
        for n in (left, right):
            shape = list(x.shape)
            shape[dim] = n
            parts.append(x.new_full(tuple(shape), value) if n else None)
        pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
        return cat(pieces, dim) if len(pieces) > 1 else x
    if left < 0 or right < 0:
        raise RuntimeError(f"pad: negative padding is only supported in constant mode, got "
                           f"({left}, {right}) with mode '{mode}'")
    if mode == "reflect":
        if left >= size or right >= size:
            raise RuntimeError(f"pad: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({left}, {right}) at dimension "
                               f"{dim} of input {list(x.shape)}")
        before = x.narrow(dim, 1, left).flip([dim]) if left else None
        after = x.narrow(dim, size - 1 - right, right).flip([dim]) if right else None
    elif mode == "replicate":
        if size == 0:
            raise RuntimeError(f"pad: cannot replicate-pad an empty dimension {dim}")

        def edge(start, n):
            shape = list(x.shape)
            shape[dim] = n
            return x.narrow(dim, start, 1).expand(tuple(shape))
        before = edge(0, left) if left else None
        after = edge(size - 1, right) if right else None
    else:  # circular: wrap around
        if left > size or right > size:
            raise RuntimeError(f"pad: Padding value causes wrapping around more than once "
                               f"(padding ({left}, {right}) at dimension {dim} of size {size})")
        before = x.narrow(dim, size - left, left) if left else None
        after = x.narrow(dim, 0, right) if right else None
    pieces = [p for p in (before, x, after) if p is not None]
    return cat(pieces, dim) if len(pieces) > 1 else x


def pad(input: Tensor, pad: list[int] | tuple[int, ...], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad ``input``: ``pad = (left_last, right_last, left_2nd_last, right_2nd_last, ...)``.

    Modes: ``constant`` (fill with ``value``, default 0), ``reflect`` (mirror without repeating
    the edge), ``replicate`` (repeat the edge), ``circular`` (wrap around).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be Tensor, not {type(input).__name__}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"pad: Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {input.dim()}")
    if mode not in _MODES:
        raise NotImplementedError(f"pad: mode '{mode}' is not supported; use one of {_MODES}")
    if mode != "constant" and value not in (None, 0):
        raise RuntimeError(f"pad: Padding mode \"{mode}\" doesn't take in value argument")
    n = len(pad) // 2
    if mode != "constant" and (n not in (1, 2, 3) or input.dim() not in (n + 1, n + 2)):
        # as PyTorch: k-D padding of a (C, *k) or (N, C, *k) input
        raise NotImplementedError(f"pad: mode '{mode}' pads the last k = 1, 2 or 3 dims of a "
                                  f"(k+1)-D or (k+2)-D input (channels, optionally a batch, "
                                  f"first); got a {input.dim()}-D input and padding {pad}")
    out = input
    for k in range(len(pad) // 2):
        dim = input.dim() - 1 - k
        out = _pad_dim(out, dim, pad[2 * k], pad[2 * k + 1], mode,
                       0.0 if value is None else value)
    return out
