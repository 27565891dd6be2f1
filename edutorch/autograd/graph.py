"""The recorded graph and the engine that walks it backwards.

Every differentiable op, as it runs, records one ``Node`` (the result's ``grad_fn``; see
``Function.apply`` in ``function.py``). A node knows where its inputs came from
(``next_functions``: each input's own node, or an ``AccumulateGrad`` for a leaf) and keeps what
its derivative needs. ``backward`` then:

1. sorts the nodes reachable from the output so that a node comes before every node it sends
   gradient to (``topological_order``);
2. walks them in that order, so a node runs only once every gradient flowing into it is summed;
3. calls each node (the chain rule for that op) and passes the results on along its edges;
4. at a leaf, ``AccumulateGrad`` adds the gradient into ``tensor.grad``.

The gradients the engine carries are plain arrays, or Tensors when ``create_graph=True``: then
the backward formulas are recorded too, and the gradient can be differentiated again.
"""
from __future__ import annotations

import itertools

from .. import backend
from . import grad_mode

FREED = object()  # marks saved values released after backward
_sequence = itertools.count()  # creation order of nodes (see topological_order)

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")


class Node:
    """One recorded operation: its edges to the inputs' nodes, and its hooks."""
    n_outputs = 1
    _saved = None
    _extras = None  # hooks, retained grads, metadata: created on first use

    def __init__(self, inputs=()):
        self.next_functions = tuple(map(edge_of, inputs))
        self._sequence_nr = next(_sequence)  # after the inputs' edges: newer than every input

    def apply(self, grads: list) -> tuple:
        """Gradients w.r.t. the inputs, given the gradients w.r.t. each output."""
        raise NotImplementedError(f"{self.name()} has no backward")

    def name(self) -> str:
        return type(self).__name__

    def release(self) -> None:
        """Free what the node saved: called by a backward that does not retain the graph."""
        if self._saved is not None:
            self._saved = FREED

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def __call__(self, *grads):
        """``grad_fn(grad)``: run this node's backward alone, Tensors in and out."""
        arrays = [None if g is None else g._data for g in grads]
        return tuple(None if g is None else _as_tensor(g) for g in self.apply(arrays))

    @property
    def metadata(self) -> dict:
        return self._extra("metadata", dict)

    # -- hooks ---------------------------------------------------------------------------------
    def _extra(self, key, factory):
        if self._extras is None:
            self._extras = {}
        if key not in self._extras:
            self._extras[key] = factory()
        return self._extras[key]

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        return _Handle(self._extra("hooks", list), fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; may return new grads."""
        return _Handle(self._extra("pre_hooks", list), fn)

    def _tensor_hooks(self, nr: int) -> list:
        return self._extra("tensor_hooks", dict).setdefault(nr, [])


class AccumulateGrad(Node):
    """The node of a leaf tensor: the engine adds the arriving gradient into ``variable.grad``."""

    def __init__(self, variable):
        Node.__init__(self)
        self.variable = variable


class _Handle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook away."""
    __slots__ = ("_list", "_fn")

    def __init__(self, lst, fn):
        lst.append(fn)
        self._list, self._fn = lst, fn

    def remove(self) -> None:
        if self._fn in self._list:
            self._list.remove(self._fn)


def edge_of(t) -> tuple:
    """Where gradient for input ``t`` must go: (its node, which of the node's outputs it is).
    A Python number as an operand has the edge ``(None, 0)``: nowhere to go."""
    fn = getattr(t, "grad_fn", None)
    if fn is not None:
        if t._base is not None and t._view_version != t._vc[0]:
            fn = t._refresh_view_grad_fn()  # the base changed in place since this view was made
        return (fn, t._output_nr)
    if getattr(t, "_rg", False):
        return (t._grad_accumulator(), 0)
    return (None, 0)


def raise_modified(t, node, index, expected, current=None, shape=None, dtype=None, output=False):
    if t is not None:
        current, shape, dtype = t._vc[0], t.shape, t.dtype
        kind = "output 0 of " + t.grad_fn.name() if t.grad_fn is not None else "a leaf"
    else:
        kind = f"output 0 of {node.name()}"
        from .._dtype import _by_np
        dtype = _by_np[dtype]
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{dtype.name} tensor of shape {list(shape)}], which is {kind}, is at "
        f"version {current}; expected version {expected} instead. Hint: the tensor was saved by "
        f"{node.name()} and changed afterwards; clone it before modifying it in place.")


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------

