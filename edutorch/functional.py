"""The short-time Fourier transform (``stft``, ``istft``) and the windows it uses
(``hann_window``, ``hamming_window``), as in ``torch.functional`` / ``torch``.

A sound is a long 1-D signal; its spectrum changes over time. The STFT cuts it into
overlapping frames of ``n_fft`` samples, ``hop_length`` apart, multiplies each by a window
w (which tapers the frame's edges to 0, so the cut does not add false high frequencies) and
takes each frame's discrete Fourier transform:

    X[k, m] = sum_{n=0}^{n_fft-1} w[n] x[m * hop + n] exp(-2 pi i k n / n_fft)

for frequency bin k (k * sample_rate / n_fft Hz) and frame m. Each DFT is written here as two
matrix products, with the cosine and the sine matrices, so its gradient comes from matmul's.

edutorch has no complex dtype: where PyTorch returns a complex tensor (``return_complex=True``)
edutorch raises, and ``return_complex=False`` gives PyTorch's real layout, the real and
imaginary parts in a last dimension of size 2. ``istft`` takes that layout as its input (PyTorch
takes ``torch.view_as_complex`` of it).
"""
from __future__ import annotations

import math

from ._ops import creation, indexing, pointwise, shape
from .tensor import Tensor

__all__ = ["stft", "istft", "hann_window", "hamming_window"]


def _cosine_window(name, a0, window_length, periodic, dtype, device, requires_grad) -> Tensor:
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    if window_length <= 1:
        return creation.ones(window_length, dtype=dtype, device=device,
                             requires_grad=requires_grad)
    n = creation.arange(window_length, dtype=dtype, device=device)
    period = window_length if periodic else window_length - 1
    w = a0 - (1 - a0) * pointwise.cos(n * (2 * math.pi / period))
    return w.requires_grad_(requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """0.5 - 0.5 cos(2 pi n / N), n = 0..window_length-1, with N = window_length (periodic, for
    spectral analysis) or window_length - 1 (symmetric)."""
    return _cosine_window("hann_window", 0.5, window_length, periodic, dtype, device,
                          requires_grad)


def hamming_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                   requires_grad: bool = False) -> Tensor:
    """0.54 - 0.46 cos(2 pi n / N); N as in ``hann_window``."""
    return _cosine_window("hamming_window", 0.54, window_length, periodic, dtype, device,
                          requires_grad)


def _pad_indices(length: int, p: int, mode: str) -> list[int] | None:
    """Where each sample of the padded signal comes from (None for 'constant': zeros)."""
    if mode == "constant":
        return None
    idx = range(-p, length + p)
    if mode == "reflect":
        if p >= length:
            raise RuntimeError(f"stft: reflect padding of {p} needs a signal longer than {p} "
                               f"samples, got {length}")
        return [_reflect(i, length) for i in idx]
    if mode == "replicate":
        return [min(max(i, 0), length - 1) for i in idx]
    if mode == "circular":
        return [i % length for i in idx]
    raise RuntimeError(f"stft: pad_mode must be 'constant', 'reflect', 'replicate' or "
                       f"'circular', got {mode!r}")


def _reflect(i: int, length: int) -> int:
    while i < 0 or i >= length:  # mirror about the first and last samples, not repeating them
        i = -i if i < 0 else 2 * (length - 1) - i
    return i


def _centered_window(window, win_length: int, n_fft: int, x: Tensor) -> Tensor:
    """The window, zero-padded on both sides to n_fft (rectangular when None)."""
    if window is None:
        window = creation.ones(win_length, dtype=x.dtype, device=x.device)
    elif window.dim() != 1 or window.shape[0] != win_length:
        raise RuntimeError(f"stft: expected a 1D window tensor of size equal to "
                           f"win_length={win_length}, but got window with size "
                           f"{list(window.shape)}")
    if win_length == n_fft:
        return window
    left = (n_fft - win_length) // 2
    zeros = creation.zeros(n_fft, dtype=window.dtype, device=window.device)
    return shape.cat([zeros[:left], window, zeros[left + win_length:]])


