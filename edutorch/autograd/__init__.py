"""Automatic differentiation: the recorded graph, ``backward``, ``grad``, custom Functions.

Read ``graph.py`` first: it holds the whole engine.
"""
from __future__ import annotations

from . import graph
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import Node, run_backward

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode", "gradcheck",
           "gradgradcheck", "GradcheckError", "Node", "graph", "detect_anomaly",
           "set_detect_anomaly"]


def _tensors(x):
    from ..tensor import Tensor
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _grads_for(outputs, grad_outputs, op):
    from .. import backend
    from ..tensor import Tensor, _check_gradient
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _tensors(grad_outputs) if not isinstance(grad_outputs, (list, tuple)) \
            else list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    result = []
    for o, g in zip(outputs, grad_outputs):
        if g is None:
            if o._data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                   f"(got shape {list(o._data.shape)})")
            g = Tensor._wrap(backend.xp_of(o._data).ones_like(o._data))
        else:
            g = _check_gradient(o, g, op)
        result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Sum the gradients of ``tensors`` into the leaves' ``.grad`` (``Tensor.backward`` for
    several outputs at once)."""
    outputs = _tensors(tensors)
    grads = _grads_for(outputs, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(outputs, grads, retain_graph, create_graph,
                 inputs=None if inputs is None else _tensors(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned (``.grad`` is not touched).

    With ``create_graph=True`` the results have graphs of their own: differentiate them again
    for second derivatives.
    """
    outs = _tensors(outputs)
    ins = _tensors(inputs)
    single = not isinstance(inputs, (list, tuple))
    grads = _grads_for(outs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    result = run_backward(outs, grads, retain_graph, create_graph, inputs=ins, accumulate=False,
                          allow_unused=allow_unused)
    if materialize_grads:
        from .._ops.creation import zeros_like
        result = tuple(zeros_like(i) if r is None else r for i, r in zip(ins, result))
    del single
    return tuple(result)
