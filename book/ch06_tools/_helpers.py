"""Helpers for chapter 6's pages: ``show_source`` (from ``book/_source.py``), which renders the
library's own code, a LeNet and its data for the profiling page, and small plotting helpers."""
from __future__ import annotations

import pathlib
import sys

import matplotlib.pyplot as plt

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _source import show_source  # noqa: E402,F401  (re-exported for the pages)


def lenet(nn):
    """LeNet-5 for 1x28x28 images, from a library's ``nn`` (edutorch's or PyTorch's)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def plot_lines(ax, series: dict, xlabel: str, ylabel: str, title: str, logy: bool = False):
    """One line per ``name -> (xs, ys)``, each with its own marker so they can be told apart."""
    markers = "osd^v<>"
    for k, (name, (xs, ys)) in enumerate(series.items()):
        ax.plot(xs, ys, marker=markers[k % len(markers)], markevery=max(1, len(xs) // 12),
                label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def bar_chart(labels, values, xlabel: str, title: str):
    """A horizontal bar chart (largest at the top)."""
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(labels) + 1))
    ax.barh(list(labels)[::-1], list(values)[::-1])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig
