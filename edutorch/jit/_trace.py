"""``jit.trace``: run a function once under a ``TorchFunctionMode`` that writes down every op,
then replay the recording on raw arrays, with no Tensors and no autograd in the way.

A trace sees ops, not Python. Whatever Python decided during the example run (an ``if`` on a
tensor's value, a size read from a shape) is frozen into the recording; the tracer warns
(``TracerWarning``) where it can see that happen: a traced tensor's value read as a Python
number or bool, and a size of an input passed to a shape op as a plain integer.
"""
from __future__ import annotations

import operator
import warnings

from ..autograd import no_grad
from ..overrides import TorchFunctionMode
from ..tensor import Tensor
from .graph import Graph, Node, map_nodes

SHAPE_OPS = {"reshape", "view", "expand", "broadcast_to", "repeat", "unflatten", "zeros",
             "ones", "empty", "full", "new_zeros", "new_ones", "new_full", "new_empty",
             "randn", "rand", "arange"}


class TracerWarning(Warning):
    """The trace may not generalise to other inputs (PyTorch's ``torch.jit.TracerWarning``)."""


class _Recorder(TorchFunctionMode):
    """Appends one ``call_function`` node per op call; maps each tensor it has seen to the node
    that produced it."""

    def __init__(self, graph: Graph, attr_names: dict, leaf_modules: tuple) -> None:
        self.graph = graph
        self.attr_names = attr_names          # id(parameter or buffer) -> "fc1.weight"
        self.leaf_modules = leaf_modules
        self.values: dict[int, tuple[Node, Tensor]] = {}  # tensors kept alive: ids stay unique
        self.constants: dict[str, Tensor] = {}
        self.inside_leaf = 0
        self.tagged: list[Tensor] = []
        self.active = True

    # -- the mode ---------------------------------------------------------------------------
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if func.is_backward or self.inside_leaf:
            return out
        node = self.graph.create_node("call_function", func.__name__, func.function,
                                      self.lift(args), self.lift(kwargs))
        self.bind(node, out)
        return out

    # -- tensors <-> nodes ------------------------------------------------------------------
    def lift(self, value):
        """``value`` with each tensor replaced by its node (inputs, earlier ops, attributes)."""
        if isinstance(value, Tensor):
            seen = self.values.get(id(value))
            if seen is not None:
                return seen[0]
            name = self.attr_names.get(id(value))
            if name is None:  # a tensor made outside the trace: kept as a constant
                name = f"_tensor_constant{len(self.constants)}"
                self.constants[name] = value
            node = self.graph.create_node("get_attr", name, name=name)
            self.set_meta(node, value)
            self.values[id(value)] = (node, value)
            return node
        if isinstance(value, (tuple, list)):
            return type(value)(self.lift(v) for v in value)
        if isinstance(value, dict):
            return {k: self.lift(v) for k, v in value.items()}
        return value

    def bind(self, node: Node, out) -> None:
        if isinstance(out, Tensor):
            self.values[id(out)] = (node, out)
            self.set_meta(node, out)
            self.tag(out)
        elif isinstance(out, tuple):
            node.meta["n_outputs"] = len(out)
            for i, o in enumerate(out):
                if isinstance(o, Tensor):
                    item = self.graph.create_node("call_function", "getitem", operator.getitem,
                                                  (node, i), name=f"{node.name}_{i}")
                    self.bind(item, o)

    @staticmethod
    def set_meta(node: Node, t: Tensor) -> None:
        node.meta["shape"] = tuple(t._data.shape)
        node.meta["dtype"] = t._data.dtype

    def tag(self, t: Tensor) -> None:
        """Reading a traced tensor's value in Python (``if t > 0``, ``t.item()``, ``float(t)``)
        freezes the answer into the trace: warn. ``bool``/``float``/``int`` go through
        ``item``, so one per-tensor wrapper sees them all; it is removed after the trace."""
        def item(*args, _item=Tensor.item, _t=t):
            if self.active:
                warnings.warn("Converting a tensor to a Python value (bool, int, float or "
                              "item()) might cause the trace to be incorrect: the trace records "
                              "ops, not Python control flow, so this value is treated as a "
                              "constant and the trace might not generalize to other inputs!",
                              TracerWarning, stacklevel=3)
            return _item(_t, *args)
        t.__dict__["item"] = item
        self.tagged.append(t)

    def untag(self) -> None:
        self.active = False
        for t in self.tagged:
            t.__dict__.pop("item", None)
        self.tagged.clear()


