"""What ``jit.trace`` returns: a callable that replays the graph on raw arrays.

``recompile()`` turns the graph into one Python function over arrays, one line per node::

    def replay(x):
        fc1_weight = A0._data                # a parameter, read at call time
        t = F1(ctx, fc1_weight)              # F1 is the op's Function.forward
        matmul = F2(ctx, x, t)
        ...
        return relu

No Tensor is made and no graph is recorded until the outputs are wrapped at the end: that
bookkeeping is what eager mode pays on every op, and what the trace saves.
"""
from __future__ import annotations

import operator

from .. import backend
from ..autograd import no_grad
from ..tensor import Tensor
from .graph import Graph, Node


class _ReplayCtx:
    """The ``ctx`` of a replayed forward: saves nothing (there is no backward)."""
    needs_input_grad = ()

    def save_for_backward(self, *values) -> None:
        pass

    mark_non_differentiable = mark_dirty = set_materialize_grads = save_for_backward


def _on_tensors(function):
    """A reader's Function (or a call_module) computes on Tensors: wrap, run, unwrap."""
    def run(ctx, *args, **kwargs):
        with no_grad():
            out = function(*[_wrap(a) for a in args], **kwargs)
        return _unwrap(out)
    return run


def _wrap(a):
    if hasattr(a, "dtype") and hasattr(a, "shape") and not isinstance(a, Tensor):
        return Tensor._wrap(backend.ensure_array(a, backend.xp_of(a)))
    if isinstance(a, (tuple, list)):
        return type(a)(_wrap(v) for v in a)
    return a


def _unwrap(out):
    if isinstance(out, Tensor):
        return out._data
    if isinstance(out, tuple):
        return tuple(_unwrap(o) for o in out)
    return out


class _Source:
    """How ``compile_graph`` writes values into the replay's source: a node by its name, a
    literal (None, bool, number, str, or a tuple/list of those) as itself, and anything else
    (an array, a Function's forward, a kwargs dict) as a global ``L<k>`` of the replay."""

    def __init__(self) -> None:
        self.env: dict = {"ctx": _ReplayCtx()}  # the replay's globals
        self.count = 0

    def const(self, value) -> str:
        self.count += 1
        self.env[f"L{self.count}"] = value
        return f"L{self.count}"

    def code(self, value) -> str:
        if isinstance(value, Node):
            return value.name
        if isinstance(value, (tuple, list)):
            inner = ", ".join(self.code(v) for v in value)
            if isinstance(value, list):
                return f"[{inner}]"
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if value is None or isinstance(value, (bool, int, float, str)):
            return repr(value)
        return self.const(value)

    def call(self, n: Node) -> str:
        """The line of a call_function / call_module node: ``name = L<k>(ctx, args...)``."""
        if n.function is operator.getitem:
            return f"{n.name} = {self.code(n.args[0])}[{n.args[1]!r}]"
        if n.op == "call_module":
            fn = _on_tensors(n.meta["module"])
        elif getattr(n.function, "_on_arrays", False):
            fn = n.function.forward
        else:
            fn = _on_tensors(n.function.apply)
        f = self.const(fn)
        args = [self.code(a) for a in n.args]
        if n.kwargs:
            args.append(f"**{self.const(dict(n.kwargs))}")
            if any(isinstance(v, Node) for v in n.kwargs.values()):
                args[-1] = "**{" + ", ".join(f"{k!r}: {self.code(v)}"
                                             for k, v in n.kwargs.items()) + "}"
        return f"{n.name} = {f}(ctx, {', '.join(args)})"


def compile_graph(graph: Graph, attrs) -> callable:
    """One Python function over arrays for ``graph``; ``attrs(target)`` gives a get_attr's
    tensor (a live parameter) or array (a constant folded by a pass)."""
    source = _Source()
    lines = []
    placeholders = [n.name for n in graph.nodes if n.op == "placeholder"]
    for n in graph.nodes:
        if n.op == "get_attr":
            value = attrs(n.target)
            name = source.const(value)
            lines.append(f"{n.name} = {name}._data" if isinstance(value, Tensor)
                         else f"{n.name} = {name}")
        elif n.op in ("call_function", "call_module"):
            lines.append(source.call(n))
        elif n.op == "output":
            lines.append(f"return {source.code(n.args[0])}")
    src = f"def replay({', '.join(placeholders)}):\n" + "".join(f"    {ln}\n" for ln in lines)
    env = source.env
    exec(compile(src, "<edutorch.jit replay>", "exec"), env)  # noqa: S102 - our own codegen
    replay = env["replay"]
    replay.source = src
    return replay


class ScriptFunction:
    """A traced function: ``.graph``, ``.code``, and a call that replays on arrays."""

    def __init__(self, graph: Graph, constants: dict, example_shapes: list, baked: list,
                 root=None, name: str = "forward") -> None:
        self.graph = graph
        self.constants = constants    # name -> Tensor or array (made outside, or folded)
        self._root = root
        self._example_shapes = example_shapes
        self._baked = baked
        self.__name__ = name
        self.recompile()

    def _attr(self, target: str):
        if target in self.constants:
            return self.constants[target]
        obj = self._root
        for part in target.split("."):
            obj = getattr(obj, part)
        return obj

    def recompile(self) -> None:
        """Regenerate the replay function after a pass changed the graph."""
        self._replay = compile_graph(self.graph, self._attr)

    @property
    def code(self) -> str:
        return self.graph.python_code()

    def __call__(self, *inputs):
        arrays = []
        for i, x in enumerate(inputs):
            if not isinstance(x, Tensor):
                raise TypeError(f"{self.__name__}: input {i} must be a Tensor, got "
                                f"{type(x).__name__}")
            if self._baked and tuple(x._data.shape) != self._example_shapes[i]:
                raise RuntimeError(
                    f"{self.__name__}: traced with input {i} of shape "
                    f"{list(self._example_shapes[i])}, called with {list(x.shape)}; the trace "
                    f"baked in sizes of the example ({self._baked[0]}). Trace again with an "
                    f"input of this shape.")
            arrays.append(x._data)
        if len(arrays) != len(self._example_shapes):
            raise TypeError(f"{self.__name__}: expected {len(self._example_shapes)} inputs, "
                            f"got {len(arrays)}")
        return _to_tensors(self._replay(*arrays))


class TracedModule(ScriptFunction):
    """A traced ``nn.Module``: parameters are read from the module at every call, so training
    the module changes the traced one too (until a pass folds them into constants)."""

    def __init__(self, module, *args, **kwargs) -> None:
        super().__init__(*args, root=module, name=type(module).__name__, **kwargs)
        self.module = module

    def forward(self, *inputs):
        return self(*inputs)

    def __repr__(self) -> str:
        return f"TracedModule[{type(self.module).__name__}]"


def _to_tensors(out):
    if isinstance(out, tuple):
        return tuple(_to_tensors(o) for o in out)
    return Tensor._wrap(backend.ensure_array(out, backend.xp_of(out)))
