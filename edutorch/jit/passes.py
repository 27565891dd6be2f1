"""Graph passes: each takes a traced graph and rewrites it in place, returning how many nodes
it changed. ``optimize_for_inference`` runs them in order."""
from __future__ import annotations

import inspect

from .. import backend
from ._script import _ReplayCtx
from .graph import Graph, Node

RANDOM_OPS = {"rand", "randn", "randint", "normal", "bernoulli", "dropout", "multinomial",
              "rand_like", "randn_like", "uniform_", "normal_"}


def _mutates(node: Node) -> bool:
    return str(node.target).endswith("_") and not str(node.target).startswith("_")


# -- dead code elimination ------------------------------------------------------------------------

def eliminate_dead_code(graph: Graph) -> int:
    """Remove nodes whose value nobody uses (last to first, so chains of them go at once).
    Ops that modify a tensor in place are kept: their effect is not their value."""
    removed = 0
    for node in reversed(list(graph.nodes)):
        if node.op in ("call_function", "call_module", "get_attr") and not node.users \
                and not _mutates(node):
            graph.erase_node(node)
            removed += 1
    return removed


# -- constant folding ----------------------------------------------------------------------------

def constant_fold(graph: Graph, traced) -> int:
    """Compute once, now, every op whose inputs are all constants (parameters included: after
    this pass the graph no longer follows changes to them); the result becomes a constant."""
    folded = 0
    for node in list(graph.nodes):
        if node.op != "call_function" or node.target in RANDOM_OPS or _mutates(node) \
                or not getattr(node.function, "_on_arrays", False):
            continue
        inputs = node.all_input_nodes
        if not inputs or any(n.op != "get_attr" for n in inputs):
            continue
        values = {n: _array(traced._attr(n.target)) for n in inputs}
        from .graph import map_nodes
        args = map_nodes(node.args, values.__getitem__)
        kwargs = map_nodes(node.kwargs, values.__getitem__)
        out = node.function.forward(_ReplayCtx(), *args, **kwargs)
        if isinstance(out, tuple):
            continue
        name = f"_folded_{node.name}"
        traced.constants[name] = backend.ensure_array(out, backend.xp_of(out))
        const = graph.create_node("get_attr", name, name=name, before=node)
        const.meta.update(node.meta)
        node.replace_all_uses_with(const)
        graph.erase_node(node)
        folded += 1
    eliminate_dead_code(graph)
    return folded


def _array(value):
    return value._data if hasattr(value, "_data") else value


# -- Conv2d + BatchNorm folding ------------------------------------------------------------------

def _conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    pass


def _batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
                momentum=0.1, eps=1e-05):
    pass


CONV_SIG, BN_SIG = inspect.signature(_conv2d), inspect.signature(_batch_norm)


def fold_conv_bn(graph: Graph, traced) -> int:
    """Replace conv2d -> batch_norm (inference) by one conv2d with folded weights. Works on
    ``call_module`` pairs (Conv2d, BatchNorm2d kept as leaf modules) and on ``call_function``
    pairs (``conv2d`` then ``batch_norm`` ops)."""
    from ..nn import BatchNorm2d, Conv2d
    from ..nn.utils.fusion import fuse_conv_bn_eval, fuse_conv_bn_weights
    folded = 0
    for bn in list(graph.nodes):
        src = bn.args[0] if bn.args else None
        if not isinstance(src, Node) or len(src.users) != 1:
            continue
        if bn.op == "call_module" and src.op == "call_module" \
                and isinstance(bn.meta["module"], BatchNorm2d) \
                and isinstance(src.meta["module"], Conv2d) and not bn.meta["module"].training:
            src.meta["module"] = fuse_conv_bn_eval(src.meta["module"], bn.meta["module"])
        elif bn.op == "call_function" and bn.target == "batch_norm" \
                and src.op == "call_function" and src.target == "conv2d":
            b = BN_SIG.bind(*bn.args, **bn.kwargs).arguments
            c = CONV_SIG.bind(*src.args, **src.kwargs).arguments
            consts = [c["weight"], c.get("bias"), b["running_mean"], b["running_var"],
                      b.get("weight"), b.get("bias")]
            if b.get("training", False) or any(isinstance(v, Node) and v.op != "get_attr"
                                                for v in consts):
                continue
            t = [None if v is None else _tensor(traced._attr(v.target)) for v in consts]
            w, bias = fuse_conv_bn_weights(t[0], t[1], t[2], t[3], b.get("eps", 1e-5), t[4],
                                           t[5])
            nodes = []
            for what, value in (("weight", w), ("bias", bias)):
                name = f"_folded_{src.name}_{what}"
                traced.constants[name] = value._data
                nodes.append(graph.create_node("get_attr", name, name=name, before=src))
            src.args = (c["input"], nodes[0], nodes[1]) + tuple(src.args[3:])
            src.kwargs = {k: v for k, v in src.kwargs.items() if k not in ("weight", "bias")}
        else:
            continue
        bn.replace_all_uses_with(src)
        graph.erase_node(bn)
        folded += 1
    eliminate_dead_code(graph)
    return folded


def _tensor(value):
    from ..tensor import Tensor
    return value if isinstance(value, Tensor) else Tensor._wrap(value)


# -- elementwise fusion --------------------------------------------------------------------------

# op name -> the array-library ufunc that computes it with ``out=`` (all of NumPy's and CuPy's
# ufuncs accept an output array, which may be one of the inputs: in place)
POINTWISE = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide",
             "neg": "negative", "exp": "exp", "log": "log", "tanh": "tanh", "sqrt": "sqrt",
             "abs": "absolute", "sin": "sin", "cos": "cos", "maximum": "maximum",
             "minimum": "minimum", "relu": None}


