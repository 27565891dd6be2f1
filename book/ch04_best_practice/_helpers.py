"""Helpers for chapter 4's pages: ``show_source`` (from ``book/_source.py``), which renders
the library's own code."""
from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _progress import progress  # noqa: E402,F401  (tqdm that leaves one line in the page)
from _source import show_source  # noqa: E402,F401  (re-exported for the pages)
