"""The recorded graph and the engine that walks it backwards.

Every differentiable op, as it runs, creates one ``Node`` (the result's ``grad_fn``). A node
knows where its inputs came from (``next_functions``: the inputs' own nodes, or an
``AccumulateGrad`` for a leaf) and keeps what its derivative needs (``save_for_backward``).
``backward`` then:

1. sorts the nodes reachable from the output topologically (a depth-first search);
2. walks them in that order, so a node runs only once every gradient flowing into it is summed;
3. calls each node's ``backward(grad)`` (the chain rule for that op) and passes the results on;
4. at a leaf, ``AccumulateGrad`` adds the gradient into ``tensor.grad``.

Backward formulas are written with Tensor ops. Normally they run with grad mode off; with
``create_graph=True`` they are recorded too, so the gradient has a graph of its own and can be
differentiated again (second derivatives).
"""
from __future__ import annotations

import itertools
import operator
import weakref

from .. import backend
from . import grad_mode

_FREED = object()  # marks saved values released after backward
_sequence = itertools.count()  # creation order of nodes (see topological_order)

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")


class Node:
    """One recorded operation. Subclasses implement ``backward(grad) -> tuple of grads``."""
    __slots__ = ("next_functions", "_saved", "_versions", "_out", "_extras", "_seq",
                 "__weakref__")
    n_outputs = 1  # multi-output nodes (split, custom Functions) override this
    _direct = True  # the engine may call backward(grad) itself (see __init_subclass__)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # nodes that override apply (several outputs, custom Functions) must go through it
        cls._direct = cls.apply is Node.apply

    def __init__(self, inputs=()):
        self.next_functions = tuple(map(edge_of, inputs))
        self._seq = next(_sequence)  # after the inputs' edges: newer than every input node
        self._saved = self._out = self._extras = None

    # -- what the node remembers --------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep input tensors for backward; their version numbers catch later in-place edits."""
        self._saved = tensors
        self._versions = [None if t is None else t._vc[0] for t in tensors]

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        if saved is None:
            return ()
        for i, (t, v) in enumerate(zip(saved, self._versions)):
            if t is not None and t._vc[0] != v:
                raise_modified(t, self, i, v)
        return saved

    def save_output(self, out) -> None:
        """Keep this node's own result. Only the array is stored (the Tensor would point back at
        this node: a reference cycle); ``saved_output()`` rebuilds a Tensor whose grad_fn is this
        node, so a backward with ``create_graph=True`` differentiates through it."""
        self._out = (out._data, out._vc, out._vc[0], out._output_nr)

    def saved_output(self):
        from ..tensor import Tensor
        t = Tensor._wrap(self.saved_output_array())
        _, t._vc, _, nr = self._out
        if grad_mode.state.enabled:
            t._rg = True
            t.grad_fn = self
            t._output_nr = nr
        return t

    def saved_output_array(self):
        """The saved output's array (version-checked): for backward formulas that need no graph."""
        out = self._out
        if out is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        data, vc, version, nr = out
        if vc[0] != version:
            raise_modified(None, self, 0, version, vc[0], shape=data.shape, dtype=data.dtype,
                           output=True)
        return data

    # -- the chain rule ----------------------------------------------------------------------
    def apply(self, grads: list) -> tuple:
        """Gradients w.r.t. the inputs, given the gradients w.r.t. each output."""
        return self.backward(grads[0])

    def backward(self, grad):
        raise NotImplementedError(f"{self.name()} has no backward")

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def __call__(self, *grads):
        return self.apply(list(grads))

    @property
    def metadata(self) -> dict:
        return self._extra("metadata", dict)

    # -- hooks --------------------------------------------------------------------------------
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
    """The node of a leaf tensor: adds the arriving gradient into ``variable.grad``."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        Node.__init__(self)
        self.variable = variable

    def apply(self, grads):
        raise RuntimeError("AccumulateGrad is run by the engine")


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
    """Where gradient for tensor ``t`` must go: (its node, which of the node's outputs it is)."""
    fn = t.grad_fn
    if fn is not None:
        if t._base is not None and t._view_version != t._vc[0]:
            fn = t._refresh_view_grad_fn()  # the base changed in place since this view was made
        return (fn, t._output_nr)
    if t._rg:
        return (t._grad_accumulator(), 0)
    return (None, 0)


def raise_modified(t, node, index, expected, current=None, shape=None, dtype=None, output=False):
    if t is not None:
        current, shape, dtype = t._vc[0], t.shape, t.dtype
        kind = "output 0 of " + t.grad_fn.name() if t.grad_fn is not None else "a leaf"
    else:
        kind = f"output 0 of {node.name()}"
        from .._dtype import from_array
        dtype = from_array(type("A", (), {"dtype": dtype})())
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
    seen = set()
    stack = []
    for r in roots:
        if r is not None and r not in seen:
            seen.add(r)
            stack.append(r)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, key=_sequence_nr, reverse=True)