def _dft_matrices(n_fft: int, n_freq: int, like: Tensor) -> tuple[Tensor, Tensor]:
    """cos(2 pi k n / n_fft) and sin(...), each (n_fft, n_freq): rows n, columns k. The angle
    is reduced mod n_fft in integers first, so large k n loses no precision."""
    n = creation.arange(n_fft, device=like.device).reshape(-1, 1)
    k = creation.arange(n_freq, device=like.device).reshape(1, -1)
    angle = ((n * k) % n_fft).to(like.dtype) * (2 * math.pi / n_fft)
    return pointwise.cos(angle), pointwise.sin(angle)


def _check_sizes(op, n_fft, hop_length, win_length):
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    if n_fft <= 0 or hop_length <= 0 or not 0 < win_length <= n_fft:
        raise RuntimeError(f"{op}: expected 0 < n_fft, 0 < hop_length and 0 < win_length <= "
                           f"n_fft, got n_fft={n_fft}, hop_length={hop_length}, "
                           f"win_length={win_length}")
    return hop_length, win_length


def stft(input: Tensor, n_fft: int, hop_length: int | None = None,
         win_length: int | None = None, window: Tensor | None = None, center: bool = True,
         pad_mode: str = "reflect", normalized: bool = False, onesided: bool | None = None,
         return_complex: bool | None = None) -> Tensor:
    """Short-time Fourier transform of a real signal (L,) or batch (B, L).

    Returns (B?, n_freq, n_frames, 2) (real, imaginary) with n_freq = n_fft // 2 + 1 when
    ``onesided`` (the default; the other bins mirror these for a real signal) else n_fft, and
    n_frames = 1 + (L' - n_fft) // hop_length, where L' = L + 2 (n_fft // 2) with ``center``
    (the signal padded by ``pad_mode`` so that frame m is centred on sample m * hop_length).
    ``hop_length`` defaults to n_fft // 4, ``win_length`` to n_fft; a shorter window is
    zero-padded on both sides to n_fft. ``normalized`` multiplies by 1 / sqrt(n_fft).
    """
    if return_complex is None:
        raise RuntimeError("stft requires the return_complex parameter be given for real "
                           "inputs, and edutorch supports only return_complex=False")
    if return_complex:
        raise RuntimeError("stft: edutorch has no complex dtype; pass return_complex=False to "
                           "get the real and imaginary parts in a last dimension of size 2")
    if not isinstance(input, Tensor) or input.dim() not in (1, 2) or \
            not input.is_floating_point():
        what = (f"{input.dim()}-D {input.dtype}" if isinstance(input, Tensor)
                else type(input).__name__)
        raise RuntimeError(f"stft: expected a 1D or 2D floating-point tensor, got {what}")
    hop_length, win_length = _check_sizes("stft", n_fft, hop_length, win_length)
    x = input if input.dim() == 2 else input.unsqueeze(0)
    if center:
        p, L = n_fft // 2, x.shape[-1]
        idx = _pad_indices(L, p, pad_mode)
        if idx is None:
            z = creation.zeros(x.shape[0], p, dtype=x.dtype, device=x.device)
            x = shape.cat([z, x, z], dim=1)
        else:
            x = x[:, creation.tensor(idx, device=x.device)]
    L = x.shape[-1]
    if not 0 < n_fft <= L:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {L} (the padded signal's length), "
                           f"got n_fft={n_fft}")
    n_frames = 1 + (L - n_fft) // hop_length
    starts = creation.arange(n_frames, device=x.device).reshape(-1, 1) * hop_length
    frames = x[:, starts + creation.arange(n_fft, device=x.device)]  # (B, n_frames, n_fft)
    frames = frames * _centered_window(window, win_length, n_fft, x)
    n_freq = n_fft // 2 + 1 if onesided is None or onesided else n_fft
    cos, sin = _dft_matrices(n_fft, n_freq, x)
    real, imag = frames @ cos, -(frames @ sin)                      # (B, n_frames, n_freq)
    out = shape.stack([real, imag], dim=-1).transpose(1, 2)         # (B, n_freq, n_frames, 2)
    if normalized:
        out = out * (1.0 / math.sqrt(n_fft))
    return out if input.dim() == 2 else out[0]