def _pointwise(node: Node) -> bool:
    if node.op != "call_function" or node.target not in POINTWISE or "shape" not in node.meta:
        return False
    if node.target == "add" and node.kwargs.get("alpha", 1) != 1 or \
            node.target == "div" and node.kwargs.get("rounding_mode") is not None:
        return False
    return not any(k not in ("alpha",) for k in node.kwargs)


# ops whose output is always a new array, safe to overwrite once nothing else reads it
FRESH_PRODUCERS = {"linear", "matmul", "mm", "bmm", "addmm", "conv1d", "conv2d", "conv3d",
                   *(k for k in POINTWISE)}


class FusedElementwise:
    """A chain of pointwise ops computed in one buffer: the first op writes it, each next op
    updates it in place. One allocation (kept between calls) instead of one per op."""
    _on_arrays = True

    def __init__(self, steps: list, shape: tuple, dtype, fresh: bool,
                 in_place: bool = False) -> None:
        self.steps = steps        # [(op name, operands)]; an operand "buf" is the running value
        self.shape, self.dtype = shape, dtype
        self.fresh = fresh        # the result leaves the graph: a new array every call
        self.in_place = in_place  # input 0 is a temporary nobody else reads: use it as buffer
        self._buffer = None
        self.__name__ = "fused_" + "_".join(s[0] for s in steps)

    def forward(self, ctx, *inputs):
        xp = backend.xp_of(inputs[0])
        if self.in_place:
            buf = inputs[0]
        else:
            buf = self._buffer
            if self.fresh or buf is None or type(buf) is not type(inputs[0]):
                buf = xp.empty(self.shape, self.dtype)
                if not self.fresh:
                    self._buffer = buf
        first = not self.in_place
        for name, operands in self.steps:
            vals = [buf if o == "buf" else inputs[o[1]] if isinstance(o, tuple) else o
                    for o in operands]
            if first:  # the first op reads the inputs and fills the buffer
                vals = [inputs[0] if o == "buf" else v for o, v in zip(operands, vals)]
                first = False
            if name == "relu":
                xp.maximum(vals[0], 0, out=buf)
            else:
                getattr(xp, POINTWISE[name])(*vals, out=buf)
        return buf


def _operand(a, running: Node | None, inputs: list):
    """How a fused step reads argument ``a``: ``"buf"`` (the value the chain has computed so
    far), ``("in", i)`` (the chain's input ``i``, appended to ``inputs`` when first seen), or
    ``a`` itself (a constant)."""
    if a is running:
        return "buf"
    if isinstance(a, Node):
        if a not in inputs:
            inputs.append(a)
        return ("in", inputs.index(a))
    return a


def _chain_steps(chain: list, start: Node | None) -> tuple[list, list]:
    """The ``(op name, operands)`` steps a ``FusedElementwise`` runs for ``chain``, and the
    nodes it reads. The head's first tensor operand ``start`` is input 0: the buffer's first
    value."""
    head = chain[0]
    inputs: list = [start]
    steps = [(head.target, tuple("buf" if a is start else _operand(a, None, inputs)
                                 for a in head.args))]
    for prev, node in zip(chain, chain[1:]):
        steps.append((node.target, tuple(_operand(a, prev, inputs) for a in node.args)))
    return steps, inputs


def fuse_elementwise(graph: Graph) -> int:
    """Merge each maximal chain of pointwise ops (each feeding only the next, same shape and
    dtype) into one ``FusedElementwise`` node."""
    chains = []
    in_chain: dict[Node, list] = {}
    for node in graph.nodes:
        if not _pointwise(node):
            continue
        prev = [a for a in node.args if isinstance(a, Node) and a in in_chain
                and in_chain[a][-1] is a and len(a.users) == 1
                and a.meta["shape"] == node.meta["shape"]
                and a.meta["dtype"] == node.meta["dtype"]]
        chain = in_chain[prev[0]] if prev else None
        if chain is None:
            chain = [node]
            chains.append(chain)
        else:
            chain.append(node)
        in_chain[node] = chain
    fused = 0
    out_users = set(graph.output_node.all_input_nodes)
    for chain in chains:
        head = chain[0]
        start = next((a for a in head.args if isinstance(a, Node)), None)
        # a temporary made by a matmul-like op or a pointwise op, read only by this chain,
        # can itself be the buffer: then even one op is worth fusing (no allocation)
        in_place = (start is not None and start.op == "call_function"
                    and start.target in FRESH_PRODUCERS and len(start.users) == 1
                    and start.meta.get("shape") == head.meta["shape"]
                    and start.meta.get("dtype") == head.meta["dtype"]
                    and sum(a is start for a in head.args) == 1)
        if len(chain) < 2 and not in_place:
            continue
        steps, inputs = _chain_steps(chain, start)
        last = chain[-1]
        fresh = last in out_users or any(getattr(u.function, "is_view", False) or
                                         u.op == "output" for u in last.users)
        fn = FusedElementwise(steps, last.meta["shape"], last.meta["dtype"], fresh, in_place)
        node = graph.create_node("call_function", fn.__name__, fn, tuple(inputs),
                                 name=fn.__name__, before=last)
        node.meta.update(last.meta)
        last.replace_all_uses_with(node)
        for n in reversed(chain):
            graph.erase_node(n)
        fused += 1
    return fused
