"""edutorch.profiler's summaries on synthetic intervals: self times, averages, PyTorch's table
(compared line by line with PyTorch's own table of the same events), Chrome traces, schedules."""
from __future__ import annotations

import json

import pytest

from edutorch.profiler import ProfilerAction, schedule
from edutorch.profiler.events import EventList, FunctionEvent, format_memory, format_time

# (name, start us, end us, parent index, input shapes, bytes allocated inside)
SPANS = [
    ("step", 0.0, 1000.0, None, [], 4096),
    ("aten::linear", 10.0, 400.0, 0, [[2, 3], [4, 3], [4]], 1024),
    ("aten::addmm", 20.0, 380.0, 1, [[4], [2, 3], [3, 4]], 1024),
    ("aten::relu", 410.0, 500.0, 0, [[2, 4]], 512),
    ("autograd::engine::evaluate_function: AddmmBackward0", 600.0, 950.0, 0, [], 2048),
    ("AddmmBackward0", 610.0, 940.0, 4, [[2, 4]], 2048),
    ("aten::mm", 620.0, 700.0, 5, [[2, 4], [4, 3]], 1024),
    ("aten::mm", 710.0, 800.0, 5, [[4, 2], [2, 3]], 1024),
]


def build(cls_event, with_memory=True, link=True):
    events = []
    extra = {} if cls_event is FunctionEvent else {"stack": []}  # PyTorch's needs a stack
    for i, (name, s, e, parent, shapes, mem) in enumerate(SPANS):
        ev = cls_event(id=i, name=name, thread=1, start_us=s, end_us=e, input_shapes=shapes,
                       cpu_memory_usage=mem if with_memory else 0, **extra)
        if parent is not None and link:
            events[parent].cpu_children.append(ev)
            ev.cpu_parent = events[parent]
        events.append(ev)
    return events


def test_self_time_subtracts_direct_children_only():
    ev = build(FunctionEvent)
    assert ev[0].self_cpu_time_total == 1000 - 390 - 90 - 350
    assert ev[1].self_cpu_time_total == 390 - 360
    assert ev[5].self_cpu_time_total == 330 - 80 - 90
    # every instant counted once: the self times add up to the top-level interval
    assert sum(e.self_cpu_time_total for e in ev) == pytest.approx(1000.0)
    assert EventList(ev).self_cpu_time_total == pytest.approx(1000.0)


def test_key_averages_groups_by_name_and_shapes():
    avg = EventList(build(FunctionEvent)).key_averages()
    mm = next(a for a in avg if a.key == "aten::mm")
    assert (mm.count, mm.cpu_time_total, mm.cpu_time) == (2, 170.0, 85.0)
    assert len(avg) == len({s[0] for s in SPANS})
    by_shape = EventList(build(FunctionEvent)).key_averages(group_by_input_shapes=True)
    assert sum(a.key == "aten::mm" for a in by_shape) == 2


def test_memory_self_is_total_minus_children():
    ev = build(FunctionEvent)
    assert ev[0].self_cpu_memory_usage == 4096 - 1024 - 512 - 2048
    assert ev[5].self_cpu_memory_usage == 0


def torch_events(tpu, profile_memory=True):
    """PyTorch's EventList of the same spans; PyTorch finds the nesting from the intervals."""
    events = tpu.EventList(build(tpu.FunctionEvent, profile_memory, link=False),
                           profile_memory=profile_memory)
    events._build_tree()
    return events


@pytest.mark.parametrize("profile_memory", [False, True])
@pytest.mark.parametrize("sort_by", [None, "self_cpu_time_total", "cpu_time_total", "count"])
def test_table_equals_pytorchs_for_the_same_events(torch, profile_memory, sort_by):
    from torch.autograd import profiler_util as tpu
    theirs = torch_events(tpu, profile_memory).key_averages()
    ours = EventList(build(FunctionEvent, profile_memory),
                     profile_memory=profile_memory).key_averages()
    assert ours.table(sort_by=sort_by, row_limit=5) == theirs.table(sort_by=sort_by,
                                                                    row_limit=5)


