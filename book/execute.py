"""Re-execute notebooks in place, storing the outputs of a fresh run (what nbval checks).

    python book/execute.py book/ch04_best_practice/03_checkpoints_and_reproducibility.ipynb

Each notebook runs in its own folder, on the current environment's python3 kernel, and the
volatile metadata (execution times) is dropped so that re-running changes only real outputs.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        execute(Path(arg))
        print(f"executed {arg}")
