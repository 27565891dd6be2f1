"""Graders for chapter 6 (exercises/ch06_tools.py): self times compared with
edutorch.profiler's, graph edges with the graph edutorch.autograd records, and the first
non-finite module on models where the grader planted the NaN itself."""
from __future__ import annotations

import random
from collections import Counter

import pytest

import edutorch
from edutorch import nn
from edutorch.autograd.graph import topological_order
from edutorch.profiler.events import EventList, FunctionEvent

# -- self_times --------------------------------------------------------------------------------


def nested_intervals(seed: int, n_top: int = 3, depth: int = 4) -> list[tuple[float, float]]:
    """A random profile: top-level intervals, each split into nested children (integer us)."""
    rng = random.Random(seed)
    out = []

    def split(start, end, level):
        out.append((float(start), float(end)))
        if level == depth or end - start < 8:
            return
        cuts = sorted(rng.sample(range(start + 1, end), min(4, end - start - 1)))
        for a, b in zip(cuts[::2], cuts[1::2]):
            if rng.random() < 0.8:
                split(a, b, level + 1)
    t = 0
    for _ in range(n_top):
        length = rng.randint(50, 400)
        split(t, t + length, 0)
        t += length + rng.randint(0, 30)
    rng.shuffle(out)
    return out


def library_self_times(intervals):
    events = EventList([FunctionEvent(i, f"op{i}", 1, s, e) for i, (s, e) in
                        enumerate(intervals)])._build_tree()
    return [e.self_cpu_time_total for e in events], events


SELF_CASES = {
    "one interval": [(0.0, 10.0)],
    "parent and child": [(0.0, 10.0), (2.0, 5.0)],
    "three levels": [(0.0, 100.0), (10.0, 60.0), (20.0, 30.0)],
    "siblings and a gap": [(0.0, 100.0), (10.0, 20.0), (30.0, 50.0), (120.0, 130.0)],
    "child listed first": [(20.0, 30.0), (10.0, 60.0), (0.0, 100.0)],
    "backward inside a step": [(0.0, 1000.0), (600.0, 950.0), (610.0, 940.0), (620.0, 700.0),
                               (710.0, 800.0), (10.0, 400.0), (20.0, 380.0)],
    **{f"random profile {k}": nested_intervals(k) for k in range(4)},
}


@pytest.mark.grades("self_times")
@pytest.mark.parametrize("case", list(SELF_CASES))
def test_self_times_match_the_profiler(ex, case):
    intervals = SELF_CASES[case]
    expected, events = library_self_times(intervals)
    got = ex.self_times(list(intervals))
    assert len(got) == len(intervals), \
        f"self_times({case}): {len(got)} values for {len(intervals)} intervals"
    for i, ((s, e), g, want, ev) in enumerate(zip(intervals, got, expected, events)):
        if abs(g - want) > 1e-9:
            hint = ""
            if abs(g - (e - s)) < 1e-9:
                hint = " (that is its whole duration: subtract its children's time)"
            elif g < want:
                grand = sum(c.cpu_time_total for child in ev.cpu_children
                            for c in child.cpu_children)
                hint = (" (less than expected: are grandchildren subtracted too? Their time "
                        f"is already inside their parent's, {grand:g} here)")
            raise AssertionError(f"self_times({case}): interval {i} {(s, e)} has self time "
                                 f"{g:g}, expected {want:g}{hint}")


@pytest.mark.grades("self_times")
@pytest.mark.parametrize("seed", range(4, 7))
def test_self_times_add_up_to_the_covered_time(ex, seed):
    intervals = nested_intervals(seed)
    _, events = library_self_times(intervals)
    covered = sum(e.cpu_time_total for e in events if e.cpu_parent is None)
    total = sum(ex.self_times(intervals))
    assert abs(total - covered) < 1e-6, \
        (f"the self times add up to {total:g}, but the top-level intervals cover {covered:g}: "
         f"each instant must be counted once, in the innermost interval running then")


# -- graph_edges -------------------------------------------------------------------------------


def library_edges(out):
    if out.grad_fn is None:
        return []
    return [(n, c) for n in topological_order([out.grad_fn]) for c, _ in n.next_functions
            if c is not None]


def graphs():
    edutorch.manual_seed(0)
    x = edutorch.randn(3, requires_grad=True)
    w = edutorch.randn(3, requires_grad=True)
    yield "x * x", (x * x).sum()
    y = x.exp()
    yield "a shared node: y = x.exp(); y * y + y.sin()", (y * y + y.sin()).sum()
    h = x * w
    z = h + h * 2
    yield "a diamond: h = x * w; h + h * 2", (z * z).mean()
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    yield "a small MLP", model(edutorch.randn(5, 3)).sum()
    c = edutorch.randn(3)  # needs no gradient: a None entry in next_functions
    yield "a constant input", (x * c + c).sum()


