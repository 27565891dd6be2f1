"""What edutorch's profiler costs on one LeNet-5 training step (batch 64, float32, SGD).

Three ways to run the same step, in one process, interleaved for a few rounds:

- ``no profiler``: the plain step;
- ``profiler off``: inside ``profile(schedule=...)`` during its ``wait`` steps, when the
  profiler exists but records nothing (no dispatch mode is entered): goal, no measurable cost;
- ``profiler on``: every op and backward node recorded (``record_shapes`` and
  ``profile_memory`` too): goal, at most 2x the plain step.

The three are timed one step at a time, in turn and in a rotating order, so that the load of
a shared machine drifts over all three alike; BLAS runs on one thread (set
``OPENBLAS_NUM_THREADS`` to change it), so that idle worker threads do not add noise.

    python -m benchmarks.profiler
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy is imported

from benchmarks._harness import print_table, sgd_step  # noqa: E402
from benchmarks.cnn import lenet, make_data  # noqa: E402

STEPS = 60


def main() -> None:
    import edutorch
    from edutorch.profiler import ProfilerActivity, profile, schedule

    x, y, weights = make_data()
    model = lenet(edutorch.nn)
    model.load_state_dict({k: edutorch.tensor(v) for k, v in weights.items()})
    step = sgd_step(edutorch, model, edutorch.tensor(x), edutorch.tensor(y), 0.01)

    def off():
        # a profiler in its wait phase: it exists, and records nothing
        with profile(activities=[ProfilerActivity.CPU],
                     schedule=schedule(wait=10 ** 9, warmup=0, active=1)):
            step()

    def on():
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                     profile_memory=True) as prof:
            step()
        return prof

    prof = on()
    n_events = len(prof.events())
    runs = {"no profiler": step, "profiler off": off, "profiler on": on}
    for fn in runs.values():  # warm up
        fn()
    times = {k: [] for k in runs}
    names = list(runs)
    for i in range(STEPS):
        for name in names[i % 3:] + names[:i % 3]:  # rotated: no kind always follows another
            t0 = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(1000):
        with profile(schedule=schedule(wait=10 ** 9, warmup=0, active=1)):
            pass
    empty_us = (time.perf_counter() - t0) * 1e3
    rows = [(k, statistics.median(v)) for k, v in times.items()]
    print_table(f"profiler: LeNet-5 training step, batch 64, median of {STEPS} steps each, "
                f"interleaved; {n_events} events recorded per step when on", rows,
                "no profiler")
    base = dict(rows)["no profiler"]
    print(f"\nprofiler off / no profiler: {dict(rows)['profiler off'] / base:.3f}x "
          f"(goal: not measurable, ~1.00x); entering and leaving a profile that records "
          f"nothing costs {empty_us:.1f} us, {100 * empty_us / (base * 1e6):.3f}% of a step")
    print(f"profiler on  / no profiler: {dict(rows)['profiler on'] / base:.3f}x (goal: <= 2x)")


if __name__ == "__main__":
    main()
