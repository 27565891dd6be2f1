"""Drawing the recorded graph, in the manner of torchviz.

    from edutorch.viz import make_dot
    y = model(x)
    make_dot(y, params=dict(model.named_parameters()))   # shows as SVG in a notebook

``make_dot`` walks ``grad_fn.next_functions`` from the output back to the leaves and returns a
``Digraph``: ``.source`` is Graphviz DOT text (``.save()`` writes it, for those who have
Graphviz), and the notebook shows the SVG that ``edutorch.viz.layout`` draws in pure Python, so
no Graphviz program is needed.
"""
from __future__ import annotations

from .dot import Digraph
from .graph import make_dot

__all__ = ["make_dot", "Digraph"]
