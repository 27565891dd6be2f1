"""Helpers for chapter 8's pages: ``show_source`` (from ``book/_source.py``) and
``run_ranks``, which starts a script on several MPI ranks and returns what they printed."""
from __future__ import annotations

import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _source import show_source  # noqa: E402,F401  (re-exported for the pages)


def run_ranks(nproc: int, script: str, *args: str) -> str:
    """``python -m edutorch.distributed.run --nproc-per-node nproc script args``; the ranks'
    output, sorted by line so that it reads the same every run."""
    cmd = [sys.executable, "-m", "edutorch.distributed.run", "--nproc-per-node", str(nproc),
           script, *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[1:])} failed ({res.returncode}):\n{res.stderr}")
    return "\n".join(sorted(res.stdout.strip().splitlines()))
