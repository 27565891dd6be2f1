"""graph_edges walks the graph as a tree: a shared node's edges are listed once per path."""
from solutions.ch06_tools import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch06_tools", "graph_edges"
BUG = "no seen set: nodes reached twice are expanded twice"


def graph_edges(output):
    if output.grad_fn is None:
        return []
    edges, stack = [], [output.grad_fn]
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is not None:
                edges.append((node, child))
                stack.append(child)
    return edges
