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


def plot_timeline(events, title: str, label_share: float = 0.07):
    """A Chrome-trace-like picture of profiler events: one bar per event, nested events one
    row lower, forward ops, backward nodes and ``record_function`` ranges in three colours;
    bars longer than ``label_share`` of the whole are labelled."""
    def depth(e):
        d = 0
        while e.cpu_parent is not None:
            d, e = d + 1, e.cpu_parent
        return d
    start = min(e.start_us for e in events)
    label_min_us = label_share * (max(e.end_us for e in events) - start)
    colours = {"range": "0.75", "forward": "C0", "backward": "C3"}
    fig, ax = plt.subplots(figsize=(9, 3.2))
    for e in events:
        kind = "range" if e.is_user_annotation else "backward" if (
            e.name.endswith("Backward0") or e.name.startswith("autograd::")) else "forward"
        d = depth(e)
        ax.broken_barh([((e.start_us - start) / 1e3, e.cpu_time_total / 1e3)], (d - 0.4, 0.8),
                       facecolors=colours[kind], edgecolor="white", linewidth=0.5)
        if e.cpu_time_total >= label_min_us and not e.name.startswith("autograd::"):
            ax.text((e.start_us - start + e.cpu_time_total / 2) / 1e3, d,
                    e.name.replace("aten::", ""), ha="center", va="center", fontsize=7,
                    clip_on=True, zorder=5)
    for kind, colour in colours.items():
        ax.bar(0, 0, color=colour, label={"range": "record_function range",
                                          "forward": "forward op",
                                          "backward": "backward node"}[kind])
    ax.invert_yaxis()
    ax.set_xlabel("time since the step started (ms)")
    ax.set_ylabel("nesting depth")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    return fig
