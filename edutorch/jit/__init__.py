"""``edutorch.jit``: a tracing JIT (chapter 7).

    traced = edutorch.jit.trace(model, example_input)
    print(traced.graph)        # the ops of one run, as torch.fx prints a graph
    print(traced.code)         # the same, as Python
    y = traced(x)              # replayed on raw arrays: no autograd, no Tensor per op
    fast = edutorch.jit.optimize_for_inference(traced)   # DCE, folding, fusion

Tracing records what one run did; ``TracerWarning`` says where that may not generalise.
"""
from __future__ import annotations

from . import passes
from ._script import ScriptFunction, TracedModule
from ._trace import TracerWarning, record
from .graph import Graph, Node

__all__ = ["trace", "optimize_for_inference", "freeze", "ScriptFunction", "TracedModule",
           "TracerWarning", "Graph", "Node", "passes"]


def trace(func, example_inputs, *, leaf_modules: tuple = ()):
    """Run ``func`` (a function or an ``nn.Module``) once on ``example_inputs`` (a Tensor or a
    tuple of Tensors) and return a callable that replays its ops.

    ``leaf_modules``: module types kept whole, as ``call_module`` nodes (not traced into).
    """
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    from ..nn import Module
    root = func if isinstance(func, Module) else None
    graph, constants, baked, _ = record(func, inputs, root, tuple(leaf_modules))
    shapes = [tuple(x.shape) for x in inputs]
    if root is not None:
        return TracedModule(root, graph, constants, shapes, baked)
    return ScriptFunction(graph, constants, shapes, baked,
                          name=getattr(func, "__name__", "forward"))


def optimize_for_inference(traced: ScriptFunction) -> ScriptFunction:
    """Fold Conv2d+BatchNorm pairs, fold constants, fuse pointwise chains, drop dead code.
    Parameters become constants: later changes to the module are not seen (as
    ``torch.jit.freeze``)."""
    g = traced.graph
    passes.fold_conv_bn(g, traced)
    passes.constant_fold(g, traced)
    passes.fuse_elementwise(g)
    passes.eliminate_dead_code(g)
    traced.recompile()
    return traced


freeze = optimize_for_inference
