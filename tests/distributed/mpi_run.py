"""Helpers for tests that start ranks with ``mpiexec`` (skipped where mpi4py is missing)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def mpiexec() -> str:
    pytest.importorskip("mpi4py")
    path = shutil.which("mpiexec") or os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(path):
        pytest.skip("mpiexec not found (pip install 'edutorch[mpi]')")
    return path


def run_ranks(n: int, script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``mpiexec -n n python script args``; the hang guard ``timeout`` fails the test."""
    cmd = [mpiexec(), "-n", str(n), sys.executable, os.path.join(HERE, script), *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{' '.join(cmd)} hung for {timeout} s:\n{e.stdout}\n{e.stderr}") from e
