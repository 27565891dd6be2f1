"""Small helpers the graders share: comparisons whose failure messages read as hints."""
from __future__ import annotations

import os
import traceback

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
                             f"{tuple(int(j) for j in i)}: got {float(a_b[i])!r}, expected {float(e_b[i])!r} "
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


def call_exercise(ex, name: str, *args, case: str = ""):
    """``ex.name(*args)``; when it raises from inside *another* function of the reader's
    module (a helper, graded on its own), say so: that helper is what to fix first."""
    fn = getattr(ex, name)
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 - re-raised, with the helper named when there is one
        helper = _failing_helper(ex, name, err)
        if helper is None:
            raise
        func, line = helper
        raise AssertionError(
            f"{name}{case} failed inside your helper `{func}` (line {line} of "
            f"{os.path.basename(ex.__file__)}): {type(err).__name__}: {err}. "
            f"`{func}` is called by `{name}` and graded on its own: make it pass first "
            f"(python -m edutorch.grade shows its checks), then come back to `{name}`."
        ) from err


def _failing_helper(ex, name: str, err: BaseException):
    """(function, line) of the innermost frame of the reader's module that is not ``name``."""
    module_file = os.path.abspath(getattr(ex, "__file__", "") or "")
    found = None
    for frame, line in traceback.walk_tb(err.__traceback__):
        if os.path.abspath(frame.f_code.co_filename) == module_file:
            found = (frame.f_code.co_name, line)
    if found is None or found[0] == name:
        return None
    return found


def helper_hint(ex, helper: str, args: tuple, expected, what: str) -> str:
    """A sentence for a failure message: the reader's own ``helper(*args)`` is wrong on the
    case at hand (so the function being graded, if it calls it, cannot be right)."""
    fn = getattr(ex, helper, None)
    if fn is None:
        return ""
    try:
        got = np.asarray(as_numpy(fn(*[a.copy() if isinstance(a, np.ndarray) else a
                                        for a in args]), helper))
    except Exception as err:  # noqa: BLE001 - a hint, never the failure itself
        return (f" Note: your `{helper}`{what} raises {type(err).__name__}; if you call it "
                f"here, make `{helper}` pass its own checks first.")
    e = np.asarray(expected)
    if got.shape == e.shape and np.allclose(got, e, rtol=1e-6, atol=1e-8):
        return ""
    return (f" Note: your `{helper}`{what} is itself wrong (got shape {got.shape}, expected "
            f"{e.shape}); if you call it here, fix `{helper}` first.")
