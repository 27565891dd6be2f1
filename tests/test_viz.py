"""edutorch.viz.make_dot: the graph it draws (nodes, leaves, edges), its DOT text and its SVG."""
from __future__ import annotations

import collections
import xml.etree.ElementTree as ET

import pytest

import edutorch
from edutorch import nn
from edutorch.viz import Digraph, make_dot
from edutorch.viz.layout import assign_layers, layout

SVG = "{http://www.w3.org/2000/svg}"


def fn_names(dot: Digraph) -> collections.Counter:
    """How many boxes of each grad_fn kind (labels' first lines, tensors excluded)."""
    return collections.Counter(label.split("\n")[0] for label, attrs in dot.nodes.values()
                               if "fillcolor" not in attrs)


def torch_fn_names(out) -> collections.Counter:
    """The same count, walking PyTorch's graph."""
    seen, stack = set(), [out.grad_fn]
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        stack.extend(c for c, _ in fn.next_functions if c is not None)
    return collections.Counter(type(fn).__name__ for fn in seen)


def expression(lib, a, b):
    return ((a * b).exp() + a).sum()


def test_nodes_match_pytorchs_graph(torch):
    a, b = edutorch.randn(3, requires_grad=True), edutorch.randn(3, requires_grad=True)
    ta, tb = (torch.tensor(t.tolist(), requires_grad=True) for t in (a, b))
    dot = make_dot(expression(edutorch, a, b), params={"a": a, "b": b})
    assert fn_names(dot) == torch_fn_names(expression(torch, ta, tb))


def test_leaves_named_from_params_and_shared_nodes_drawn_once():
    a, b = edutorch.randn(3, requires_grad=True), edutorch.randn(2, 3, requires_grad=True)
    dot = make_dot(expression(edutorch, a, b), params={"a": a, "b": b})
    labels = [label for label, _ in dot.nodes.values()]
    assert "a\n (3)" in labels and "b\n (2, 3)" in labels
    # ``a`` feeds two ops: one AccumulateGrad, with two edges out of it
    names = fn_names(dot)
    assert names["AccumulateGrad"] == 2
    leaf_a = next(n for n, (lab, _) in dot.nodes.items() if lab.startswith("a\n"))
    acc_a = next(h for t, h, _ in dot.edges if t == leaf_a)
    assert dot.nodes[acc_a][0] == "AccumulateGrad"
    assert sum(1 for t, _, _ in dot.edges if t == acc_a) == 2
    # every edge joins two drawn nodes
    assert all(t in dot.nodes and h in dot.nodes for t, h, _ in dot.edges)
    # the output is green, leaves blue
    colours = collections.Counter(attrs.get("fillcolor") for _, attrs in dot.nodes.values())
    assert colours["darkolivegreen1"] == 1 and colours["lightblue"] == 2


def test_module_parameters_and_saved_tensors():
    edutorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    y = model(edutorch.randn(5, 3)).sum()
    plain = make_dot(y, params=dict(model.named_parameters()))
    labels = {label.split("\n")[0] for label, _ in plain.nodes.values()}
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= labels
    saved = make_dot(y, params=dict(model.named_parameters()), show_saved=True)
    orange = [label for label, attrs in saved.nodes.values() if attrs.get("fillcolor") == "orange"]
    assert orange, "show_saved draws the tensors kept for backward"
    assert all("(" in label for label in orange)  # with their shapes
    dashed = [e for e in saved.edges if e[2].get("dir") == "none"]
    assert len(dashed) == len(orange)
    assert len(saved.nodes) == len(plain.nodes) + len(orange)


def test_show_attrs_adds_the_nodes_small_values():
    x = edutorch.randn(2, 3, requires_grad=True)
    y = x.sum(dim=1)
    plain = {lab for lab, _ in make_dot(y).nodes.values()}
    with_attrs = {lab for lab, _ in make_dot(y, show_attrs=True).nodes.values()}
    assert plain != with_attrs
    assert any(lab.startswith("Sum") and "\n-" in lab for lab in with_attrs)


def test_several_outputs_and_a_tensor_without_graph():
    x = edutorch.randn(3, requires_grad=True)
    dot = make_dot((x * 2, x.exp()))
    green = [a for _, a in dot.nodes.values() if a.get("fillcolor") == "darkolivegreen1"]
    assert len(green) == 2 and fn_names(dot)["AccumulateGrad"] == 1
    lone = make_dot(edutorch.ones(2))
    assert len(lone.nodes) == 1 and not lone.edges


def test_params_must_be_tensors():
    x = edutorch.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match="make_dot: params must map names to Tensors"):
        make_dot(x.sum(), params={"x": [1.0]})


def test_dot_source_and_save(tmp_path):
    x = edutorch.randn(3, requires_grad=True)
    dot = make_dot((x * x).sum(), params={'x "quoted"': x})
    src = dot.source
    assert src.startswith("digraph {") and src.rstrip().endswith("}")
    assert src.count("->") == len(dot.edges)
    assert '\\"quoted\\"' in src  # DOT string escaping
    path = dot.save("graph.gv", directory=str(tmp_path))
    assert (tmp_path / "graph.gv").read_text() == src and path.endswith("graph.gv")
    assert not list(tmp_path.glob("*.tmp*"))


def test_svg_is_valid_xml_with_every_label_and_no_overlaps():
    edutorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(),
                          nn.Linear(4, 1))
    dot = make_dot(model(edutorch.randn(2, 3)).mean(), params=dict(model.named_parameters()),
                   show_saved=True)
    root = ET.fromstring(dot._repr_svg_())
    texts = [t.text for t in root.iter(SVG + "text")]
    for label, _ in dot.nodes.values():
        for line in label.split("\n"):
            assert (line or None) in texts  # an empty line is an empty <text>
    assert len(list(root.iter(SVG + "rect"))) == len(dot.nodes)
    assert sum(1 for p in root.iter(SVG + "path") if p.get("class") == "edge") == len(dot.edges)
    assert "<svg" in dot._repr_html_()
    # boxes in one layer never overlap; every edge points downwards
    pos = layout(dot)["nodes"]
    boxes = sorted(pos.values(), key=lambda b: (b[1], b[0]))
    for (x1, y1, w1, _), (x2, y2, w2, _) in zip(boxes, boxes[1:]):
        if y1 == y2:
            assert x1 + w1 / 2 < x2 - w2 / 2
    for t, h, _ in dot.edges:
        assert pos[t][1] < pos[h][1]


def test_layers_respect_edges_and_refuse_cycles():
    names = ["a", "b", "c", "d"]
    layer = assign_layers(names, [("a", "b"), ("b", "c"), ("d", "c")])
    assert layer["a"] < layer["b"] < layer["c"] and layer["d"] == layer["c"] - 1
    with pytest.raises(ValueError, match="cycle"):
        assign_layers(["a", "b"], [("a", "b"), ("b", "a")])


def test_drawing_is_deterministic():
    def draw():
        edutorch.manual_seed(0)
        m = nn.Linear(2, 2)
        return make_dot(m(edutorch.randn(1, 2)).sum(), params=dict(m.named_parameters())).svg()
    assert draw() == draw()
