"""Helpers for chapter 5's pages, kept out of the reader's way: ``show_source`` (from
``book/_source.py``, which renders the library's own code), confusion matrices, sequence logos,
edit distance."""
from __future__ import annotations

import pathlib
import sys

import matplotlib.pyplot as plt

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _source import show_source  # noqa: E402,F401  (re-exported for the pages)


def edit_distance(a, b) -> int:
    """Fewest insertions, deletions and substitutions turning sequence a into b (Levenshtein,
    one row of the dynamic programme kept)."""
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        diag, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            diag, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1]))
    return row[-1]


def confusion(true, pred, n):
    """n x n counts: row = true class, column = predicted class."""
    m = [[0] * n for _ in range(n)]
    for t, p in zip(true, pred):
        m[t][p] += 1
    return m


def plot_confusion(matrix, labels, title, ax=None):
    ax = ax or plt.subplots(figsize=(4.5, 4))[1]
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    top = max(max(r) for r in matrix)
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(j, i, v, ha="center", va="center", fontsize=8,
                        color="white" if v > top / 2 else "black")
    return ax


def sequence_logo(ax, pwm, title):
    """Draw a (4, k) probability matrix as a sequence logo: at each position, letters stacked
    with heights probability x information content (2 - entropy bits)."""
    import math

    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D
    colours = {"A": "tab:green", "C": "tab:blue", "G": "tab:orange", "T": "tab:red"}
    k = len(pwm[0])
    for pos in range(k):
        col = [pwm[b][pos] for b in range(4)]
        info = 2 + sum(p * math.log2(p) for p in col if p > 0)
        y = 0.0
        for b in sorted(range(4), key=lambda b: col[b]):
            h = col[b] * info
            if h <= 1e-3:
                continue
            letter = "ACGT"[b]
            path = TextPath((0, 0), letter, size=1, prop={"weight": "bold"})
            ext = path.get_extents()
            tr = Affine2D().translate(-ext.x0, -ext.y0).scale(0.9 / ext.width, h / ext.height) \
                .translate(pos + 0.05, y)
            ax.add_patch(PathPatch(tr.transform_path(path), color=colours[letter], lw=0))
            y += h
    ax.set_xlim(0, k)
    ax.set_ylim(0, 2)
    ax.set_xticks([i + 0.5 for i in range(k)], range(1, k + 1))
    ax.set_xlabel("motif position")
    ax.set_ylabel("bits")
    ax.set_title(title)
