"""Drawing a ``Digraph`` as SVG without Graphviz: a small layered ("Sugiyama") layout.

1. **Layers.** Each node goes one layer below the lowest of its predecessors (longest path from
   the sources); then nodes with few inputs move down to just above their first consumer, so
   that a parameter sits next to the op that uses it.
2. **Dummy nodes.** An edge spanning several layers gets an invisible point in every layer it
   crosses, so that the next steps treat all edges as one layer long.
3. **Order within a layer.** Sweeps down and up the layers, sorting each layer by the mean
   position of its neighbours in the layer just fixed (the barycentre heuristic); the order with
   the fewest edge crossings wins.
4. **Coordinates.** Each node is pulled towards the mean x of its neighbours, then the layer is
   pushed apart again so that boxes keep their order and do not overlap.

Edges are drawn as smooth curves through their dummy points; the arrow points at the consumer.
"""
from __future__ import annotations

import hashlib
from html import escape

FONT_SIZE = 12
CHAR_W = 7.2          # width of one monospace character at FONT_SIZE, in px
LINE_H = 15           # height of one line of text
PAD_X, PAD_Y = 8, 5   # padding inside a box
GAP_X, GAP_Y = 18, 36  # between boxes in a layer, between layers
MARGIN = 8

COLOURS = {  # Graphviz/X11 names used by make_dot, as SVG colours
    "darkolivegreen1": "#caff70", "darkolivegreen3": "#a2cd5a", "lightblue": "#add8e6",
    "orange": "#ffa500", "lightgrey": "#d3d3d3",
}


def box_size(label: str) -> tuple[float, float]:
    lines = label.split("\n")
    return (max(len(s) for s in lines) * CHAR_W + 2 * PAD_X, len(lines) * LINE_H + 2 * PAD_Y)


def assign_layers(names: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Layer of every node: edges always point to a lower layer (a larger number)."""
    preds = {n: [] for n in names}
    succs = {n: [] for n in names}
    for t, h in edges:
        preds[h].append(t)
        succs[t].append(h)
    layer: dict[str, int] = {}
    # longest path from the sources, in topological order (Kahn's algorithm)
    waiting = {n: len(preds[n]) for n in names}
    ready = [n for n in names if waiting[n] == 0]
    while ready:
        n = ready.pop(0)
        layer[n] = max((layer[p] + 1 for p in preds[n]), default=0)
        for s in succs[n]:
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    if len(layer) != len(names):
        raise ValueError("layout: the graph has a cycle; only directed acyclic graphs are drawn")
    # pull nodes down next to their consumers (a leaf just above the op that uses it), last
    # nodes first, when that shortens at least as many edges as it stretches
    for n in sorted(names, key=layer.get, reverse=True):
        if succs[n] and len(preds[n]) <= len(succs[n]):
            layer[n] = min(layer[s] for s in succs[n]) - 1
    return layer


def _crossings(layers: list[list[str]], down: dict[str, list[str]]) -> int:
    """Edge crossings between consecutive layers (pairs of edges whose ends swap order)."""
    total = 0
    for upper, lower in zip(layers, layers[1:]):
        pos = {n: i for i, n in enumerate(lower)}
        ends = [(i, pos[h]) for i, t in enumerate(upper) for h in down[t] if h in pos]
        for a in range(len(ends)):
            for b in range(a + 1, len(ends)):
                (t1, h1), (t2, h2) = ends[a], ends[b]
                if (t1 - t2) * (h1 - h2) < 0:
                    total += 1
    return total


def _order(layers: list[list[str]], up: dict, down: dict, sweeps: int = 8) -> list[list[str]]:
    """Reorder each layer by the barycentre of its neighbours; keep the best order seen."""
    best, best_cross = [list(l) for l in layers], _crossings(layers, down)
    for sweep in range(sweeps):
        going_down = sweep % 2 == 0
        rng = range(1, len(layers)) if going_down else range(len(layers) - 2, -1, -1)
        for i in rng:
            fixed = layers[i - 1] if going_down else layers[i + 1]
            layers[i] = _by_barycentre(layers[i], fixed, up if going_down else down)
        cross = _crossings(layers, down)
        if cross < best_cross:
            best, best_cross = [list(l) for l in layers], cross
    return best


def _by_barycentre(row: list[str], fixed: list[str], nbrs: dict) -> list[str]:
    """``row`` sorted by the mean position of each node's neighbours in the ``fixed`` layer
    (a node without neighbours there keeps its place)."""
    pos = {n: k for k, n in enumerate(fixed)}

    def centre(item):
        k, n = item
        ps = [pos[m] for m in nbrs[n] if m in pos]
        return (sum(ps) / len(ps) if ps else k, k)
    return [n for _, n in sorted(enumerate(row), key=centre)]


def _spread(wanted: list[float], widths: list[float]) -> list[float]:
    """Centres as close to ``wanted`` as the order and the boxes' widths allow: the mean of a
    left-to-right packing and a right-to-left one (both keep every gap, so their mean does)."""
    n = len(wanted)
    right = list(wanted)
    for i in range(1, n):
        right[i] = max(right[i], right[i - 1] + (widths[i - 1] + widths[i]) / 2 + GAP_X)
    left = list(wanted)
    for i in range(n - 2, -1, -1):
        left[i] = min(left[i], left[i + 1] - (widths[i] + widths[i + 1]) / 2 - GAP_X)
    return [(a + b) / 2 for a, b in zip(left, right)]


def _chains(names, edges, layer: dict, size: dict):
    """Dummy points on long edges: each edge becomes a chain of one-layer steps. Adds the
    dummies to ``layer`` and ``size``; returns (up, down) neighbour lists and the chains."""
    up = {n: [] for n in names}
    down = {n: [] for n in names}
    chains = []
    for k, (t, h) in enumerate(edges):
        chain = [t]
        for j in range(layer[t] + 1, layer[h]):
            d = f"\0{k}.{j}"
            layer[d], size[d] = j, (0.0, 0.0)
            up[d], down[d] = [], []
            chain.append(d)
        chain.append(h)
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
        chains.append(chain)
    return up, down, chains


def layout(graph) -> dict:
    """Positions for a ``Digraph``: {"nodes": {name: (cx, cy, w, h)}, "edges": [points...],
    "size": (width, height)}."""
    names = list(graph.nodes)
    edges = [(t, h) for t, h, _ in graph.edges if t != h]
    layer = assign_layers(names, edges)
    size = {n: box_size(graph.nodes[n][0]) for n in names}

    up, down, chains = _chains(names, edges, layer, size)

    top = min(layer.values(), default=0)
    layers: list[list[str]] = [[] for _ in range(max(layer.values(), default=0) - top + 1)]
    for n in layer:  # insertion order: the order make_dot met the nodes
        layers[layer[n] - top].append(n)
    layers = _order(layers, up, down)

    x = {}
    for row in layers:
        pos = 0.0
        for n in row:
            x[n] = pos + size[n][0] / 2
            pos += size[n][0] + GAP_X
    for sweep in range(12):
        rows = layers if sweep % 2 == 0 else layers[::-1]
        for row in rows:
            wanted = []
            for n in row:
                nb = up[n] + down[n]
                wanted.append(sum(x[m] for m in nb) / len(nb) if nb else x[n])
            for n, v in zip(row, _spread(wanted, [size[m][0] for m in row])):
                x[n] = v

    left = min((x[n] - size[n][0] / 2 for n in x), default=0.0)
    y, cy = {}, MARGIN
    for row in layers:
        h = max((size[n][1] for n in row), default=0.0)
        for n in row:
            y[n] = cy + h / 2
        cy += h + GAP_Y
    nodes = {n: (x[n] - left + MARGIN, y[n], *size[n]) for n in names}
    width = max((cx + w / 2 for cx, _, w, _ in nodes.values()), default=0.0) + MARGIN
    width = max([width] + [x[n] - left + 2 * MARGIN for n in x])
    height = cy - GAP_Y + MARGIN if layers else 2 * MARGIN

    paths = []
    for chain in chains:
        pts = []
        for i, n in enumerate(chain):
            px = x[n] - left + MARGIN
            if i == 0:
                pts.append((px, y[n] + size[n][1] / 2))
            elif i == len(chain) - 1:
                pts.append((px, y[n] - size[n][1] / 2))
            else:
                pts.append((px, y[n]))
        paths.append(pts)
    return {"nodes": nodes, "edges": paths, "size": (width, height)}


def _path_d(points: list[tuple[float, float]]) -> str:
    """An SVG path through ``points`` with vertical tangents at each point (smooth S-bends)."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M{x0:.1f},{y0:.1f}"]
    px, py = x0, y0
    for qx, qy in rest:
        my = (py + qy) / 2
        d.append(f"C{px:.1f},{my:.1f} {qx:.1f},{my:.1f} {qx:.1f},{qy:.1f}")
        px, py = qx, qy
    return " ".join(d)


