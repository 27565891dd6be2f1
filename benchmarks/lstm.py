"""One training step of a 1-layer LSTM language-model head, float32, edutorch vs PyTorch.

LSTM(input 64, hidden 128) over a sequence of 35 steps, batch 20; a Linear 128 -> 1000 at every
step and softmax cross-entropy over all 35 * 20 positions; SGD (lr 0.01). Both libraries start
from the same weights and data; the first losses must agree.

As in ``benchmarks.cnn``, the headline figure (goal: at most 1.3x PyTorch) alternates the two
libraries step by step in one process. For the table after it every measurement runs in its
own fresh process (no thread pools competing, a clean peak RSS), the kinds take turns for a few
rounds, and the printed time is the median over rounds of each process's median over 20 steps
after warm-up.

    python -m benchmarks.lstm
"""
from __future__ import annotations

import json
import sys

from benchmarks._harness import (
    ROUNDS,
    STEPS,
    child,
    report,
    report_side_by_side,
    run_children,
    run_side_by_side,
    sgd_step,
    side_by_side,
)

SEQ, BATCH, INPUT, HIDDEN, CLASSES = 35, 20, 64, 128, 1000
LR = 0.01


def make_data(seed: int = 0):
    """Inputs (SEQ, BATCH, INPUT), targets (SEQ, BATCH), and weights with PyTorch's names."""
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SEQ, BATCH, INPUT), dtype=np.float32)
    y = rng.integers(0, CLASSES, (SEQ, BATCH))
    b = 1 / np.sqrt(HIDDEN)
    u = lambda *shape: rng.uniform(-b, b, shape).astype(np.float32)  # noqa: E731
    weights = {"lstm.weight_ih_l0": u(4 * HIDDEN, INPUT),
               "lstm.weight_hh_l0": u(4 * HIDDEN, HIDDEN),
               "lstm.bias_ih_l0": u(4 * HIDDEN), "lstm.bias_hh_l0": u(4 * HIDDEN),
               "head.weight": u(CLASSES, HIDDEN), "head.bias": u(CLASSES)}
    return x, y, weights


def step_factory(lib, x, y, weights):
    """A function running one training step in ``lib`` (edutorch or torch)."""
    nn = lib.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(INPUT, HIDDEN)
            self.head = nn.Linear(HIDDEN, CLASSES)

        def forward(self, x):
            out, _ = self.lstm(x)  # (SEQ, BATCH, HIDDEN)
            return self.head(out)  # (SEQ, BATCH, CLASSES)

    model = Model()
    model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    return sgd_step(lib, model, lib.tensor(x), lib.tensor(y).reshape(-1), LR,
                    logits_shape=(SEQ * BATCH, CLASSES))


def main() -> None:
    report_side_by_side("lstm: LSTM language-model head, both libraries in one process, "
                        "alternating step by step (the headline figure)",
                        run_side_by_side("benchmarks.lstm"), goal=1.3)
    results = run_children("benchmarks.lstm")
    report(f"lstm: LSTM({INPUT}, {HIDDEN}), seq {SEQ}, batch {BATCH}, Linear -> {CLASSES} and "
           f"cross-entropy at every step, one SGD step (float32), median of {STEPS} steps, "
           f"{ROUNDS} rounds", results)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        x, y, weights = make_data()
        child(sys.argv[2], lambda lib: step_factory(lib, x, y, weights))
    elif sys.argv[1:] == ["--side-by-side"]:
        x, y, weights = make_data()
        print(json.dumps(side_by_side(lambda lib: step_factory(lib, x, y, weights))))
    else:
        main()
