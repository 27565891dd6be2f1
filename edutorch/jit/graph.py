"""The graph a trace records, in the spirit of ``torch.fx``.

A ``Graph`` is a list of ``Node`` s in execution order. Each node is one of

- ``placeholder``: an input of the traced function (``target`` is its name);
- ``get_attr``: a tensor that is not an input: a parameter or buffer of the traced module
  (``target`` is its path, ``"fc1.weight"``), or a constant the passes computed;
- ``call_function``: one op (``target`` is its name, ``"matmul"``; ``function`` the
  ``autograd.Function`` whose ``forward(ctx, *arrays)`` computes it);
- ``call_module``: a whole submodule kept as one step (``target`` is its path);
- ``output``: what the function returns.

A node's ``args`` hold other nodes where the op took a tensor, and plain values elsewhere.
"""
from __future__ import annotations

import operator


class Node:
    __slots__ = ("graph", "name", "op", "target", "function", "args", "kwargs", "meta")

    def __init__(self, graph: "Graph", name: str, op: str, target, function=None, args=(),
                 kwargs=None) -> None:
        self.graph, self.name, self.op, self.target = graph, name, op, target
        self.function = function
        self.args, self.kwargs = tuple(args), dict(kwargs or {})
        self.meta: dict = {}

    @property
    def users(self) -> list["Node"]:
        """The nodes that take this one as an argument (computed: the graph is small)."""
        return [n for n in self.graph.nodes if self in n.all_input_nodes]

    @property
    def all_input_nodes(self) -> list["Node"]:
        found: list[Node] = []
        map_nodes((self.args, self.kwargs), lambda n: found.append(n) or n)
        return list(dict.fromkeys(found))

    def replace_all_uses_with(self, other: "Node") -> None:
        for user in self.users:
            user.args = map_nodes(user.args, lambda n: other if n is self else n)
            user.kwargs = map_nodes(user.kwargs, lambda n: other if n is self else n)

    def format(self) -> str:
        users = len(self.users)
        head = f"%{self.name} : [num_users={users}] = {self.op}[target={self.target}]"
        if self.op in ("placeholder", "get_attr"):
            return head
        if self.op == "output":
            return f"return {_fmt(self.args[0])}"
        return f"{head}(args = {_fmt(self.args)}, kwargs = {_fmt(self.kwargs)})"

    def __repr__(self) -> str:
        return self.name


def map_nodes(value, fn):
    """``value`` with every Node inside it (nested tuples, lists, dicts) replaced by fn(node)."""
    if isinstance(value, Node):
        return fn(value)
    if isinstance(value, tuple):
        return tuple(map_nodes(v, fn) for v in value)
    if isinstance(value, list):
        return [map_nodes(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: map_nodes(v, fn) for k, v in value.items()}
    return value


def _fmt(value) -> str:
    if isinstance(value, Node):
        return f"%{value.name}"
    if isinstance(value, tuple):
        inner = ", ".join(_fmt(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return repr(value)


class Graph:
    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self._names: dict[str, int] = {}

    def _name(self, hint: str) -> str:
        base = "".join(c if c.isalnum() else "_" for c in str(hint)).strip("_") or "v"
        if base[0].isdigit():
            base = "_" + base
        k = self._names.get(base, 0)
        self._names[base] = k + 1
        return base if k == 0 else f"{base}_{k}"

    def create_node(self, op: str, target, function=None, args=(), kwargs=None,
                    name: str | None = None, before: Node | None = None) -> Node:
        node = Node(self, self._name(name or target), op, target, function, args, kwargs)
        if before is None:
            self.nodes.append(node)
        else:
            self.nodes.insert(self.nodes.index(before), node)
        return node

    def erase_node(self, node: Node) -> None:
        if node.users:
            raise RuntimeError(f"erase_node: {node.name} still has users "
                               f"{[u.name for u in node.users]}")
        self.nodes.remove(node)

    @property
    def output_node(self) -> Node:
        return self.nodes[-1]

    def __str__(self) -> str:
        lines = ["graph():"] + ["    " + n.format() for n in self.nodes]
        return "\n".join(lines)

    def python_code(self) -> str:
        """Equivalent Python, one line per op, as ``torch.fx`` writes it."""
        params = [n.name for n in self.nodes if n.op == "placeholder"]
        lines = [f"def forward(self, {', '.join(params)}):"]
        for n in self.nodes:
            if n.op == "get_attr":
                lines.append(f"    {n.name} = {_attr_code(n.target)}")
            elif n.op == "call_function":
                if n.function is operator.getitem:
                    lines.append(f"    {n.name} = {_code(n.args[0])}[{_code(n.args[1])}]")
                    continue
                args = [_code(a) for a in n.args]
                args += [f"{k}={_code(v)}" for k, v in n.kwargs.items()]
                lines.append(f"    {n.name} = {_callee(n)}({', '.join(args)})")
            elif n.op == "call_module":
                args = ", ".join(_code(a) for a in n.args)
                lines.append(f"    {n.name} = {_attr_code(n.target)}({args})")
            elif n.op == "output":
                lines.append(f"    return {_code(n.args[0])}")
        return "\n".join(lines) + "\n"


def _attr_code(target: str) -> str:
    """``self.fc1.weight``; a numbered child (``Sequential``'s "0") needs getattr."""
    code = "self"
    for part in str(target).split("."):
        code = f"{code}.{part}" if part.isidentifier() else f"getattr({code}, {part!r})"
    return code


def _callee(node: Node) -> str:
    import edutorch
    if getattr(edutorch, str(node.target), None) is not None:
        return f"edutorch.{node.target}"
    return f"{node.target}"


def _code(value) -> str:
    if isinstance(value, Node):
        return value.name
    if isinstance(value, tuple):
        inner = ", ".join(_code(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_code(v) for v in value) + "]"
    return repr(value)