def to_svg(graph) -> str:
    """SVG text of ``graph``: boxes with their labels, curved edges, arrow heads."""
    pos = layout(graph)
    width, height = pos["size"]
    # ids unique to this drawing, so two graphs on one page keep their own arrow heads
    uid = "g" + hashlib.sha1(graph.source.encode()).hexdigest()[:8]
    default_fill = graph.node_attr.get("fillcolor", "lightgrey")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}pt" '
           f'height="{height:.0f}pt" viewBox="0 0 {width:.1f} {height:.1f}" '
           f'font-family="monospace" font-size="{FONT_SIZE}">',
           f'<defs><marker id="{uid}-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
           f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
           f'<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>']
    for (tail, head, attrs), pts in zip([e for e in graph.edges if e[0] != e[1]], pos["edges"]):
        dashed = ' stroke-dasharray="4,3"' if attrs.get("style") in ("dashed", "dotted") \
            or attrs.get("dir") == "none" else ""
        arrow = "" if attrs.get("dir") == "none" else f' marker-end="url(#{uid}-arrow)"'
        out.append(f'<path class="edge" d="{_path_d(pts)}" fill="none" stroke="#333"'
                   f'{dashed}{arrow}><title>{escape(tail)}-&gt;{escape(head)}</title></path>')
    for name, (label, attrs) in graph.nodes.items():
        cx, cy, w, h = pos["nodes"][name]
        fill = attrs.get("fillcolor", default_fill)
        fill = COLOURS.get(fill, fill)
        out.append(f'<g class="node"><title>{escape(name)}</title>'
                   f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" '
                   f'height="{h:.1f}" rx="4" fill="{escape(fill)}" stroke="#333"/>')
        lines = label.split("\n")
        y0 = cy - (len(lines) - 1) * LINE_H / 2
        for i, line in enumerate(lines):
            out.append(f'<text x="{cx:.1f}" y="{y0 + i * LINE_H:.1f}" text-anchor="middle" '
                       f'dominant-baseline="central" xml:space="preserve">{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
