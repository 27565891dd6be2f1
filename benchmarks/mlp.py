"""One training step of a 784-512-256-10 ReLU MLP, softmax cross-entropy, plain SGD, batch 256.

Compared: edutorch; the same maths written by hand in NumPy (forward and backward: the floor
for any NumPy framework); PyTorch where installed; side by side in one process. Goal: edutorch
within 1.15x of NumPy. Then the peak memory of 20 steps, each library in a fresh process
(goal: no more than PyTorch's).

    python -m benchmarks.mlp
"""
from __future__ import annotations

import sys

import numpy as np

from benchmarks._harness import (
    child,
    interleaved,
    median_time,
    print_table,
    report_memory,
    run_children,
    sgd_step,
    try_import_torch,
)

SIZES = (784, 512, 256, 10)
BATCH = 256
LR = 0.01


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    weights = []
    for fan_in, fan_out in zip(SIZES, SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                        rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return x, y, weights


def numpy_step_factory(x, y, weights):
    params = [(w.copy(), b.copy()) for w, b in weights]
    n = x.shape[0]

    def step():
        acts = [x]
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w.T + b
            if i < len(params) - 1:
                h = np.maximum(h, 0)
            acts.append(h)
        logits = acts[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(n), y].mean()
        g = np.exp(logp)
        g[np.arange(n), y] -= 1
        g /= n
        for i in range(len(params) - 1, -1, -1):
            w, b = params[i]
            gw = g.T @ acts[i]
            gb = g.sum(axis=0)
            if i > 0:
                g = (g @ w) * (acts[i] > 0)
            w -= LR * gw
            b -= LR * gb
        return float(loss)
    return step


def step_factory(lib, x, y, weights):
    """One SGD step of the MLP in ``lib`` (edutorch or torch), from the given weights."""
    nn = lib.nn
    layers = []
    for w, b in weights:
        lin = nn.Linear(w.shape[1], w.shape[0])
        lin.load_state_dict({"weight": lib.tensor(w), "bias": lib.tensor(b)})
        layers += [lin, nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    return sgd_step(lib, model, lib.tensor(x), lib.tensor(y), LR)


def main():
    # memory first: a child's ru_maxrss starts from its parent's, so measure before this
    # process imports edutorch or PyTorch
    memory = run_children("benchmarks.mlp", kinds=("edutorch", "torch"), rounds=1)
    x, y, weights = make_data()
    import edutorch
    steps = {"numpy (hand-written)": numpy_step_factory(x, y, weights),
             "edutorch": step_factory(edutorch, x, y, weights)}
    # same start, same data: the losses of the first steps must agree
    losses = {k: [f() for _ in range(3)] for k, f in steps.items()}
    torch = try_import_torch()
    if torch is not None:
        steps["pytorch"] = step_factory(torch, x, y, weights)
        losses["pytorch"] = [steps["pytorch"]() for _ in range(3)]
    ref = losses["numpy (hand-written)"]
    for k, v in losses.items():
        assert np.allclose(v, ref, rtol=1e-4), f"{k} computes different losses: {v} vs {ref}"
    # NumPy and edutorch take turns (the same BLAS, so neither's threads slow the other);
    # PyTorch runs after them: interleaved, its OpenMP threads, still spinning after each of
    # its steps, would slow the next NumPy step, and OpenBLAS's would slow PyTorch's
    ref = "numpy (hand-written)"
    pytorch = steps.pop("pytorch", None)
    rows, ratios = interleaved(steps, ref)
    if pytorch is not None:
        rows.append(("pytorch", median_time(pytorch)))
        ratios["pytorch"] = rows[-1][1] / dict(rows)[ref]
    print_table("mlp: 784-512-256-10 ReLU MLP, batch 256, one SGD step (float32); edutorch: "
                "median of same-round ratios (goal: at most 1.10x)", rows, ref, ratios)
    if pytorch is not None:
        print(f"edutorch / pytorch: {ratios['edutorch'] / ratios['pytorch']:.2f}x")
    report_memory("mlp", memory)


def step_for(lib):
    return step_factory(lib, *make_data())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2], step_for)
    else:
        main()