def test_table_with_input_shapes_equals_pytorchs(torch):
    from torch.autograd import profiler_util as tpu
    theirs = torch_events(tpu).key_averages(group_by_input_shapes=True)
    ours = EventList(build(FunctionEvent), profile_memory=True).key_averages(
        group_by_input_shapes=True)
    assert ours.table(sort_by="self_cpu_time_total") == theirs.table(
        sort_by="self_cpu_time_total")


def test_table_columns_without_pytorch():
    table = EventList(build(FunctionEvent), profile_memory=True).key_averages().table(
        sort_by="self_cpu_time_total", row_limit=3)
    lines = table.splitlines()
    header = lines[1].split("  ")
    header = [h.strip() for h in header if h.strip()]
    assert header == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total",
                      "CPU time avg", "CPU Mem", "Self CPU Mem", "# of Calls"]
    assert len(lines) == 3 + 3 + 2  # rules and header, 3 rows, closing rule and total
    assert lines[3].split()[0] == "aten::addmm"  # 360us of self time: the most
    assert lines[-1] == "Self CPU time total: 1.000ms"
    with pytest.raises(ValueError, match="table: sort_by='cpu' is not one of"):
        EventList(build(FunctionEvent)).table(sort_by="cpu")


def test_long_names_are_cut_as_pytorch_does():
    ev = [FunctionEvent(0, "x" * 80, 1, 0.0, 1.0)]
    row = EventList(ev).table().splitlines()[3]
    assert row.startswith("x" * 52 + "...")


def test_formatting():
    assert [format_time(t) for t in (12.3456, 1234.5, 2.5e6)] == ["12.346us", "1.234ms",
                                                                   "2.500s"]
    assert [format_memory(b) for b in (512, 1536, 3 * 2 ** 20, -2 ** 30)] == [
        "512 B", "1.50 KB", "3.00 MB", "-1.00 GB"]


def test_chrome_trace_is_valid_trace_event_json(tmp_path):
    path = EventList(build(FunctionEvent)).export_chrome_trace(str(tmp_path / "t.json"))
    trace = json.loads(open(path).read())
    xs = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(xs) == len(SPANS)
    for e in xs:  # the fields chrome://tracing and Perfetto need for a complete event
        assert {"name", "ph", "ts", "dur", "pid", "tid"} <= set(e)
        assert e["dur"] >= 0
    assert xs[0]["name"] == "step" and xs[0]["dur"] == 1000.0
    # children lie inside their parents on the timeline
    assert xs[1]["ts"] >= xs[0]["ts"] and xs[1]["ts"] + xs[1]["dur"] <= 1000.0
    assert not list(tmp_path.glob("*.tmp*"))


def test_schedule_matches_pytorchs(torch):
    from torch.profiler import schedule as tschedule
    for kw in (dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=0, active=1, repeat=2),
               dict(wait=2, warmup=1, active=3, repeat=1, skip_first=2)):
        ours, theirs = schedule(**kw), tschedule(**kw)
        assert [ours(s).name for s in range(20)] == [theirs(s).name for s in range(20)], kw


def test_schedule_without_pytorch():
    s = schedule(wait=1, warmup=1, active=2, repeat=1)
    assert [s(i) for i in range(6)] == [
        ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD,
        ProfilerAction.RECORD_AND_SAVE, ProfilerAction.NONE, ProfilerAction.NONE]
    with pytest.raises(ValueError, match="schedule: .*expected active > 0"):
        schedule(wait=0, warmup=0, active=0)


def test_build_tree_finds_the_nesting_from_intervals_alone():
    linked = build(FunctionEvent)
    found = EventList(build(FunctionEvent, link=False))._build_tree()
    for a, b in zip(linked, found):
        assert [c.id for c in a.cpu_children] == [c.id for c in b.cpu_children]
        assert a.self_cpu_time_total == b.self_cpu_time_total