def topological_order(roots) -> list:
    """Nodes reachable from ``roots``, each before every node it sends gradient to.

    An op's inputs exist before the op runs, so a node is always created after the nodes it
    points to: creation order is already a topological order of the graph (PyTorch's engine
    uses the same "sequence number"). So: find every reachable node (a depth-first search with
    an explicit stack, safe for very deep graphs), then sort them newest first.
    """
    seen = {r for r in roots if r is not None}
    stack = list(seen)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, key=lambda node: node._sequence_nr, reverse=True)


def run_backward(outputs, grad_outputs, retain_graph: bool, create_graph: bool,
                 inputs=None, accumulate: bool = True, allow_unused: bool = False):
    """Backpropagate from ``outputs`` (Tensors) with ``grad_outputs`` (Tensors).

    ``accumulate=True`` (``Tensor.backward``) adds into the leaves' ``.grad`` (only into
    ``inputs`` when given). ``accumulate=False`` (``autograd.grad``) touches no ``.grad`` and
    returns the gradients w.r.t. ``inputs``.
    """
    roots = [root_edge(t, i) for i, t in enumerate(outputs)]
    order = topological_order([fn for fn, _ in roots])
    targets = Targets(inputs, order, accumulate) if inputs is not None else None
    if targets is not None:
        order = targets.prune(order)
    leaves = LeafWriter(create_graph)
    pending = {}  # node -> one summed gradient per output of the node
    for (fn, nr), g in zip(roots, grad_outputs):
        add_grad(pending, fn, nr, g if create_graph else g._data)
        leaves.handed_out.add(id(_owner(g._data)))

    watched = grad_mode.dispatch_state.modes or grad_mode.anomaly_state.enabled
    with grad_mode.set_grad_enabled(create_graph):
        for node in order:
            grads = pending.pop(node, None)
            if grads is None:
                continue  # no gradient reached this node
            if node._extras is not None:
                grads = run_pre_hooks(node, grads, leaves)
            if targets is not None and targets.collect(node, grads, leaves):
                continue
            if type(node) is AccumulateGrad:
                accumulate_leaf(node, grads, leaves)
                continue
            if watched or node._extras is not None:
                grad_inputs = call_node(node, grads)
            else:
                grad_inputs = node.apply(grads)  # the chain rule, with nothing watching
            if not retain_graph:
                node.release()
            for (child, nr), g in zip(node.next_functions, grad_inputs):
                if child is not None and g is not None:
                    add_grad(pending, child, nr, g)
    return targets.results(allow_unused) if targets is not None and not accumulate else None


def root_edge(t, i: int) -> tuple:
    if not t._rg:
        raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                           f"grad_fn")
    return edge_of(t)


def add_grad(pending: dict, node, nr: int, g) -> None:
    """Sum gradient ``g`` into output ``nr`` of ``node``'s slot (never in place: ``g`` may be
    shared with another edge)."""
    slot = pending.get(node)
    if slot is None:
        slot = pending[node] = [None] * node.n_outputs
    old = slot[nr]
    slot[nr] = g if old is None else old + g


def accumulate_leaf(node, grads: list, leaves) -> None:
    """A leaf's node: its gradient goes into ``.grad``, seen by the dispatch modes when active
    (the profiler's ``AccumulateGrad`` rows)."""
    if not grad_mode.dispatch_state.modes:
        leaves.accumulate(node.variable, grads[0])
        return
    from ..overrides import dispatch_backward
    dispatch_backward(node, grads, lambda g: leaves.accumulate(node.variable, g))


def call_node(node, grads: list) -> tuple:
    """One step of the chain rule, as the dispatch modes, anomaly mode and the node's own hooks
    see it (``run_backward`` calls ``node.apply`` directly when none of them is active)."""
    if grad_mode.dispatch_state.modes:
        from ..overrides import dispatch_backward
        grad_inputs = dispatch_backward(node, grads)
    else:
        grad_inputs = node.apply(grads)
    if grad_mode.anomaly_state.enabled:
        from .anomaly_mode import check_grads
        check_grads(node, grad_inputs)
    extras = node._extras
    if extras is not None and "hooks" in extras:
        for hook in extras["hooks"]:
            new = hook(_tensors(grad_inputs), _tensors(grads))
            if new is not None:
                grad_inputs = tuple(_unwrap(g) for g in new)
    return grad_inputs


