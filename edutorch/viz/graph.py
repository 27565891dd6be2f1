"""``make_dot``: the recorded graph behind a tensor, as boxes and arrows (torchviz's API).

What is drawn, and in which colour (as torchviz draws it):

- the output tensor(s), green, labelled with their shape;
- one grey box per ``grad_fn`` node (``MulBackward0``, ``AccumulateGrad``, ...), found by
  following ``next_functions`` from the output's ``grad_fn``;
- one blue box per leaf tensor, above its ``AccumulateGrad``, named from ``params``;
- with ``show_saved=True``, one orange box per tensor a node saved for backward (dashed line);
- with ``show_attrs=True``, the node's other saved values (dims, scalars) in its label.

Arrows point the way the forward pass ran: from a leaf, through the ops, to the output.
Backward walks them the other way.
"""
from __future__ import annotations

from typing import Mapping

from ..tensor import Tensor
from .dot import Digraph

SAVED_PREFIX = "_saved_"  # how PyTorch names a node's saved values (``_saved_self``)

NODE_ATTR = dict(style="filled", shape="box", align="left", fontsize="10", ranksep="0.1",
                 height="0.2", fontname="monospace")


def size_to_str(size) -> str:
    return "(" + ", ".join(str(int(v)) for v in size) + ")"


def node_name(fn) -> str:
    """``MulBackward0``, ``AccumulateGrad``, ``ExpBackward`` (a custom Function)..."""
    name = getattr(fn, "name", None)
    return name() if callable(name) else type(fn).__name__


def saved_values(fn) -> list[tuple[str, object]]:
    """(name, value) of what ``fn`` saved for backward.

    PyTorch's nodes expose them as ``_saved_self``, ``_saved_other``...; edutorch's nodes as
    ``saved_tensors`` (named ``saved[0]``...). After a backward without ``retain_graph`` they are
    freed: there is nothing left to show.
    """
    found = [(a[len(SAVED_PREFIX):], getattr(fn, a)) for a in dir(fn)
             if a.startswith(SAVED_PREFIX)]
    if found:
        return found
    try:
        saved = fn.saved_tensors
    except (AttributeError, RuntimeError):  # no saved values, or freed by backward
        return []
    return [(f"saved[{i}]", t) for i, t in enumerate(saved) if t is not None]


def simple_attrs(fn) -> list[tuple[str, object]]:
    """The node's own small, non-tensor values (a dim, a Python scalar, a shape)."""
    def simple(v):
        if isinstance(v, (bool, int, float, str)) or v is None:
            return True
        return isinstance(v, tuple) and all(simple(x) for x in v)
    found = [(k, v) for k, v in saved_values(fn) if not isinstance(v, Tensor) and simple(v)]
    for attr, v in getattr(fn, "__dict__", {}).items():  # what an op's forward set on its ctx
        if not attr.startswith("_") and attr != "next_functions" and simple(v) and v is not None:
            found.append((attr, v))
    for cls in type(fn).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for attr in ([slots] if isinstance(slots, str) else slots):
            if attr.startswith("_") or attr in ("next_functions", "variable"):
                continue
            v = getattr(fn, attr, None)
            if simple(v) and v is not None:
                found.append((attr, v))
    return found


def fn_label(fn, show_attrs: bool = False, max_attr_chars: int = 50) -> str:
    """A node's box: its name, and with ``show_attrs`` its small saved values below a rule."""
    name = node_name(fn)
    lines = []
    for attr, v in (simple_attrs(fn) if show_attrs else []):
        text = str(v)
        if len(text) > max_attr_chars:
            text = text[:max_attr_chars - 3] + "..."
        lines.append(f"{attr}: {text}")
    if not lines:
        return name
    rule = "-" * max(len(s) for s in lines + [name])
    return "\n".join([name, rule, *lines])


def saved_tensors_to_draw(fn) -> list[tuple[str, Tensor]]:
    """(label, tensor) for each tensor ``fn`` saved, tuples of tensors unpacked."""
    found = []
    for attr, v in saved_values(fn):
        if isinstance(v, Tensor):
            found.append((attr, v))
        elif isinstance(v, tuple):
            found += [(f"{attr}[{j}]", t) for j, t in enumerate(v) if isinstance(t, Tensor)]
    return found


def make_dot(var, params: Mapping[str, Tensor] | None = None, show_attrs: bool = False,
             show_saved: bool = False, max_attr_chars: int = 50) -> Digraph:
    """The graph that produced ``var`` (a tensor, or a tuple of tensors), as a ``Digraph``.

    ``params`` maps names to leaf tensors (``dict(model.named_parameters())``); a leaf not in it
    is labelled with its shape alone.
    """
    if params is not None and not all(isinstance(p, Tensor) for p in params.values()):
        raise TypeError("make_dot: params must map names to Tensors "
                        "(e.g. dict(model.named_parameters()))")
    param_map = {id(v): k for k, v in (params or {}).items()}
    dot = Digraph(node_attr=NODE_ATTR, graph_attr=dict(size="12,12"))

    # Stable node names, in the order the walk meets objects (``id()`` would change between
    # runs). ``keep`` holds each object so that its id is not reused while we walk.
    names: dict[tuple, str] = {}
    keep: list = []

    def key(obj, *extra) -> str:
        k = (id(obj), *extra)
        if k not in names:
            names[k] = f"n{len(names)}"
            keep.append(obj)
        return names[k]

    def tensor_label(t: Tensor, name: str | None = None) -> str:
        name = param_map.get(id(t), "") if name is None else name
        return f"{name}\n {size_to_str(t.shape)}"

    seen: set[str] = set()
    stack = []

    def visit(fn) -> str:
        """The node's name; a node met for the first time goes on the stack to be drawn."""
        name = key(fn)
        if name not in seen:
            seen.add(name)
            stack.append(fn)
        return name

    for t in (var if isinstance(var, (tuple, list)) else (var,)):  # the outputs, green
        out = key(t)
        if out in dot.nodes:  # the same tensor passed twice
            continue
        dot.node(out, tensor_label(t), fillcolor="darkolivegreen1")
        if t.grad_fn is not None:
            dot.edge(visit(t.grad_fn), out)

    while stack:  # depth-first over grad_fn nodes
        fn = stack.pop()
        name = key(fn)
        dot.node(name, fn_label(fn, show_attrs, max_attr_chars))
        variable = getattr(fn, "variable", None)
        if isinstance(variable, Tensor):  # AccumulateGrad: draw the leaf it fills, blue
            leaf = key(variable)
            dot.node(leaf, tensor_label(variable), fillcolor="lightblue")
            dot.edge(leaf, name)
        for i, (label, t) in enumerate(saved_tensors_to_draw(fn) if show_saved else []):
            s = key(fn, "saved", i)  # one orange box per saved slot
            dot.node(s, tensor_label(t, label), fillcolor="orange")
            dot.edge(s, name, dir="none")
        for child, _ in getattr(fn, "next_functions", ()):
            if child is not None:
                dot.edge(visit(child), name)
    return dot
