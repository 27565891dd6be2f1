"""Inference with the tracing JIT (chapter 7): eager ``no_grad`` vs traced vs traced and
optimised (constant folding, fusion), against the raw-NumPy ceiling.

1. batch-1 MLP 64-128-128-10 (ReLU, Tanh): goal, traced+optimised at least 1.8x faster than
   eager ``no_grad``. At batch 1 the arithmetic is tiny and eager mode's per-op bookkeeping
   (Tensor objects, grad-mode checks, dispatch) is most of the time: that is what replay saves.
2. LeNet-style CNN with BatchNorm, batch 8, eval: eager vs traced with Conv2d+BatchNorm folded.
3. Where a GPU and CuPy are present: a large MLP (4096-4096-4096-10, batch 512) on CPU vs CUDA.

    python -m benchmarks.jit
"""
from __future__ import annotations

import warnings

import numpy as np

import edutorch
import edutorch.nn as nn
from benchmarks._harness import median_time, print_table
from edutorch import jit


def bench(fn, repeat=200):
    """Median seconds per call of ``fn`` (each timing covers a batch of calls)."""
    calls = 50
    return median_time(lambda: [fn() for _ in range(calls)], repeat=repeat // 10) / calls


def mlp_rows():
    edutorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.Tanh(),
                          nn.Linear(128, 10)).eval()
    x = edutorch.randn(1, 64)
    traced = jit.trace(model, x)
    fast = jit.optimize_for_inference(jit.trace(model, x))
    with edutorch.no_grad():
        ref = model(x)
    assert np.allclose(fast(x).numpy(), ref.numpy(), atol=1e-6)
    Ws = [m.weight.detach().numpy().T.copy() for m in model if isinstance(m, nn.Linear)]
    Bs = [m.bias.detach().numpy().copy() for m in model if isinstance(m, nn.Linear)]
    a = x.numpy()

    def numpy_forward():
        h = np.maximum(a @ Ws[0] + Bs[0], 0)
        h = np.tanh(h @ Ws[1] + Bs[1])
        return h @ Ws[2] + Bs[2]

    def eager():
        with edutorch.no_grad():
            return model(x)

    return [("edutorch eager, no_grad", bench(eager)),
            ("edutorch jit.trace", bench(lambda: traced(x))),
            ("edutorch traced + optimised", bench(lambda: fast(x))),
            ("raw NumPy (the ceiling)", bench(numpy_forward))]


def lenet_rows():
    edutorch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 2 * 2, 10))
    model(edutorch.randn(32, 1, 16, 16))  # running statistics
    model.eval()
    x = edutorch.randn(8, 1, 16, 16)
    with warnings.catch_warnings():  # Flatten's reshape bakes in the batch of 8: known, fine
        warnings.simplefilter("ignore", jit.TracerWarning)
        traced = jit.trace(model, x, leaf_modules=(nn.Conv2d, nn.BatchNorm2d))
        folded = jit.optimize_for_inference(
            jit.trace(model, x, leaf_modules=(nn.Conv2d, nn.BatchNorm2d)))
    with edutorch.no_grad():
        ref = model(x)
    assert np.allclose(folded(x).numpy(), ref.numpy(), atol=1e-5)

    def eager():
        with edutorch.no_grad():
            return model(x)

    return [("edutorch eager, no_grad", bench(eager, 100)),
            ("edutorch jit.trace", bench(lambda: traced(x), 100)),
            ("traced, Conv2d+BatchNorm folded", bench(lambda: folded(x), 100))]


def gpu_rows():
    if not edutorch.cuda.is_available():
        return None
    rows = []
    for device in ("cpu", "cuda"):
        edutorch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 4096),
                              nn.ReLU(), nn.Linear(4096, 10)).to(device)
        x = edutorch.randn(512, 4096, device=device)
        run = _synchronized_forward(model, x, device)
        rows.append((f"large MLP forward on {device}", median_time(run, repeat=10)))
    return rows


def _synchronized_forward(model, x, device):
    """A no-argument function that runs ``model(x)`` without grad and, on cuda, waits for the
    kernels to finish (so that the time measured is the work, not the launch)."""
    def run():
        with edutorch.no_grad():
            out = model(x)
        if device == "cuda":
            edutorch.cuda.synchronize()
        return out
    return run


def main() -> None:
    rows = mlp_rows()
    print_table("batch-1 MLP inference (goal: traced + optimised >= 1.8x faster than eager)",
                rows, "raw NumPy (the ceiling)")
    speedup = rows[0][1] / rows[2][1]
    print(f"speed-up of traced + optimised over eager: {speedup:.2f}x "
          f"({'meets' if speedup >= 1.8 else 'misses'} the 1.8x goal)")
    print_table("LeNet inference, batch 8, BatchNorm folded into the convolutions",
                lenet_rows(), "edutorch eager, no_grad")
    gpu = gpu_rows()
    if gpu is None:
        print("\nlarge MLP on GPU: skipped (no CUDA device or CuPy)")
    else:
        print_table("large MLP (4096-4096-4096-10, batch 512) forward", gpu,
                    "large MLP forward on cpu")


if __name__ == "__main__":
    main()
