"""Helpers for chapter 3's pages, kept out of the reader's way: painting a test image, and
``show_source`` (from ``book/_source.py``), which renders the library's own code."""
from __future__ import annotations

import pathlib
import sys

import edutorch as torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _source import show_source  # noqa: E402,F401  (re-exported for the pages)


def stroke(img, start, end, width=1.5):
    """A copy of the 2-D image ``img`` with the segment start -> end painted, soft-edged.

    ``start`` and ``end`` are (row, column) points. Each pixel is projected onto the segment
    (as a fraction of its length, kept in [0, 1]); its brightness falls off with its distance
    to that point.
    """
    H, W = img.shape
    rows = torch.arange(H).float().reshape(-1, 1)
    cols = torch.arange(W).float().reshape(1, -1)
    (r0, c0), (r1, c1) = start, end
    dr, dc = r1 - r0, c1 - c0
    t = (((rows - r0) * dr + (cols - c0) * dc) / (dr * dr + dc * dc)).clamp(0, 1)
    dist = ((rows - (r0 + t * dr)) ** 2 + (cols - (c0 + t * dc)) ** 2).sqrt()
    return torch.maximum(img, (width + 0.5 - dist).clamp(0, 1))
from _progress import progress  # noqa: E402,F401  (tqdm that leaves one line in the page)
