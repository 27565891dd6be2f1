"""Timing helpers shared by the benchmarks: median of repeated runs, and a printed table.

Benchmarks run by hand (``python -m benchmarks.mlp``), never in the test run: these machines are
noisy, so the numbers that matter are ratios measured side by side in one process.
"""
from __future__ import annotations

import statistics
import time


def median_time(fn, *, warmup: int = 3, repeat: int = 20) -> float:
    """Median wall time of ``fn()`` in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def try_import_torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def print_table(title: str, rows: list[tuple[str, float]], reference: str) -> None:
    """Rows of (name, seconds); ratios are relative to the row named ``reference``."""
    ref = dict(rows).get(reference)
    print(f"\n{title}")
    print(f"{'implementation':<34}{'time / step':>14}  {'ratio to ' + reference}")
    for name, sec in rows:
        ratio = f"{sec / ref:.2f}x" if ref else "-"
        unit = f"{sec * 1e3:.3f} ms" if sec >= 1e-3 else f"{sec * 1e6:.1f} us"
        print(f"{name:<34}{unit:>14}  {ratio:>8}")
