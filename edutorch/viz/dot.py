"""``Digraph``: a directed graph of labelled boxes, as Graphviz DOT text and as SVG.

It keeps the small part of the ``graphviz`` package's ``Digraph`` that ``make_dot`` needs
(``node``, ``edge``, ``source``, ``save``). A notebook shows it through ``_repr_svg_`` /
``_repr_html_``, drawn by ``edutorch.viz.layout`` in pure Python: nothing has to be installed
besides edutorch. Those who have Graphviz can still run ``dot -Tpdf`` on ``save()``'s file.
"""
from __future__ import annotations

import os


def _quote(text: str) -> str:
    """A DOT string literal: double quotes, with quotes, backslashes and newlines escaped."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _attr_list(attrs: dict) -> str:
    if not attrs:
        return ""
    return " [" + " ".join(f"{k}={_quote(str(v))}" for k, v in attrs.items()) + "]"


class Digraph:
    """Nodes (a name, a label, attributes such as ``fillcolor``) and directed edges."""

    def __init__(self, name: str | None = None, node_attr: dict | None = None,
                 graph_attr: dict | None = None) -> None:
        self.name = name
        self.node_attr = dict(node_attr or {})
        self.graph_attr = dict(graph_attr or {})
        self.nodes: dict[str, tuple[str, dict]] = {}   # name -> (label, attributes)
        self.edges: list[tuple[str, str, dict]] = []   # (tail, head, attributes)

    def node(self, name: str, label: str | None = None, **attrs) -> None:
        """Add node ``name`` (or update its label and attributes)."""
        self.nodes[name] = (name if label is None else label, attrs)

    def edge(self, tail: str, head: str, **attrs) -> None:
        """Add an edge ``tail -> head`` (``dir="none"`` draws it without an arrow head)."""
        self.edges.append((tail, head, attrs))

    # -- DOT text ------------------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The graph as Graphviz DOT text."""
        lines = [f"digraph {_quote(self.name)} {{" if self.name else "digraph {"]
        if self.graph_attr:
            lines.append(f"\tgraph{_attr_list(self.graph_attr)}")
        if self.node_attr:
            lines.append(f"\tnode{_attr_list(self.node_attr)}")
        for name, (label, attrs) in self.nodes.items():
            lines.append(f"\t{_quote(name)}{_attr_list(dict(label=label, **attrs))}")
        for tail, head, attrs in self.edges:
            lines.append(f"\t{_quote(tail)} -> {_quote(head)}{_attr_list(attrs)}")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.source

    def save(self, filename: str | None = None, directory: str | None = None) -> str:
        """Write the DOT text to ``filename`` (default ``Digraph.gv``); return the path.

        The file is written whole or not at all (a temporary file renamed into place)."""
        filename = filename or f"{self.name or 'Digraph'}.gv"
        path = os.path.join(directory, filename) if directory else filename
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self.source)
        os.replace(tmp, path)
        return path

    # -- SVG -----------------------------------------------------------------------------------
    def svg(self) -> str:
        """The graph drawn as SVG text (layered top to bottom, see ``edutorch.viz.layout``)."""
        from .layout import to_svg
        return to_svg(self)

    def save_svg(self, path: str) -> str:
        """Write ``svg()`` to ``path``; return the path."""
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self.svg())
        os.replace(tmp, path)
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        # inline SVG, so the built book shows the drawing itself (its text is searchable)
        return f'<div class="edutorch-graph" style="overflow-x:auto">{self.svg()}</div>'

    def __repr__(self) -> str:
        return f"<Digraph: {len(self.nodes)} nodes, {len(self.edges)} edges>"
