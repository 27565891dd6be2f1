"""``progress(iterable, desc=...)``: a tqdm progress bar that leaves one line in a built page.

In a live notebook tqdm redraws its bar in place. In an executed, stored notebook every
redraw is a separate output, and the built book shows them as several lines. This bar
prints only its final state: the line a terminal shows when the loop is done (count,
elapsed time, rate). For a live bar, use ``tqdm`` itself.
"""
from __future__ import annotations

import sys

from tqdm import tqdm


class _FinalLine:
    """A file for tqdm that writes, at each newline, only what followed the last ``\\r``."""

    def __init__(self, out):
        self.out, self.pending = out, ""

    def write(self, text: str) -> None:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self.out.write(line.rsplit("\r", 1)[-1] + "\n")

    def flush(self) -> None:
        self.out.flush()


def progress(iterable, desc: str | None = None, **kwargs):
    """tqdm over ``iterable`` whose output, in a stored notebook, is its final line."""
    return tqdm(iterable, desc=desc, file=_FinalLine(sys.stdout), ascii=False, **kwargs)