def _module_hooks(recorder: _Recorder, root, leaf_types: tuple) -> list:
    """Leaf modules become one ``call_module`` node each; the ops inside are not recorded."""
    if not leaf_types or root is None:
        return []
    paths = {id(m): name for name, m in root.named_modules()}
    handles = []

    def pre(module, args):
        recorder.inside_leaf += 1

    def post(module, args, output):
        recorder.inside_leaf -= 1
        if recorder.inside_leaf == 0:
            node = recorder.graph.create_node("call_module", paths[id(module)],
                                              args=recorder.lift(args))
            node.meta["module"] = module
            recorder.bind(node, output)

    for m in root.modules():
        if m is not root and isinstance(m, leaf_types):
            handles.append(m.register_forward_pre_hook(pre))
            handles.append(m.register_forward_hook(post))
    return handles


def _warn_baked_shapes(graph: Graph, input_shapes: dict) -> list[str]:
    """Sizes of inputs passed as plain ints to shape ops are constants in the trace."""
    sizes = {s: (name, d) for name, shape in input_shapes.items() for d, s in enumerate(shape)
             if s > 1}
    baked = []
    for node in graph.nodes:
        if node.op != "call_function" or node.target not in SHAPE_OPS:
            continue
        ints = [v for v in _flat(node.args[1:]) + _flat(list(node.kwargs.values()))
                if type(v) is int and v in sizes]
        for v in ints:
            name, d = sizes[v]
            msg = (f"{node.target}() received the integer {v}, which equals size {d} of input "
                   f"'{name}': the trace bakes it in as a constant, so the traced function may "
                   f"be wrong for inputs of another shape")
            warnings.warn(msg, TracerWarning, stacklevel=4)
            baked.append(msg)
    return baked


def _flat(values) -> list:
    out = []
    for v in values:
        if isinstance(v, (tuple, list)):
            out.extend(_flat(v))
        else:
            out.append(v)
    return out


def record(fn, example_inputs: tuple, root=None, leaf_modules: tuple = ()):
    """Run ``fn(*example_inputs)`` once; return (graph, constants, baked-shape messages)."""
    graph = Graph()
    attr_names = {}
    if root is not None:
        attr_names.update({id(p): n for n, p in root.named_parameters()})
        attr_names.update({id(b): n for n, b in root.named_buffers()})
    recorder = _Recorder(graph, attr_names, leaf_modules)
    names = _input_names(fn, len(example_inputs))
    shapes = {}
    for name, x in zip(names, example_inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"jit.trace: example inputs must be Tensors, got "
                            f"{type(x).__name__} for '{name}'")
        node = graph.create_node("placeholder", name, name=name)
        recorder.set_meta(node, x)
        recorder.values[id(x)] = (node, x)
        shapes[name] = tuple(x.shape)
    handles = _module_hooks(recorder, root, leaf_modules)
    try:
        with no_grad(), recorder:
            out = fn(*example_inputs)
    finally:
        for h in handles:
            h.remove()
        recorder.untag()
    result = _lift_output(recorder, out)
    graph.create_node("output", "output", args=(result,))
    baked = _warn_baked_shapes(graph, shapes)
    return graph, recorder.constants, baked, out


def _lift_output(recorder: _Recorder, out):
    if isinstance(out, Tensor):
        if id(out) not in recorder.values:
            raise RuntimeError("jit.trace: the output was not computed by any traced op")
        return recorder.values[id(out)][0]
    if isinstance(out, (tuple, list)):
        return tuple(_lift_output(recorder, o) for o in out)
    raise TypeError(f"jit.trace: only Tensors or tuples of Tensors can be output from traced "
                    f"functions, got {type(out).__name__}")


def _input_names(fn, n: int) -> list[str]:
    import inspect
    try:
        target = fn.forward if hasattr(fn, "forward") and not inspect.isfunction(fn) else fn
        params = [p.name for p in inspect.signature(target).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = params[:n] + [f"input_{i}" for i in range(len(params), n)]
    return [map_nodes(nm, lambda x: x) for nm in names]
