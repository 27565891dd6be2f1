"""stft / istft against PyTorch, and edutorch.audio against torchaudio's definitions.

stft (real input; edutorch's ``return_complex=False`` layout against
``torch.view_as_real(torch.stft(..., return_complex=True))``): values and gradients in float64,
rtol 1e-9 / atol 1e-12, for centred and uncentred frames, every pad mode, a window shorter than
n_fft, ``normalized`` and two-sided output; istft inverts it and equals ``torch.istft``.

torchaudio cannot be installed beside torch 2.13 here, so its filterbank numbers are stored
below. They were produced by torchaudio 2.8.0's own ``melscale_fbanks`` (its source taken from
the wheel and run on torch 2.13, default dtype float64), with:

    pip download --no-deps -d /tmp/ta torchaudio==2.8.0 && cd /tmp/ta &&
    unzip -o torchaudio-2.8.0-*.whl torchaudio/functional/functional.py && python gen.py

where gen.py is:

    # Runs torchaudio 2.8.0's own melscale_fbanks (its source, taken from the wheel) on torch.
    import ast, math, warnings, torch
    from typing import Optional
    from torch import Tensor
    src = open("torchaudio/functional/functional.py").read()
    wanted = {"_hz_to_mel", "_mel_to_hz", "_create_triangular_filterbank", "melscale_fbanks"}
    mod = ast.Module([n for n in ast.parse(src).body
                      if isinstance(n, ast.FunctionDef) and n.name in wanted], [])
    ns = {"math": math, "warnings": warnings, "torch": torch, "Tensor": Tensor,
          "Optional": Optional}
    exec(compile(mod, "torchaudio/functional/functional.py", "exec"), ns)
    torch.set_default_dtype(torch.float64)
    for args in [(9, 0.0, 4000.0, 4, 8000, None, "htk"), (9, 0.0, 4000.0, 4, 8000, "slaney", "slaney"),
                 (9, 100.0, 3000.0, 3, 8000, "slaney", "htk"), (9, 300.0, 4000.0, 4, 8000, None, "slaney")]:
        print(args, ns["melscale_fbanks"](*args).tolist())
    args = (201, 20.0, 7600.0, 40, 16000, "slaney", "slaney")
    print(args, ns["melscale_fbanks"](*args).sum(0).tolist())

The spectrogram and decibel transforms are torchaudio's formulas on torch.stft, compared live
with torch.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import edutorch
from edutorch import audio
from edutorch.audio import functional as AF

RNG = np.random.default_rng(3)

TORCHAUDIO_FBANKS = [
    ((9, 0.0, 4000.0, 4, 8000, None, 'htk'),
     [[-0.0, 0.0, 0.0, 0.0], [0.6303523003227919, 0.36964769967720806, 0.0, 0.0], [0.0, 0.711260371365959, 0.28873962863404107, 0.0], [0.0, 0.0, 0.9944054955979644, 0.005594504402035617], [0.0, 0.0, 0.5028195190660727, 0.49718048093392725], [0.0, 0.0, 0.01123354253418108, 0.9887664574658189], [0.0, 0.0, 0.0, 0.6717837856038901], [0.0, 0.0, 0.0, 0.33589189280194487], [0.0, 0.0, 0.0, 0.0]]),
    ((9, 0.0, 4000.0, 4, 8000, 'slaney', 'slaney'),
     [[-0.0, 0.0, 0.0, 0.0], [0.0019911717592647543, 0.00012631023883561548, 0.0, 0.0], [0.0, 0.00169804266550993, 0.00013976658365422588, 0.0], [0.0, 6.795750988796456e-05, 0.0012614937163249987, 0.0], [0.0, 0.0, 0.0006453405720724904, 0.00040878252011385775], [0.0, 0.0, 0.0, 0.0007890777447591204], [0.0, 0.0, 0.0, 0.0005260518298394136], [0.0, 0.0, 0.0, 0.0002630259149197068], [0.0, 0.0, 0.0, 0.0]]),
    ((9, 100.0, 3000.0, 3, 8000, 'slaney', 'htk'),
     [[0.0, 0.0, 0.0], [0.002066368100083286, 7.258616717050105e-05, 0.0], [8.125105279006008e-05, 0.0014262417683536938, 0.0], [0.0, 0.0005963673313210355, 0.0006036741427609786], [0.0, 0.0, 0.0008584289934240976], [0.0, 0.0, 0.0004292144967120488], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    ((9, 300.0, 4000.0, 4, 8000, None, 'slaney'),
     [[0.0, 0.0, 0.0, 0.0], [0.48917679521679136, 0.0, 0.0, 0.0], [0.307125022744975, 0.692874977255025, 0.0, 0.0], [0.0, 0.3735528614248125, 0.6264471385751875, 0.0], [0.0, 0.0, 0.6911408958043113, 0.3088591041956888], [0.0, 0.0, 0.13724167958975067, 0.8627583204102494], [0.0, 0.0, 0.0, 0.726684440165638], [0.0, 0.0, 0.0, 0.363342220082819], [0.0, 0.0, 0.0, 0.0]]),
]

# column sums of melscale_fbanks(201, 20.0, 7600.0, 40, 16000, 'slaney', 'slaney')
TORCHAUDIO_SLANEY_201x40_COLUMN_SUMS = [0.02468002388215651, 0.02553039301614037, 0.025403803595874023, 0.02468002388215651, 0.024680023882156513, 0.02468002388215651, 0.02565698243640671, 0.025277214175607687, 0.024680023882156496, 0.024680023882156506, 0.024680023882156513, 0.025783571856673057, 0.025105034193663292, 0.024689144052599706, 0.024810560051185163, 0.024920002804972377, 0.025587326356012897, 0.02449951212813819, 0.024985800108823876, 0.025235209707958263, 0.025061213419126704, 0.024657918180787226, 0.025239304172476103, 0.024916985939866652, 0.02517521640267471, 0.02485375082122355, 0.02503426440373309, 0.024908015746702983, 0.025073094292780266, 0.025052948809578875, 0.02494970966719467, 0.024944999662988052, 0.025064650684533153, 0.025000745791023127, 0.024983080708503237, 0.025010579682250678, 0.024984600838061595, 0.025012208578651336, 0.025004650412209645, 0.02497525545361177]


@pytest.mark.parametrize("args, expected", TORCHAUDIO_FBANKS,
                         ids=[f"{a[5]}-{a[6]}" for a, _ in TORCHAUDIO_FBANKS])
def test_melscale_fbanks_equal_torchaudio(args, expected):
    fb = audio.melscale_fbanks(*args, dtype=edutorch.float64)
    np.testing.assert_allclose(fb.numpy(), np.array(expected), rtol=1e-12, atol=1e-15)


def test_large_slaney_filterbank_equals_torchaudio():
    fb = audio.melscale_fbanks(201, 20.0, 7600.0, 40, 16000, "slaney", "slaney",
                               dtype=edutorch.float64)
    assert fb.shape == (201, 40)
    np.testing.assert_allclose(fb.sum(0).numpy(), TORCHAUDIO_SLANEY_201x40_COLUMN_SUMS,
                               rtol=1e-12)


@pytest.mark.parametrize("scale", ["htk", "slaney"])
def test_mel_scale_round_trips(scale):
    freqs = [0.0, 200.0, 999.0, 1000.0, 1001.0, 4000.0, 8000.0]
    mels = edutorch.tensor([AF.hz_to_mel(f, scale) for f in freqs], dtype=edutorch.float64)
    np.testing.assert_allclose(AF.mel_to_hz(mels, scale).numpy(), freqs, rtol=1e-12, atol=1e-9)
    assert AF.hz_to_mel(1000.0, "slaney") == pytest.approx(15.0)
    assert AF.hz_to_mel(700.0, "htk") == pytest.approx(2595 * math.log10(2))


def test_too_many_mels_warn_and_bad_names_raise():
    with pytest.warns(UserWarning, match="all zero values"):
        audio.melscale_fbanks(5, 0.0, 4000.0, 40, 8000)
    with pytest.raises(ValueError, match="mel_scale should be one of"):
        audio.melscale_fbanks(9, 0.0, 4000.0, 4, 8000, mel_scale="bark")
    with pytest.raises(ValueError, match="norm must be one of"):
        audio.melscale_fbanks(9, 0.0, 4000.0, 4, 8000, norm="area")


STFT_CASES = {
    "default": dict(n_fft=16),
    "hop-short-window-normalized": dict(n_fft=16, hop_length=5, win_length=10, normalized=True),
    "odd-uncentred": dict(n_fft=15, center=False),
    "constant-two-sided": dict(n_fft=16, pad_mode="constant", onesided=False),
    "replicate": dict(n_fft=16, pad_mode="replicate"),
    "circular": dict(n_fft=12, hop_length=3, pad_mode="circular"),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", STFT_CASES)
@pytest.mark.parametrize("batched", [False, True])
def test_stft_matches_torch(case, batched):
    torch = pytest.importorskip("torch")
    kw = STFT_CASES[case]
    wl = kw.get("win_length", kw["n_fft"])
    x = RNG.standard_normal((2, 100) if batched else (100,))
    xe, xt = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e = edutorch.stft(xe, window=edutorch.hann_window(wl, dtype=edutorch.float64),
                      return_complex=False, **kw)
    t = torch.view_as_real(torch.stft(xt, window=torch.hann_window(wl, dtype=torch.float64),
                                      return_complex=True, **kw))
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-12)
    go = RNG.standard_normal(tuple(t.shape))
    e.backward(edutorch.tensor(go))
    t.backward(torch.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("case", ["default", "hop-short-window-normalized", "replicate"])
def test_istft_inverts_and_matches_torch(case):
    torch = pytest.importorskip("torch")
    kw = {k: v for k, v in STFT_CASES[case].items() if k != "pad_mode"}
    wl = kw.get("win_length", kw["n_fft"])
    x = RNG.standard_normal((2, 100))
    spec = edutorch.stft(edutorch.tensor(x), window=edutorch.hann_window(wl, dtype=edutorch.float64),
                         return_complex=False, **kw)
    spec_e = edutorch.tensor(spec.numpy(), requires_grad=True)
    spec_t = torch.tensor(spec.numpy(), requires_grad=True)
    ye = edutorch.istft(spec_e, window=edutorch.hann_window(wl, dtype=edutorch.float64),
                        length=100, **kw)
    yt = torch.istft(torch.view_as_complex(spec_t),
                     window=torch.hann_window(wl, dtype=torch.float64), length=100, **kw)
    np.testing.assert_allclose(ye.detach().numpy(), x, atol=1e-12)     # perfect reconstruction
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    go = RNG.standard_normal((2, 100))
    ye.backward(edutorch.tensor(go))
    yt.backward(torch.tensor(go))
    np.testing.assert_allclose(spec_e.grad.numpy(), spec_t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_stft_explains_complex_and_shapes():
    x = edutorch.randn(64)
    with pytest.raises(RuntimeError, match="requires the return_complex parameter"):
        edutorch.stft(x, 16)
    with pytest.raises(RuntimeError, match="no complex dtype; pass return_complex=False"):
        edutorch.stft(x, 16, return_complex=True)
    with pytest.raises(RuntimeError, match="win_length=8, but got window with size"):
        edutorch.stft(x, 16, win_length=8, window=edutorch.hann_window(16),
                      return_complex=False)
    with pytest.raises(RuntimeError, match="NOLA"):
        spec = edutorch.stft(x, 16, center=False, window=edutorch.hann_window(16),
                             return_complex=False)
        edutorch.istft(spec, 16, center=False, window=edutorch.hann_window(16))


@pytest.mark.torch
def test_hann_and_hamming_windows_match_torch():
    torch = pytest.importorskip("torch")
    for n in (0, 1, 7, 16):
        for periodic in (True, False):
            for ours, theirs in ((edutorch.hann_window, torch.hann_window),
                                 (edutorch.hamming_window, torch.hamming_window)):
                np.testing.assert_allclose(
                    ours(n, periodic, dtype=edutorch.float64).numpy(),
                    theirs(n, periodic, dtype=torch.float64).numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize("power, normalized", [(2.0, False), (1.0, True), (2.0, "frame_length")])
def test_mel_spectrogram_and_db_follow_torchaudio_formulas(power, normalized):
    """torchaudio's MelSpectrogram is |torch.stft|^power (optionally divided by the window's
    norm) times melscale_fbanks; AmplitudeToDB is 10 log10(max(x, 1e-10)) floored at
    max - top_db."""
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 800))
    mel = audio.MelSpectrogram(8000, n_fft=64, n_mels=10, power=power, normalized=normalized,
                               pad=3).double()
    xe = edutorch.tensor(x, requires_grad=True)
    ye = mel(xe)
    xt = torch.tensor(x, requires_grad=True)
    # the same buffers (window, filterbank; each tested against its reference above)
    w = torch.tensor(mel.spectrogram.window.numpy())
    spec = torch.stft(torch.nn.functional.pad(xt, (3, 3)), 64, hop_length=32, window=w,
                      normalized=normalized == "frame_length", return_complex=True)
    if normalized is True:
        spec = spec / w.pow(2).sum().sqrt()
    spec = spec.abs().pow(power)
    fb = torch.tensor(mel.mel_scale.fb.numpy())
    yt = (spec.transpose(-1, -2) @ fb).transpose(-1, -2)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
    go = RNG.standard_normal(tuple(yt.shape))
    ye.backward(edutorch.tensor(go))
    yt.backward(torch.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-10)

    db = audio.AmplitudeToDB(top_db=30.0)(ye.detach()).numpy()
    ref = 10 * np.log10(np.maximum(yt.detach().numpy(), 1e-10))
    ref = np.maximum(ref, ref.max() - 30.0)  # (2, mels, frames): one spectrogram, 2 channels
    np.testing.assert_allclose(db, ref, rtol=1e-9, atol=1e-9)