def run_pre_hooks(node, grads: list, leaves) -> list:
    """The hooks that see a node's incoming gradients: node pre-hooks, tensor hooks
    (``register_hook`` on a non-leaf), and ``retain_grad``."""
    extras = node._extras
    for hook in extras.get("pre_hooks", ()):
        new = hook(_tensors(grads))
        if new is not None:
            grads = [_unwrap(g) for g in new]
    for nr, fns in extras.get("tensor_hooks", {}).items():
        for fn in fns:
            if grads[nr] is not None:
                new = fn(_as_tensor(grads[nr]))
                if new is not None:
                    grads[nr] = _unwrap(new)
    for nr, ref in extras.get("retain", {}).items():
        t = ref()
        if t is not None and grads[nr] is not None:
            leaves.accumulate(t, grads[nr], hooks=False)
    return grads


class LeafWriter:
    """Writes gradients into ``.grad``, never letting two ``.grad`` share one array."""

    def __init__(self, create_graph: bool):
        self.create_graph = create_graph
        self.handed_out = set()  # ids of arrays already stored in some .grad

    def accumulate(self, t, g, hooks: bool = True) -> None:
        if hooks and t._hooks:
            for fn in t._hooks:
                new = fn(_as_tensor(g))
                if new is not None:
                    g = _unwrap(new)
        if t.grad is None:
            t.grad = self._fresh(g)
        elif self.create_graph or t.grad._rg:
            t.grad = t.grad + _as_tensor(g)
        else:
            t.grad._data += g
            t.grad._vc[0] += 1
        if t._post_acc_hooks:
            for fn in t._post_acc_hooks:
                fn(t)

    def _fresh(self, g):
        data = g._data if hasattr(g, "_data") else g
        owner = _owner(data)
        if id(owner) in self.handed_out or backend.has_overlap(data):
            data = data.copy()  # its memory is already some other .grad, or a broadcast view
            g = data if not hasattr(g, "_data") else g.clone()
            owner = data
        self.handed_out.add(id(owner))
        return g if self.create_graph else _as_tensor(data)


class Targets:
    """``inputs=``: the tensors whose gradients are wanted; the walk goes no further than
    needed to reach them."""

    def __init__(self, inputs, order, accumulate: bool):
        self.inputs, self.accumulate = inputs, accumulate
        self.where = {}  # (node, output number) -> positions in ``inputs``
        for i, t in enumerate(inputs):
            if not t._rg:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not "
                                   f"require grad")
            self.where.setdefault(edge_of(t), []).append(i)
        self.found = [None] * len(inputs)

    def prune(self, order) -> list:
        """Keep only nodes on a path to some target; stop at targets that lead to no other."""
        targets = {fn for fn, _ in self.where}
        needed = set()
        for node in reversed(order):  # oldest first: the nodes it sends to are decided first
            if node in targets or any(c in needed for c, _ in node.next_functions):
                needed.add(node)
        self.stop = {n for n in targets if not any(c in needed for c, _ in n.next_functions)}
        return [n for n in order if n in needed]

    def collect(self, node, grads, leaves) -> bool:
        """Take the gradients arriving at a target; True if the walk stops at this node."""
        for nr, g in enumerate(grads):
            for i in self.where.get((node, nr), ()):
                if self.accumulate:
                    leaves.accumulate(self.inputs[i], g)
                else:
                    self.found[i] = _as_tensor(g)
        return node in self.stop

    def results(self, allow_unused: bool) -> tuple:
        for i, r in enumerate(self.found):
            if r is None and not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to "
                                   f"not have been used in the graph. Set allow_unused=True if "
                                   f"this is the desired behavior.")
        return tuple(self.found)


def _as_tensor(g):
    if hasattr(g, "_data"):
        return g
    from ..tensor import Tensor
    return Tensor._wrap(g)


def _unwrap(g):
    """A hook's answer, in the engine's currency (arrays, or Tensors under create_graph)."""
    if g is None or grad_mode.state.enabled:
        return g
    return g._data if hasattr(g, "_data") else g


def _tensors(grads) -> tuple:
    return tuple(None if g is None else _as_tensor(g) for g in grads)


def _owner(array):
    """The array that owns ``array``'s memory (itself unless it is a view)."""
    return array if array.base is None else array.base
