"""What edutorch's profiler costs on one LeNet-5 training step (batch 64, float32, SGD).

Three ways to run the same step, in one process, interleaved for a few rounds:

- ``no profiler``: the plain step;
- ``profiler off``: inside ``profile(schedule=...)`` during its ``wait`` steps, when the
  profiler exists but records nothing (no dispatch mode is entered): goal, no measurable cost;
- ``profiler on``: every op and backward node recorded (``record_shapes`` and
  ``profile_memory`` too): goal, at most 2x the plain step.

    python -m benchmarks.profiler
"""
from __future__ import annotations

import statistics

from benchmarks._harness import median_time, print_table, sgd_step
from benchmarks.cnn import lenet, make_data

ROUNDS = 5
REPEAT = 15


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
    times = {"no profiler": [], "profiler off": [], "profiler on": []}
    for _ in range(ROUNDS):  # interleaved, so drifts of a shared machine hit all three alike
        times["no profiler"].append(median_time(step, repeat=REPEAT))
        times["profiler off"].append(median_time(off, repeat=REPEAT))
        times["profiler on"].append(median_time(on, repeat=REPEAT))
    rows = [(k, statistics.median(v)) for k, v in times.items()]
    print_table(f"profiler: LeNet-5 training step, batch 64, median of {REPEAT} steps x "
                f"{ROUNDS} rounds; {n_events} events recorded per step when on", rows,
                "no profiler")
    base = dict(rows)["no profiler"]
    print(f"\nprofiler off / no profiler: {dict(rows)['profiler off'] / base:.3f}x "
          f"(goal: not measurable, ~1.00x)")
    print(f"profiler on  / no profiler: {dict(rows)['profiler on'] / base:.3f}x (goal: <= 2x)")


if __name__ == "__main__":
    main()
