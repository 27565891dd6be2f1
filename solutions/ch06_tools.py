"""Chapter 6 solutions: the arithmetic inside the tools (profiler, graph drawing, hooks)."""
from __future__ import annotations

import edutorch
from edutorch import nn


def self_times(intervals: list[tuple[float, float]]) -> list[float]:
    """The self time of each interval: its duration minus its direct children's."""
    order = sorted(range(len(intervals)), key=lambda i: (intervals[i][0], -intervals[i][1]))
    result = [end - start for start, end in intervals]
    stack: list[int] = []  # intervals still open, innermost last
    for i in order:
        start, end = intervals[i]
        while stack and not (intervals[stack[-1]][0] <= start and end <= intervals[stack[-1]][1]):
            stack.pop()  # it ended before this one started
        if stack:  # the innermost open interval is the parent
            result[stack[-1]] -= end - start
        stack.append(i)
    return result


def graph_edges(output: edutorch.Tensor) -> list[tuple[object, object]]:
    """Every edge of the graph recorded behind ``output``, each node visited once."""
    if output.grad_fn is None:
        return []
    edges, seen, stack = [], {output.grad_fn}, [output.grad_fn]
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            edges.append((node, child))
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return edges


def first_nonfinite_module(model: nn.Module, x: edutorch.Tensor) -> str | None:
    """The first module, in execution order, whose output is not all finite."""
    bad: list[str] = []

    def watch(name):
        def hook(module, args, output):
            outs = output if isinstance(output, (tuple, list)) else (output,)
            if any(isinstance(o, edutorch.Tensor) and not bool(edutorch.isfinite(o).all())
                   for o in outs):
                bad.append(name)
        return hook
    handles = [m.register_forward_hook(watch(name)) for name, m in model.named_modules()]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return bad[0] if bad else None
