"""Helpers for chapter 7's pages, kept out of the reader's way: library source, the small
models the pages train, timing, and plots."""
from __future__ import annotations

import pathlib
import sys
import time

import matplotlib.pyplot as plt

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _source import show_source  # noqa: E402,F401  (re-exported for the pages)

import edutorch as torch  # noqa: E402
import edutorch.nn.functional as F  # noqa: E402
from edutorch.utils.data import DataLoader  # noqa: E402


def train(model, data, epochs, lr=0.01, batch_size=64, seed=0):
    """Adam on cross-entropy, a seeded shuffle per epoch; returns the model in eval mode."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        loader = DataLoader(data, batch_size=batch_size, shuffle=True,
                            generator=torch.Generator().manual_seed(seed + epoch))
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
    return model.eval()


def accuracy(model, data) -> float:
    x, y = stacked(data)
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def stacked(data):
    """All of a data set as two tensors (inputs, labels)."""
    if hasattr(data, "tensors"):
        return data.tensors
    xs, ys = zip(*(data[i] for i in range(len(data))))
    return torch.stack(list(xs)), torch.tensor(list(ys))


def microseconds(fn, calls=200, repeat=5) -> float:
    """Best of ``repeat`` runs of ``calls`` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best * 1e6


def show_attributions(images, maps, titles, cmap="RdBu_r"):
    """A row per example: the image, then each attribution map (symmetric colour scale)."""
    rows, cols = len(images), 1 + len(maps)
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 1.9 * rows), squeeze=False)
    for r in range(rows):
        axes[r][0].imshow(images[r], cmap="gray_r")
        for c, m in enumerate(maps, 1):
            a = m[r]
            lim = max(abs(a.min()), abs(a.max())) or 1.0
            axes[r][c].imshow(a, cmap=cmap, vmin=-lim, vmax=lim)
        for c in range(cols):
            axes[r][c].set_xticks([])
            axes[r][c].set_yticks([])
            if r == 0:
                axes[r][c].set_title(titles[c], fontsize=9)
    fig.tight_layout()
    return fig
