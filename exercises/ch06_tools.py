"""Chapter 6 exercises: the arithmetic inside the tools (profiler, graph drawing, hooks).

The grader compares yours with ``edutorch.profiler`` (self times), with the graph that
``edutorch.autograd`` records (edges), and with models where it planted a NaN itself.

Grade them with ``python -m edutorch.grade ch06``.
"""
from __future__ import annotations

import edutorch
from edutorch import nn


def self_times(intervals: list[tuple[float, float]]) -> list[float]:
    """The self time of each interval of a profile: its duration minus its direct children's.

    Task: ``intervals`` are ``(start, end)`` pairs, in any order, recorded on one thread, so any
    two are either nested or disjoint (an op runs inside another, or after it). Interval ``b``
    is a *child* of ``a`` when ``a`` is the innermost interval containing ``b``. Return the self
    time of every interval, in the input's order:

        self(a) = (end_a - start_a) - sum of (end_c - start_c) over the children c of a

    Subtract only the direct children: a grandchild's time is already inside its parent's
    duration. Then the self times add up to the time covered by the top-level intervals, the
    number PyTorch prints as "Self CPU time total". Equal intervals: the one listed first
    contains the other.

    Hint: sort by (start, -end) and walk with a stack of the intervals still open: pop those
    that end before the current one starts; the top of the stack, if any, is the parent.
    """
    raise NotImplementedError("self_times: your code here")


def graph_edges(output: edutorch.Tensor) -> list[tuple[object, object]]:
    """Every edge of the graph recorded behind ``output``, as ``(node, next_node)`` pairs.

    Task: start at ``output.grad_fn`` and follow ``node.next_functions`` (pairs
    ``(next_node, output_number)``; ``next_node`` is ``None`` for an input that needs no
    gradient). Return one pair ``(node, next_node)`` for every non-``None`` entry of every
    reachable node's ``next_functions``, where each node is visited **once**, even when several
    nodes feed into it (``x`` used twice). Leaves end in ``AccumulateGrad`` nodes: they are
    nodes too (with empty ``next_functions``) and their incoming edges count. The order of the
    list does not matter. ``output`` without a ``grad_fn``: no edges.

    Hint: a depth-first search with a ``seen`` set (of node objects).
    """
    raise NotImplementedError("graph_edges: your code here")


def first_nonfinite_module(model: nn.Module, x: edutorch.Tensor) -> str | None:
    """The name of the first module, in the order the forward pass ran them, whose output has a
    NaN or an infinity; ``None`` if every output is finite.

    Task: register a forward hook (``register_forward_hook``) on every module of
    ``model.named_modules()``, run ``model(x)``, and return the name (as ``named_modules`` gives
    it, e.g. ``"2"`` or ``"encoder.1"``; ``""`` for the model itself) of the first module whose
    output contains a non-finite value. Modules finish in execution order: a layer inside a
    ``Sequential`` finishes before the ``Sequential``. Remove your hooks before returning,
    whatever happens, so the model is left as it was.

    Hint: ``edutorch.isfinite(t).all()``; outputs may be tuples of tensors. Once a NaN appears,
    every later output is usually NaN too: the first one is where it was born.
    """
    raise NotImplementedError("first_nonfinite_module: your code here")
