"""Timing helpers shared by the benchmarks: median of repeated runs, and a printed table.

Benchmarks run by hand (``python -m benchmarks.mlp``), never in the test run: these machines are
noisy, so the numbers that matter are ratios measured side by side in one process.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
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


def sgd_step(lib, model, x, y, lr: float, logits_shape=None):
    """One training step of ``model`` on ``(x, y)`` in ``lib`` (edutorch or torch): zero_grad,
    softmax cross-entropy, backward, plain SGD. Returns a function that runs it and returns the
    loss. ``logits_shape`` reshapes the model's output first (e.g. sequence x batch rows)."""
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    F = lib.nn.functional

    def step():
        opt.zero_grad()
        logits = model(x)
        if logits_shape is not None:
            logits = logits.reshape(logits_shape)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def try_import_torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def interleaved(steps: dict, reference: str, rounds: int = 9, repeat: int = 5):
    """Time every step function in turn, round after round, so that a slow spell of a noisy
    machine hits them all alike. Returns rows of (name, median step time over rounds) and,
    per name, the median over rounds of that round's ratio to ``reference``."""
    for f in steps.values():
        for _ in range(3):
            f()
    times = {k: [] for k in steps}
    for _ in range(rounds):
        for k, f in steps.items():
            times[k].append(median_time(f, warmup=1, repeat=repeat))
    ratios = {k: statistics.median(a / b for a, b in zip(v, times[reference]))
              for k, v in times.items()}
    return [(k, statistics.median(v)) for k, v in times.items()], ratios


def print_table(title: str, rows: list[tuple[str, float]], reference: str,
                ratios: dict | None = None) -> None:
    """Rows of (name, seconds); ratios are relative to the row named ``reference`` (or given:
    the same-round ratios of ``interleaved``)."""
    ref = dict(rows).get(reference)
    print(f"\n{title}")
    print(f"{'implementation':<34}{'time / step':>14}  {'ratio to ' + reference}")
    for name, sec in rows:
        if ratios is not None:
            ratio = f"{ratios[name]:.2f}x"
        else:
            ratio = f"{sec / ref:.2f}x" if ref else "-"
        unit = f"{sec * 1e3:.3f} ms" if sec >= 1e-3 else f"{sec * 1e6:.1f} us"
        print(f"{name:<34}{unit:>14}  {ratio:>8}")


# ---------------------------------------------------------------------------------------------
# Fresh-process measurements (cnn, lstm, and the memory table of mlp)
#
# Every measurement runs in a fresh process, so that one library's worker threads (PyTorch's
# OpenMP pool spins after each parallel region, so does OpenBLAS's) never compete with the
# other's, and so that the peak resident set size (``ru_maxrss``) belongs to one library alone.
# The parent process imports neither library (Linux keeps ru_maxrss across fork/exec). Each
# library runs as it comes and again on one thread (``OPENBLAS_NUM_THREADS=1``;
# ``torch.set_num_threads(1)``).
# ---------------------------------------------------------------------------------------------

STEPS = 20
ROUNDS = 3
# edutorch1 / torch1: one thread (NumPy's BLAS, PyTorch's intra-op pool)
KINDS = ("edutorch", "edutorch1", "torch", "torch1")
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    import resource
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def child(kind: str, step_factory) -> None:
    """In a fresh process: build the step for ``kind``, time it, print a JSON line."""
    if kind.startswith("edutorch"):
        import edutorch as lib
        threads = None
    else:
        import torch as lib
        if kind == "torch1":
            lib.set_num_threads(1)
        threads = lib.get_num_threads()
    step = step_factory(lib)
    setup = rss_mib()  # libraries imported, model and data built, no step run yet
    losses = [step() for _ in range(3)]
    t = median_time(step, repeat=STEPS)
    print(json.dumps({"losses": losses, "time": t, "rss_setup": setup, "rss_peak": rss_mib(),
                      "threads": threads}))


