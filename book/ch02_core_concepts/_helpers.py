"""Drawing helpers for chapter 2's pages, kept out of the reader's way.

The pages call these to draw tensors and graphs; what they draw is the lesson, how they draw
it is not. ``show_source`` (from ``book/_source.py``) renders the library's own code.
"""
from __future__ import annotations

import pathlib
import sys

import matplotlib.pyplot as plt

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from _source import show_source  # noqa: E402,F401  (re-exported for the pages)


def topological_order(root):
    """Every node reachable from ``root`` through ``next_functions``, each before the nodes it
    sends gradient to (root first). Iterative, so a graph of any depth fits."""
    post_order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            post_order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            for child, _ in node.next_functions:
                if child is not None and child not in seen:
                    stack.append((child, False))
    return post_order[::-1]


def draw_tensor(ax, t, title, stored=None):
    """Draw a 2-D tensor as a grid; cells where `stored` is False are faded."""
    rows, cols = t.shape
    for i in range(rows):
        for j in range(cols):
            solid = stored is None or stored[i][j]
            ax.add_patch(plt.Rectangle(
                (j, -i), 1, -1, edgecolor="black",
                facecolor="C0" if solid else "white",
                alpha=0.35 if solid else 1.0, linestyle="-" if solid else ":"))
            ax.text(j + 0.5, -i - 0.5, str(t[i, j].item()), ha="center",
                    va="center", color="black" if solid else "gray")
    ax.set_xlim(-0.1, 4.1)
    ax.set_ylim(-3.1, 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def draw_offsets(ax, t, title):
    """Draw a 2-D view, each cell labelled and coloured by memory offset."""
    s0, s1 = t.stride()
    rows, cols = t.shape
    for i in range(rows):
        for j in range(cols):
            offset = i * s0 + j * s1
            colour = plt.cm.viridis(offset / 6)
            ax.add_patch(plt.Rectangle((j, -i), 1, -1, facecolor=colour,
                                       alpha=0.6, edgecolor="black"))
            ax.text(j + 0.5, -i - 0.5, f"{t[i, j].item():g}\n@{offset}",
                    ha="center", va="center", fontsize=9)
    ax.set_xlim(-0.1, 3.1)
    ax.set_ylim(-3.1, 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def draw_graph(output, names=None, ax=None, title=None):
    """Draw the graph recorded for `output`: a box per node, an arrow per edge.

    `names` maps labels to leaf tensors, e.g. {"a": a}, to name their boxes.
    """
    names = names or {}
    ax = ax or plt.subplots(figsize=(5, 4))[1]

    # 1. Nodes in topological order, output first (the book's iterative sort)
    order = topological_order(output.grad_fn)
    edges = [(n, m) for n in order
             for m, _ in n.next_functions if m is not None]

    # 2. Row of a node: one below the lowest node pointing to it
    row = {order[0]: 0}
    for n, m in edges:
        row[m] = max(row.get(m, 0), row[n] + 1)

    # 3. Column: in each row, sort by the mean column of the nodes pointing
    #    in, which avoids most crossing arrows
    def mean_parent_column(m):
        columns = [where[n][0] for n, t in edges if t is m]
        return sum(columns) / max(1, len(columns))

    where = {}
    for r in range(max(row.values()) + 1):
        nodes = [m for m in order if row[m] == r]
        nodes.sort(key=mean_parent_column)
        for k, m in enumerate(nodes):
            where[m] = (k - (len(nodes) - 1) / 2, -r)

    # 4. Boxes: orange for operations, blue for leaves
    boxes = {}
    for node, (x, y) in where.items():
        if hasattr(node, "variable"):
            leaf = [k for k, t in names.items() if t is node.variable]
            text = f"{leaf[0] if leaf else 'leaf'}\nAccumulateGrad"
            colour = "#cfe2f3"
        else:
            text, colour = node.name(), "#fde9c9"
        box = dict(boxstyle="round,pad=0.4", fc=colour, ec="black")
        boxes[node] = ax.text(x, y, text, ha="center", va="center",
                              fontsize=9, bbox=box)

    # 5. Arrows; an input used twice (x * x) gets two, bent apart
    for n in order:
        targets = [m for src, m in edges if src is n]
        for k, m in enumerate(targets):
            twins = [i for i, t in enumerate(targets) if t is m]
            bend = 0.5 * (twins.index(k) - (len(twins) - 1) / 2)
            arrow = dict(arrowstyle="-|>", color="dimgray",
                         patchA=boxes[n].get_bbox_patch(),
                         patchB=boxes[m].get_bbox_patch(),
                         connectionstyle=f"arc3,rad={bend}")
            ax.annotate("", xy=where[m], xytext=where[n], arrowprops=arrow)
    width = max(1 + 2 * abs(x) for x, _ in where.values())
    ax.set_xlim(-width / 2 - 0.3, width / 2 + 0.3)
    ax.set_ylim(min(y for _, y in where.values()) - 0.5, 0.5)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
