"""One training step of LeNet-5 on a batch of 64 1x28x28 images, float32, edutorch vs PyTorch.

conv 1->6 5x5, ReLU, max-pool 2, conv 6->16 5x5, ReLU, max-pool 2, Linear 256->120->84->10,
softmax cross-entropy, SGD (lr 0.01). Both libraries start from the same weights and data; the
first losses must agree.

The headline figure (goal: at most 1.3x PyTorch) runs both libraries in one process, alternating
step by step, as a user comparing them in one notebook does: each step starts while the other
library's idle worker threads still spin, and that costs both (see ``_harness.py``). The table
after it shows each library alone.

For that table every measurement runs in a fresh process, so that one library's worker threads (PyTorch's
OpenMP pool spins after each parallel region, so does OpenBLAS's) never compete with the
other's, and so that the peak resident set size of 20 steps
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) belongs to one library alone. The parent
process imports neither library (Linux keeps ru_maxrss across fork/exec: a heavy parent would
leak its own peak into the children's). The kinds run in turn, for a few rounds; the printed
time is the median over rounds of each process's median over 20 steps after warm-up. Each
library runs as it comes (NumPy's BLAS and PyTorch with their own thread counts) and again on
one thread (``OPENBLAS_NUM_THREADS=1``; ``torch.set_num_threads(1)``): on a small, shared
machine idle worker threads that spin can cost more than they bring.

    python -m benchmarks.cnn
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

BATCH = 64
LR = 0.01


def make_data(seed: int = 0):
    """Images, labels, and LeNet-5's weights as NumPy arrays (PyTorch's default init ranges)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, BATCH)
    shapes = {"0": (6, 1, 5, 5), "3": (16, 6, 5, 5), "7": (120, 256), "9": (84, 120),
              "11": (10, 84)}
    weights = {}
    for name, shape in shapes.items():
        bound = 1 / np.sqrt(np.prod(shape[1:]))
        weights[name + ".weight"] = rng.uniform(-bound, bound, shape).astype(np.float32)
        weights[name + ".bias"] = rng.uniform(-bound, bound, shape[0]).astype(np.float32)
    return x, y, weights


def lenet(nn):
    """LeNet-5 from a library's ``nn`` (the same code builds both models)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def step_factory(lib, x, y, weights):
    """A function running one training step of LeNet-5 in ``lib`` (edutorch or torch)."""
    model = lenet(lib.nn)
    model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    return sgd_step(lib, model, lib.tensor(x), lib.tensor(y), LR)


def main() -> None:
    report_side_by_side("cnn: LeNet-5, both libraries in one process, alternating step by "
                        "step (the headline figure)", run_side_by_side("benchmarks.cnn"), goal=1.3)
    results = run_children("benchmarks.cnn")
    report(f"cnn: LeNet-5, batch {BATCH} of 1x28x28, one SGD step (float32), median of "
           f"{STEPS} steps, {ROUNDS} rounds", results)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        x, y, weights = make_data()
        child(sys.argv[2], lambda lib: step_factory(lib, x, y, weights))
    elif sys.argv[1:] == ["--side-by-side"]:
        x, y, weights = make_data()
        print(json.dumps(side_by_side(lambda lib: step_factory(lib, x, y, weights))))
    else:
        main()