def run_backward(outputs, grad_outputs, retain_graph: bool, create_graph: bool,
                 inputs=None, accumulate: bool = True, allow_unused: bool = False):
    """Backpropagate from ``outputs``.

    ``accumulate=True`` (``Tensor.backward``) adds into the leaves' ``.grad`` (only into
    ``inputs`` when given). ``accumulate=False`` (``autograd.grad``) touches no ``.grad`` and
    returns the gradients w.r.t. ``inputs``.
    """
    roots = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               f"a grad_fn")
        roots.append((edge_of(t), g))
    order = topological_order([fn for (fn, _), _ in roots])

    # Where to stop and collect: (node, output number) -> position in ``inputs``.
    targets = None
    if inputs is not None:
        targets = {}
        for i, t in enumerate(inputs):
            if not t._rg:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not "
                                   f"require grad")
            targets.setdefault(edge_of(t), []).append(i)
        target_nodes = {fn for fn, _ in targets}
        needed = set()
        for node in reversed(order):  # oldest first: the nodes it sends to are decided first
            if node in target_nodes or any(c in needed for c, _ in node.next_functions):
                needed.add(node)
        order = [n for n in order if n in needed]
        # a target that leads to no other target: collect its gradient, do not go past it
        stop = {n for n in target_nodes
                if not any(c in needed for c, _ in n.next_functions)}
    results = [None] * (len(inputs) if inputs is not None else 0)

    handed_out = set()  # arrays stored into some .grad: never store one twice (aliasing)
    buffers = {}
    for (fn, nr), g in roots:
        _add_grad(buffers, fn, nr, g)
        handed_out.add(id(_owner(g._data)))

    prev_mode = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        for node in order:
            grads = buffers.pop(node, None)
            if grads is None:
                continue
            extras = node._extras
            if extras is not None:
                grads = _run_tensor_hooks(node, grads, extras, handed_out)
            if targets is not None:
                for nr, g in enumerate(grads):
                    for i in targets.get((node, nr), ()):
                        if accumulate:
                            _accumulate_leaf(inputs[i], g, create_graph, handed_out)
                        else:
                            results[i] = g
                if node in stop:
                    continue
            elif type(node) is AccumulateGrad:
                _accumulate_leaf(node.variable, grads[0], create_graph, handed_out)
                continue
            grad_inputs = node.backward(grads[0]) if node._direct else node.apply(grads)
            if extras is not None and "hooks" in extras:
                for hook in extras["hooks"]:
                    new = hook(grad_inputs, tuple(grads))
                    if new is not None:
                        grad_inputs = tuple(new)
            if not retain_graph:  # free what the node saved: nothing needs it any more
                if node._saved is not None:
                    node._saved = _FREED
                if node._out is not None:
                    node._out = _FREED
            for (child, nr), g in zip(node.next_functions, grad_inputs):
                if child is None or g is None:
                    continue
                # _add_grad, written out: this line runs once per edge of the graph
                buf = buffers.get(child)
                if buf is None:
                    buf = buffers[child] = [None] * child.n_outputs
                old = buf[nr]
                buf[nr] = g if old is None else old + g
    finally:
        grad_mode.state.enabled = prev_mode

    if inputs is not None and not accumulate:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to "
                                   f"not have been used in the graph. Set allow_unused=True if "
                                   f"this is the desired behavior.")
        return tuple(results)
    return None


def _add_grad(buffers, node, nr, g):
    """Sum gradient ``g`` into output ``nr`` of ``node``'s buffer (one slot per output)."""
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node.n_outputs
    old = buf[nr]
    buf[nr] = g if old is None else old + g


def _run_tensor_hooks(node, grads, extras, handed_out):
    pre = extras.get("pre_hooks")
    if pre:
        for hook in pre:
            new = hook(tuple(grads))
            if new is not None:
                grads = list(new)
    hooks = extras.get("tensor_hooks")
    if hooks:
        for nr, fns in hooks.items():
            for fn in fns:
                if grads[nr] is not None:
                    new = fn(grads[nr])
                    if new is not None:
                        grads[nr] = new
    retained = extras.get("retain")
    if retained:
        for nr, ref in retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                _accumulate_leaf(t, grads[nr], grad_mode.state.enabled, handed_out, hooks=False)
    return grads


def _accumulate_leaf(t, g, create_graph, handed_out, hooks=True):
    """``t.grad += g``, without ever letting two ``.grad`` share one array."""
    if hooks and t._hooks:
        for fn in t._hooks:
            new = fn(g)
            if new is not None:
                g = new
    if t.grad is None:
        if not create_graph:
            g = g.detach()
        owner = _owner(g._data)
        if id(owner) in handed_out or backend.has_overlap(g._data):
            g = g.clone()  # its memory is already some other .grad, or a broadcast view
            owner = g._data
        handed_out.add(id(owner))
        t.grad = g
    elif create_graph or t.grad._rg:
        t.grad = t.grad + g
    else:
        t.grad._data += g._data
        t.grad._vc[0] += 1
    if t._post_acc_hooks:
        for fn in t._post_acc_hooks:
            fn(t)


_sequence_nr = operator.attrgetter("_seq")


def _owner(array):
    """The array that owns ``array``'s memory (itself unless it is a view)."""
    return array if array.base is None else array.base


def weak(t):
    return weakref.ref(t)