def istft(input: Tensor, n_fft: int, hop_length: int | None = None,
          win_length: int | None = None, window: Tensor | None = None, center: bool = True,
          normalized: bool = False, onesided: bool | None = None, length: int | None = None,
          return_complex: bool = False) -> Tensor:
    """The inverse of ``stft``: (B?, n_freq, n_frames, 2) -> (B?, L) signal.

    Each frame is inverse-transformed, multiplied by the window again and overlap-added; the
    sum is divided by the overlap-added squared window, which must not vanish anywhere
    (the "NOLA" condition; a Hann window with hop_length <= n_fft / 2 satisfies it). With
    ``center`` the n_fft // 2 padded samples at each end are cut off; ``length`` trims or
    zero-pads the result to that many samples.
    """
    if return_complex:
        raise RuntimeError("istft: edutorch has no complex dtype; return_complex must be "
                           "False")
    if not isinstance(input, Tensor) or input.dim() not in (3, 4) or input.shape[-1] != 2:
        got = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"istft: expected the real layout of a complex spectrogram, "
                           f"(n_freq, n_frames, 2) or (B, n_freq, n_frames, 2), got {got}")
    hop_length, win_length = _check_sizes("istft", n_fft, hop_length, win_length)
    spec = input if input.dim() == 4 else input.unsqueeze(0)
    onesided = True if onesided is None else onesided
    n_freq = spec.shape[1]
    if n_freq != (n_fft // 2 + 1 if onesided else n_fft):
        raise RuntimeError(f"istft: expected {n_fft // 2 + 1 if onesided else n_fft} frequency "
                           f"bins for n_fft={n_fft} (onesided={onesided}), got {n_freq}")
    if normalized:
        spec = spec * math.sqrt(n_fft)
    real, imag = spec[..., 0].transpose(1, 2), spec[..., 1].transpose(1, 2)  # (B, M, n_freq)
    cos, sin = _dft_matrices(n_fft, n_freq, real)
    if onesided:
        # bins 1 .. n_fft/2 - 1 stand for themselves and their mirror images; the imaginary
        # parts of bin 0 (and of bin n_fft/2 when n_fft is even) are ignored, as irfft does
        weight = [1.0] + [2.0] * (n_freq - 1)
        if n_fft % 2 == 0:
            weight[-1] = 1.0
        w = creation.tensor(weight, dtype=real.dtype, device=real.device)
        real, imag = real * w, imag * w  # (sin is 0 at bins 0 and n_fft/2: imag ignored)
    frames = (real @ cos.T - imag @ sin.T) * (1.0 / n_fft)        # (B, M, n_fft)
    win = _centered_window(window, win_length, n_fft, real)
    frames = frames * win
    B, M = frames.shape[0], frames.shape[1]
    total = n_fft + hop_length * (M - 1)
    pos = (creation.arange(M, device=real.device).reshape(-1, 1) * hop_length
           + creation.arange(n_fft, device=real.device)).reshape(-1)
    signal = indexing.index_add(creation.zeros(B, total, dtype=real.dtype, device=real.device),
                                1, pos, frames.reshape(B, -1))
    envelope = indexing.index_add(creation.zeros(total, dtype=real.dtype, device=real.device),
                                  0, pos, (win * win).repeat(M))
    start = n_fft // 2 if center else 0
    end = total - n_fft // 2 if center else total
    if length is not None:
        end = start + length
    envelope = envelope[start:min(end, total)]
    if bool((envelope.abs() < 1e-11).any()):
        raise RuntimeError("istft: window overlap add min: 1e-11 or less; the window and "
                           "hop_length do not satisfy the NOLA condition")
    out = signal[:, start:min(end, total)] / envelope
    if end > total:  # asked for more samples than the frames cover
        out = shape.cat([out, creation.zeros(B, end - total, dtype=out.dtype,
                                             device=out.device)], dim=1)
    return out if input.dim() == 4 else out[0]
