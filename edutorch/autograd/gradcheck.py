"""Check analytical gradients against finite differences.

For f: R^n -> R^m the Jacobian J has m rows and n columns. Autograd gives J one row at a time
(backward with a one-hot ``grad_output``); central differences give it one column at a time:

    J[:, k] ~= (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)

Both must agree within ``atol + rtol * |numerical|``. Use float64: in float32 the rounding error
of the differences is about as large as the tolerance.
"""
from __future__ import annotations

from .. import backend
from . import grad_mode
from .graph import run_backward


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when the gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _differentiable_inputs(inputs):
    from ..tensor import Tensor
    return [t for t in inputs if isinstance(t, Tensor) and t._rg]


def _outputs(func, inputs):
    from ..tensor import Tensor
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def numerical_jacobian(func, inputs, eps=1e-6):
    """One (m, n) NumPy matrix per (output, differentiable input) pair, by central differences."""
    diff = _differentiable_inputs(inputs)
    with grad_mode.no_grad():
        outs = _outputs(func, inputs)
        jac = [[backend.to_numpy(o._data).astype("float64").reshape(-1).copy()[:, None]
                .repeat(t._data.size, axis=1) * 0 for t in diff] for o in outs]
        from ..backend import np as _np
        for j, t in enumerate(diff):
            data = t._data  # perturbed in place, element by element (works for any strides)
            for k in range(data.size):
                pos = _np.unravel_index(k, data.shape)
                orig = data[pos].item()
                data[pos] = orig + eps
                plus = [backend.to_numpy(o._data).astype("float64").reshape(-1)
                        for o in _outputs(func, inputs)]
                data[pos] = orig - eps
                minus = [backend.to_numpy(o._data).astype("float64").reshape(-1)
                         for o in _outputs(func, inputs)]
                data[pos] = orig
                for i in range(len(outs)):
                    jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def analytical_jacobian(func, inputs):
    """The same matrices from autograd: one backward per output element."""
    from ..tensor import Tensor
    diff = _differentiable_inputs(inputs)
    outs = _outputs(func, inputs)
    jac = [[None] * len(diff) for _ in outs]
    for i, o in enumerate(outs):
        m = o._data.size
        rows = [[] for _ in diff]
        for r in range(m):
            xp = backend.xp_of(o._data)
            onehot = xp.zeros(o._data.size, dtype=o._data.dtype)
            onehot[r] = 1
            g = Tensor._wrap(onehot.reshape(o._data.shape))
            if o._rg:
                grads = run_backward([o], [g], True, False, inputs=diff, accumulate=False,
                                     allow_unused=True)
            else:
                grads = [None] * len(diff)
            for j, (t, gr) in enumerate(zip(diff, grads)):
                rows[j].append(backend.to_numpy(gr._data).astype("float64").reshape(-1)
                               if gr is not None else
                               backend.to_numpy(t._data).reshape(-1).astype("float64") * 0)
        for j in range(len(diff)):
            from ..backend import np as _np  # host-side maths on the Jacobians
            jac[i][j] = _np.stack(rows[j]) if rows[j] else _np.zeros((0, diff[j]._data.size))
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """True if autograd's Jacobian of ``func`` at ``inputs`` matches finite differences."""
    inputs = _as_tuple(inputs)
    diff = _differentiable_inputs(inputs)
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for t in diff:
        if t._data.dtype.kind == "f" and t._data.dtype.itemsize < 8:
            import warnings
            warnings.warn(f"gradcheck: input of dtype {t.dtype} is not double precision; "
                          f"finite differences will be inaccurate. Use float64.", stacklevel=2)
    num = numerical_jacobian(func, inputs, eps)
    ana = analytical_jacobian(func, inputs)
    if len(num) != len(ana):  # never compare fewer outputs than there are
        raise GradcheckError(f"gradcheck: the function gave {len(num)} tensor outputs under "
                             f"no_grad but {len(ana)} with grad enabled")
    from ..backend import np as _np
    for i, (nrow, arow) in enumerate(zip(num, ana)):
        for j, (n, a) in enumerate(zip(nrow, arow)):
            if not _np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=False):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {i} with respect to input {j},\n"
                    f"numerical:{n}\nanalytical:{a}\n(max abs diff "
                    f"{float(_np.max(_np.abs(a - n))) if a.size else 0.0})")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, **_ignored) -> bool:
    """Check second derivatives: gradcheck of the function inputs -> (vector-Jacobian product),
    with the vector ``grad_outputs`` (random if not given) as extra inputs."""
    from .._ops.creation import randn
    from ..tensor import Tensor
    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn(o._data.shape, dtype=o.dtype, device=o.device,
                                   requires_grad=True) for o in outs if o._rg)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    @grad_mode.enable_grad()  # numerical_jacobian calls it under no_grad: the first
    def first_derivative(*args):  # derivative must still be computed by autograd
        ins, gos = args[:n_in], args[n_in:]
        diff = _differentiable_inputs(ins)
        os = [o for o in _outputs(func, ins) if o._rg]
        grads = run_backward(os, list(gos), True, True, inputs=diff, accumulate=False,
                             allow_unused=True)
        return tuple(g for g in grads if isinstance(g, Tensor))

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