GRAPHS = dict(graphs())


def _name(n):
    return n.name() if callable(getattr(n, "name", None)) else type(n).__name__


@pytest.mark.grades("graph_edges")
@pytest.mark.parametrize("case", list(GRAPHS))
def test_graph_edges_match_the_recorded_graph(ex, case):
    out = GRAPHS[case]
    expected = Counter((id(a), id(b)) for a, b in library_edges(out))
    got_list = ex.graph_edges(out)
    try:
        got = Counter((id(a), id(b)) for a, b in got_list)
    except (TypeError, ValueError):
        raise AssertionError("graph_edges must return a list of (node, next_node) pairs") \
            from None
    names = {id(n): _name(n) for pair in library_edges(out) for n in pair}
    extra, missing = got - expected, expected - got
    if extra:
        (a, b), k = next(iter(extra.items()))
        raise AssertionError(
            f"graph_edges({case}): the edge {names.get(a, '?')} -> {names.get(b, '?')} is "
            f"listed {got[(a, b)]} times, the graph has it {expected[(a, b)]} times: is a node "
            f"that several nodes feed into visited more than once? (keep a `seen` set)")
    if missing:
        (a, b), k = next(iter(missing.items()))
        hint = (" Leaves end in AccumulateGrad nodes, and the edges into them count."
                if names.get(b) == "AccumulateGrad" else "")
        raise AssertionError(f"graph_edges({case}): the edge {names.get(a, '?')} -> "
                             f"{names.get(b, '?')} is missing.{hint}")


@pytest.mark.grades("graph_edges")
def test_graph_edges_of_a_tensor_without_graph(ex):
    assert list(ex.graph_edges(edutorch.ones(3))) == [], \
        "a tensor without grad_fn has no recorded graph: expected no edges"


# -- first_nonfinite_module --------------------------------------------------------------------


class Log(nn.Module):
    """log(x): NaN for negative inputs, -inf at 0 (where the grader plants its bug)."""

    def forward(self, x):
        return x.log()


class Reciprocal(nn.Module):
    def forward(self, x):
        return 1 / x


class Boom(nn.Module):
    def forward(self, x):
        raise ValueError("Boom: this module fails on purpose")


def _model(case):
    edutorch.manual_seed(0)
    if case == "NaN born in layer 2":
        return nn.Sequential(nn.Linear(4, 4), nn.Tanh(), Log(), nn.Linear(4, 2)), "2"
    if case == "NaN born in a nested block":
        inner = nn.Sequential(nn.Linear(4, 4), Log())
        model = nn.Sequential(nn.ReLU(), nn.Sequential(inner, nn.Linear(4, 3)), nn.Tanh())
        return model, "1.0.1"
    if case == "inf, not NaN":
        return nn.Sequential(nn.ReLU(), Reciprocal(), nn.Linear(4, 2)), "1"
    if case == "all finite":
        return nn.Sequential(nn.Linear(4, 4), nn.Sigmoid(), Log(), nn.Linear(4, 2)), None
    raise KeyError(case)


NONFINITE = ["NaN born in layer 2", "NaN born in a nested block", "inf, not NaN",
             "all finite"]


def _hooks_left(model):
    return [name for name, m in model.named_modules() if m._forward_hooks]


@pytest.mark.grades("first_nonfinite_module")
@pytest.mark.parametrize("case", NONFINITE)
def test_first_nonfinite_module(ex, case):
    model, expected = _model(case)
    x = edutorch.zeros(3, 4) if case == "inf, not NaN" else edutorch.randn(3, 4)  # 1/0 = inf
    out = model(x)
    got = ex.first_nonfinite_module(model, x)
    if expected is None:
        assert bool(edutorch.isfinite(out).all())
        assert got is None, f"first_nonfinite_module({case}): every output is finite, got {got!r}"
    else:
        assert got == expected, (
            f"first_nonfinite_module({case}): got {got!r}, expected {expected!r} (where the "
            f"non-finite value is born; later modules, and the containers that finish after "
            f"it, only pass it on: report the first, not the last)")
    assert not _hooks_left(model), (f"hooks left on modules {_hooks_left(model)}: remove them "
                                    f"(handle.remove()) before returning")


@pytest.mark.grades("first_nonfinite_module")
def test_first_nonfinite_module_removes_hooks_when_forward_fails(ex):
    model = nn.Sequential(nn.Linear(4, 4), Boom())
    with pytest.raises(ValueError, match="Boom"):
        ex.first_nonfinite_module(model, edutorch.randn(2, 4))
    assert not _hooks_left(model), \
        "hooks left after forward raised: remove them in a `finally:` block"
