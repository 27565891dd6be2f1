"""topological_sort is a breadth-first walk: fine on chains, wrong on diamonds."""
from solutions.ch02_autograd import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch02_autograd", "topological_sort"
BUG = "BFS order: a node can come before another node that still sends it gradient"


def topological_sort(root):
    order, seen, queue = [], {root.grad_fn}, [root.grad_fn]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return order
