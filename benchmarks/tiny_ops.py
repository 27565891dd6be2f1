"""A chain of 200 small elementwise ops on a 16x16 tensor, forward + backward.

With tiny arrays the arithmetic is nearly free, so this measures the per-op cost of the
framework itself: Python dispatch, graph recording and the backward walk. Goal: no slower than
PyTorch (whose dispatcher spends about 20 us per small op, forward plus backward). The NumPy row
is the same arithmetic with no framework at all: no library on NumPy can go below it.

    python -m benchmarks.tiny_ops
"""
from __future__ import annotations

import numpy as np

from benchmarks._harness import interleaved, print_table, try_import_torch

N_OPS = 200


def chain(lib, x, y):
    """200 ops cycling through mul, add, tanh, mul by a tensor, sigmoid."""
    h = x
    for _ in range(N_OPS // 5):
        h = h * 1.01
        h = h + 0.1
        h = h.tanh()
        h = h * y
        h = h.sigmoid()
    return h.sum()


def make_step(lib, x_np, y_np):
    x = lib.tensor(x_np, requires_grad=True)
    y = lib.tensor(y_np, requires_grad=True)

    def step():
        x.grad = None
        y.grad = None
        out = chain(lib, x, y)
        out.backward()
        return out.item()
    return step


def numpy_step(x, y):
    """The same chain in NumPy with its backward written by hand: the arithmetic alone, no
    framework. Its time is the floor under any framework's: what is left of a ratio to
    PyTorch after it is the budget for the bookkeeping (calls, graph, backward walk)."""
    def step():
        h, saved = x, []
        for _ in range(N_OPS // 5):
            h = h * 1.01 + 0.1  # two ops, as in ``chain``
            h = np.tanh(h)
            saved.append(h)
            saved.append(h)  # the product's other factor
            h = h * y
            h = 1 / (1 + np.exp(-h))
            saved.append(h)
        g, gy = np.ones_like(h), np.zeros_like(y)
        for _ in range(N_OPS // 5):
            s = saved.pop()
            g = g * s * (1 - s)
            gy = gy + g * saved.pop()
            g = g * y
            t = saved.pop()
            g = g * (1 - t * t) * 1.01
        return float(h.sum())
    return step


def main():
    import edutorch
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((16, 16), dtype=np.float32)
    y_np = rng.standard_normal((16, 16), dtype=np.float32)
    steps = {"edutorch": make_step(edutorch, x_np, y_np),
             "numpy, backward by hand (the floor)": numpy_step(x_np, y_np)}
    assert np.isclose(steps["edutorch"](), steps["numpy, backward by hand (the floor)"](),
                      rtol=1e-4)
    torch = try_import_torch()
    if torch is not None:
        steps["pytorch"] = make_step(torch, x_np, y_np)
        a, b = steps["edutorch"](), steps["pytorch"]()
        assert np.isclose(a, b, rtol=1e-4), (a, b)
    ref = "pytorch" if torch is not None else "edutorch"
    rows, ratios = interleaved(steps, ref, repeat=10)
    print_table(f"tiny_ops: {N_OPS} elementwise ops on 16x16, forward + backward; median of "
                f"same-round ratios", rows, ref, ratios)
    for k, sec in rows:
        print(f"{k}: {sec / N_OPS * 1e6:.2f} us per op (forward + backward)")


if __name__ == "__main__":
    main()
