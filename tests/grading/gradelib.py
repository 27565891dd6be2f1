"""Small helpers the graders share: comparisons whose failure messages read as hints."""
from __future__ import annotations

import numpy as np

import edutorch


def as_numpy(x, what: str) -> np.ndarray:
    """An edutorch tensor, NumPy array or number as a NumPy array (detached, on the host)."""
    if isinstance(x, edutorch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, (np.ndarray, np.generic, int, float, bool)):
        return np.asarray(x)
    raise AssertionError(f"{what}: expected an array or tensor, got {type(x).__name__}")


def assert_close(actual, expected, what: str, *, rtol: float = 1e-6, atol: float = 1e-8,
                 check_shape: bool = True) -> None:
    """``actual`` matches ``expected`` (from the library): same shape, values within tolerance.

    The message names ``what``, the shapes, and the worst element, so that it helps as a hint.
    """
    a = as_numpy(actual, what)
    e = as_numpy(expected, what)
    if check_shape and a.shape != e.shape:
        raise AssertionError(f"{what}: shape {a.shape}, expected {e.shape}")
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        raise AssertionError(f"{what}: has inf or nan where the library's answer is finite "
                             f"(numerically unstable?)")
    if not np.allclose(a, e, rtol=rtol, atol=atol):
        a_b, e_b = np.broadcast_arrays(a.astype(np.float64), e.astype(np.float64))
        err = np.abs(a_b - e_b)
        i = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
        raise AssertionError(f"{what}: differs from the library's answer; worst at index "
                             f"{tuple(int(j) for j in i)}: got {a_b[i]!r}, expected {e_b[i]!r} "
                             f"(max abs error {float(err.max()):.3g})")


def library_grads(fn, *arrays: np.ndarray, grad_out: np.ndarray | None = None):
    """edutorch autograd's gradients of ``fn(*tensors)`` (weighted by ``grad_out``)."""
    ts = [edutorch.tensor(a, dtype=edutorch.float64, requires_grad=True) for a in arrays]
    out = fn(*ts)
    if grad_out is None:
        out.backward()
    else:
        out.backward(edutorch.tensor(grad_out, dtype=edutorch.float64))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]
