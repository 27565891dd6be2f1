"""Helpers for the nn tests: build a layer in edutorch and in PyTorch with the same weights,
run both, and compare outputs and every gradient.

The weights go from torch to edutorch through ``load_state_dict`` (torch tensors ->
``.detach().numpy()`` -> ``edutorch.tensor``), so these tests also exercise state_dict
loading and check that the parameter names match PyTorch's.
"""
from __future__ import annotations

import os
import sys

import numpy as np

import edutorch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from helpers import DEVICE, assert_close, check_op  # noqa: E402,F401  (tests/helpers.py)

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def from_torch(t) -> edutorch.Tensor:
    return edutorch.tensor(t.detach().cpu().numpy())


def torch_state_to_edutorch(t_module) -> dict:
    return {k: from_torch(v) for k, v in t_module.state_dict().items()}


def copy_weights(e_module, t_module) -> None:
    """Load torch's weights into the edutorch module (keys must match exactly)."""
    result = e_module.load_state_dict(torch_state_to_edutorch(t_module))
    assert not result.missing_keys and not result.unexpected_keys


def _inputs(arrays, lib):
    out = []
    for a in arrays:
        if not isinstance(a, np.ndarray):
            out.append(a)
        elif lib is edutorch:
            t = edutorch.tensor(a, device=DEVICE)
            out.append(t.requires_grad_() if a.dtype.kind == "f" else t)
        else:
            t = torch.tensor(a)
            out.append(t.requires_grad_() if a.dtype.kind == "f" else t)
    return out


def compare_module(e_module, t_module, *arrays, rtol=1e-6, atol=1e-9, seed=0,
                   backward=True, copy=True):
    """Forward + backward of the same layer in both libraries, in float64.

    Checks: output values; the gradient of every parameter (by name) and of every float input
    after the same random grad_output goes backward through both. Returns the edutorch
    module's output. The edutorch side runs on ``helpers.DEVICE`` (``EDUTORCH_TEST_DEVICE``).
    """
    e_module.double()
    t_module.double()
    if copy:
        copy_weights(e_module, t_module)
    e_module.to(DEVICE)
    e_in, t_in = _inputs(arrays, edutorch), _inputs(arrays, torch)
    e_out, t_out = e_module(*e_in), t_module(*t_in)
    assert_close(e_out, t_out, rtol=rtol, atol=atol, what="module output")
    if not backward:
        return e_out
    rng = np.random.default_rng(seed)
    go = rng.standard_normal(tuple(t_out.shape))
    assert e_out.device.type == edutorch.device(DEVICE).type, f"module output on {e_out.device}"
    e_out.backward(edutorch.tensor(go, device=e_out.device))
    t_out.backward(torch.tensor(go))
    e_params = dict(e_module.named_parameters())
    t_params = dict(t_module.named_parameters())
    assert list(e_params) == list(t_params)
    for name, tp in t_params.items():
        ep = e_params[name]
        if tp.grad is None:
            assert ep.grad is None or not ep.grad.abs().sum().item(), name
        else:
            assert ep.grad is not None, f"no gradient for parameter {name}"
            assert ep.grad.device == ep.device, f"grad of {name} on {ep.grad.device}"
            assert_close(ep.grad, tp.grad, rtol=rtol, atol=atol, what=f"grad of {name}")
    for k, (e, t) in enumerate(zip(e_in, t_in)):
        if isinstance(e, edutorch.Tensor) and e.requires_grad:
            assert_close(e.grad, t.grad, rtol=rtol, atol=atol, what=f"grad of input {k}")
    return e_out


def torch_repr(module_repr: str) -> str:
    """A torch repr spelled the edutorch way, to compare nested reprs."""
    return module_repr.replace("torch.", "edutorch.")
