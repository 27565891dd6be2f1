"""topological_sort recurses: right on small graphs, RecursionError on deep ones."""
from solutions.ch02_autograd import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch02_autograd", "topological_sort"
BUG = "recursive depth-first search overflows Python's stack on a deep graph"


def topological_sort(root):
    post, seen = [], set()

    def visit(node):
        seen.add(node)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                visit(child)
        post.append(node)

    visit(root.grad_fn)
    return post[::-1]
