"""Dropout: during training, zero each element with probability ``p`` and scale the rest by
1 / (1 - p), so the expected value is unchanged and evaluation needs no rescaling."""
from __future__ import annotations

from ...tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(input: Tensor, mask_shape: tuple, p: float, inplace: bool) -> Tensor:
    if p == 1.0:
        keep = input.new_zeros(mask_shape)
    else:
        # 1 with probability 1 - p, then scaled so that E[mask] = 1
        keep = input.new_empty(mask_shape).bernoulli_(1.0 - p).div_(1.0 - p)
    if inplace:
        return input.mul_(keep)
    return input * keep


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element independently with probability ``p`` (only when ``training``)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, tuple(input.shape), p, inplace)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, spatial: int,
                     name: str) -> Tensor:
    """Zero whole channels: the mask has shape (N, C, 1, ...) (or (C, 1, ...) unbatched)."""
    _check_p(p)
    if input.dim() not in (spatial + 1, spatial + 2) and spatial > 1:
        # PyTorch still accepts other ranks here (deprecated), warns, and drops elements
        import warnings
        warnings.warn(f"{name}: Received a {input.dim()}-D input to {name}, which is deprecated "
                      f"and will result in an error in a future release. To retain the behavior "
                      f"and silence this warning, please use dropout instead.", stacklevel=3)
        if not training or p == 0.0:
            return input
        return _apply_mask(input, tuple(input.shape), p, inplace)
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but "
                           f"received a {input.dim()}D input of shape {list(input.shape)}")
    if not training or p == 0.0:
        return input
    lead = input.dim() - spatial
    mask_shape = tuple(input.shape[:lead]) + (1,) * spatial
    return _apply_mask(input, mask_shape, p, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input."""
    return _feature_dropout(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) input."""
    return _feature_dropout(input, p, training, inplace, 2, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    return _feature_dropout(input, p, training, inplace, 3, "dropout3d")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped values are set to SELU's negative saturation and the
    result is shifted and scaled so that mean and variance are kept."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    alpha_p = -1.7580993408473766  # -scale * alpha of SELU
    keep = input.new_empty(tuple(input.shape)).bernoulli_(1.0 - p)
    a = ((1.0 - p) * (1.0 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    out = (input * keep + (1.0 - keep) * alpha_p) * a + b
    return input.copy_(out) if inplace else out
