"""graph_edges stops at the op nodes and misses the edges into AccumulateGrad."""
from solutions.ch06_tools import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch06_tools", "graph_edges"
BUG = "leaf accumulators (AccumulateGrad) are skipped"


def graph_edges(output):
    if output.grad_fn is None:
        return []
    edges, seen, stack = [], {output.grad_fn}, [output.grad_fn]
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None or type(child).__name__ == "AccumulateGrad":
                continue
            edges.append((node, child))
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return edges