def run_children(module: str, kinds=KINDS, rounds: int = ROUNDS) -> dict:
    """Run ``python -m module --child kind`` for every kind, ``rounds`` times, in turn.

    Returns kind -> {"time": median over rounds, plus the first round's other fields}.
    """
    results = {}
    for _ in range(rounds):
        for kind in kinds:
            env = dict(os.environ, **ONE_THREAD) if kind == "edutorch1" else None
            proc = subprocess.run([sys.executable, "-m", module, "--child", kind],
                                  capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                if kind.startswith("torch") and "No module named 'torch'" in proc.stderr:
                    continue  # PyTorch not installed: edutorch alone
                raise RuntimeError(f"{module} --child {kind} failed:\n{proc.stderr}")
            out = json.loads(proc.stdout.strip().splitlines()[-1])
            entry = results.setdefault(kind, dict(out, times=[]))
            entry["times"].append(out["time"])
    for entry in results.values():
        entry["time"] = statistics.median(entry["times"])
    return results


def report(title: str, results: dict) -> None:
    """Check the losses agree, then print times, ratios and peak memory."""
    import numpy as np
    ref = results["edutorch"]["losses"]
    for kind, entry in results.items():
        assert np.allclose(entry["losses"], ref, rtol=1e-4), \
            f"{kind} computes different losses: {entry['losses']} vs {ref}"
    names = {"edutorch": "edutorch", "edutorch1": "edutorch (BLAS 1 thread)",
             "torch": "pytorch", "torch1": "pytorch (1 thread)"}
    if "torch" in results:
        names["torch"] = f"pytorch ({results['torch']['threads']} threads)"
    rows = [(names[k], results[k]["time"]) for k in KINDS if k in results]
    print_table(title, rows, "edutorch")
    for mine, theirs in (("edutorch", "torch"), ("edutorch1", "torch1")):
        if mine in results and theirs in results:
            ratio = results[mine]["time"] / results[theirs]["time"]
            print(f"{names[mine]} / {names[theirs]}: {ratio:.2f}x, each alone in a fresh process")
    report_memory(title.split(":")[0], results)


def report_memory(name: str, results: dict) -> None:
    """Peak RSS of each fresh process, and the part of it added by the training steps."""
    names = {"edutorch": "edutorch", "edutorch1": "edutorch (BLAS 1 thread)",
             "torch": "pytorch", "torch1": "pytorch (1 thread)"}
    print(f"\n{name}: peak RSS (MiB), each library alone in a fresh process, {STEPS + 6} steps "
          f"(3 loss checks, 3 warm-up, {STEPS} timed):")
    print(f"{'library':<26}{'after set-up':>14}{'peak':>10}{'peak - set-up':>16}")
    for k in KINDS:
        if k in results:
            a, b = results[k]["rss_setup"], results[k]["rss_peak"]
            print(f"{names[k]:<26}{a:>14.1f}{b:>10.1f}{b - a:>16.1f}")


# ---------------------------------------------------------------------------------------------
# Side by side in one process (the headline figure of cnn and lstm)
#
# Fresh processes flatter edutorch: alone, NumPy's BLAS has both cores to itself. A user who has
# both libraries in one process (the book's side-by-side pages, a test suite, a notebook that
# checks edutorch against PyTorch after every step) sees each library's idle worker threads spin
# for a while after its parallel regions (PyTorch's OpenMP pool, OpenBLAS's threads) and compete
# with the other library's next step. An independent run measured cnn 1.51x and lstm 1.72x where
# the fresh-process table said 1.14x and 1.31x. What differs is the interleaving: that run
# alternated the libraries step by step, so every step starts while the other library's threads
# still spin. Blocks of steps per library (what this harness did first) hide it, because each
# block's first step absorbs the spin and the median drops it: on this 2-core machine blocks
# gave cnn 0.67x, step-by-step alternation 1.37-1.46x.
#
# So the headline figure alternates step by step, both libraries on their default threads, and
# reports the median over rounds of each round's ratio of median step times.
# ---------------------------------------------------------------------------------------------

SIDE_ROUNDS = 7


def run_side_by_side(module: str) -> dict | None:
    """``side_by_side`` in a child process (``python -m module --side-by-side``), so that this
    parent process never imports a library: the memory table's peak RSS stays each library's."""
    proc = subprocess.run([sys.executable, "-m", module, "--side-by-side"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} --side-by-side failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def side_by_side(step_factory, rounds: int = SIDE_ROUNDS, steps: int = 6) -> dict | None:
    """Both libraries in this process, alternating step by step (edutorch, PyTorch, edutorch,
    ...): per round the ratio of the median step times; the result is the median over rounds."""
    import edutorch
    torch = try_import_torch()
    if torch is None:
        return None
    mine, theirs = step_factory(edutorch), step_factory(torch)
    for _ in range(3):
        mine(), theirs()
    ratios, t_mine, t_theirs = [], [], []
    for _ in range(rounds):
        a, b = [], []
        for _ in range(steps):  # one step each, in turn: no warm-up to absorb the other's spin
            a.append(median_time(mine, warmup=0, repeat=1))
            b.append(median_time(theirs, warmup=0, repeat=1))
        a, b = statistics.median(a), statistics.median(b)
        ratios.append(a / b)
        t_mine.append(a)
        t_theirs.append(b)
    return {"ratio": statistics.median(ratios), "edutorch": statistics.median(t_mine),
            "torch": statistics.median(t_theirs), "threads": torch.get_num_threads(),
            "ratios": ratios}


def report_side_by_side(title: str, result: dict | None, goal: float) -> None:
    if result is None:
        print(f"\n{title}: PyTorch is not installed; no side-by-side figure")
        return
    print(f"\n{title}")
    print(f"edutorch {result['edutorch'] * 1e3:.3f} ms, pytorch ({result['threads']} threads) "
          f"{result['torch'] * 1e3:.3f} ms per step; median of same-round ratios "
          f"{result['ratio']:.2f}x (goal: at most {goal:g}x; rounds: "
          f"{', '.join(f'{r:.2f}' for r in result['ratios'])})")
