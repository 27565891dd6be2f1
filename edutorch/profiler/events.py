"""What the profiler recorded, and the summaries PyTorch's profiler prints.

A ``FunctionEvent`` is one timed interval: an op (``aten::conv2d``), a backward node
(``ConvolutionBackward0``, inside ``autograd::engine::evaluate_function: ...``) or a
``record_function`` range. Intervals nest: an event's children ran inside it. So

    self time = total time - the total times of its direct children

and the self times of all events add up to the time covered by the top-level events: each
instant is counted once, in the innermost event running at that instant.

``EventList.key_averages()`` groups events by name (and input shapes, if asked);
``.table()`` prints them with PyTorch's columns; ``.export_chrome_trace()`` writes the
intervals as a Chrome trace (open it in chrome://tracing or https://ui.perfetto.dev).
"""
from __future__ import annotations

import json
import os
from collections import OrderedDict

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList", "format_time", "format_memory"]


def format_time(time_us: float) -> str:
    """``1.234ms``, ``56.000us``, ``2.000s`` (PyTorch's formatting)."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def format_memory(nbytes: int) -> str:
    """``512 B``, ``1.50 KB``, ``3.00 MB``, ``1.00 GB`` (PyTorch's formatting)."""
    for unit, size in (("GB", 2 ** 30), ("MB", 2 ** 20), ("KB", 2 ** 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


class FunctionEvent:
    """One recorded interval. Times are in microseconds, as in PyTorch."""

    def __init__(self, id: int, name: str, thread: int, start_us: float, end_us: float,
                 input_shapes: list | None = None, cpu_memory_usage: int = 0,
                 is_user_annotation: bool = False, is_backward: bool = False) -> None:
        self.id = id
        self.name = name
        self.thread = thread
        self.start_us, self.end_us = start_us, end_us
        self.input_shapes = input_shapes
        self.cpu_memory_usage = cpu_memory_usage  # bytes allocated inside, children included
        self.is_user_annotation = is_user_annotation
        self.is_backward = is_backward
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.count = 1

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} "
                f"cpu_time={format_time(self.cpu_time_total)} "
                f"self_cpu_time={format_time(self.self_cpu_time_total)} "
                f"children={len(self.cpu_children)}>")


class FunctionEventAvg:
    """The events of one name (and input shapes) added up: totals, self times, calls."""

    def __init__(self, key: str, input_shapes=None) -> None:
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.is_user_annotation = False

    def add(self, event) -> "FunctionEventAvg":
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        self.cpu_memory_usage += event.cpu_memory_usage
        self.self_cpu_memory_usage += event.self_cpu_memory_usage
        self.is_user_annotation = event.is_user_annotation
        return self

    @property
    def cpu_time(self) -> float:
        """Average total time per call."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time="
                f"{format_time(self.self_cpu_time_total)} cpu_time={format_time(self.cpu_time)} "
                f"count={self.count}>")


SORT_KEYS = ("cpu_time", "cpu_time_total", "self_cpu_time_total", "count",
             "cpu_memory_usage", "self_cpu_memory_usage")


class EventList(list):
    """A list of events (``FunctionEvent`` or ``FunctionEventAvg``) with PyTorch's summaries."""

    def __init__(self, events=(), profile_memory: bool = False) -> None:
        super().__init__(events)
        self.profile_memory = profile_memory

    def _build_tree(self) -> "EventList":
        """Find each event's parent from the intervals alone (PyTorch's ``_build_tree``): on
        each thread, walk the events by start time keeping a stack of the open intervals; the
        parent of an event is the innermost open interval that contains it."""
        for e in self:
            e.cpu_children, e.cpu_parent = [], None
        stacks: dict = {}
        for e in sorted(self, key=lambda e: (e.thread, e.start_us, -e.end_us)):
            stack = stacks.setdefault(e.thread, [])
            while stack and not (stack[-1].start_us <= e.start_us
                                 and e.end_us <= stack[-1].end_us):
                stack.pop()  # ended before e started: no longer open
            if stack:
                e.cpu_parent = stack[-1]
                stack[-1].cpu_children.append(e)
            stack.append(e)
        return self

    @property
    def self_cpu_time_total(self) -> float:
        """Sum of the self times: the time covered by the top-level events."""
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shapes: bool = False,
                     group_by_stack_n: int = 0) -> "EventList":
        """One ``FunctionEventAvg`` per name (per name and input shapes, if asked), in the
        order names first appear."""
        groups: OrderedDict = OrderedDict()
        for e in self:
            shapes = str(e.input_shapes) if group_by_input_shapes else None
            key = (e.key, shapes)
            if key not in groups:
                groups[key] = FunctionEventAvg(e.key, e.input_shapes if group_by_input_shapes
                                               else None)
            groups[key].add(e)
        return EventList(groups.values(), profile_memory=self.profile_memory)

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for e in self:
            total.add(e)
        return total

    # -- the table -----------------------------------------------------------------------------
    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80,
              header: str | None = None, top_level_events_only: bool = False) -> str:
        """PyTorch's table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg,
        (CPU Mem, Self CPU Mem with ``profile_memory``), # of Calls, (Input Shapes)."""
        if not self:
            return ""
        events = list(self)
        if sort_by is not None:
            if sort_by not in SORT_KEYS:
                raise ValueError(f"table: sort_by={sort_by!r} is not one of {list(SORT_KEYS)}")
            events.sort(key=lambda e: getattr(e, sort_by), reverse=True)
        if top_level_events_only:
            events = [e for e in events if getattr(e, "cpu_parent", None) is None]
        total_self = sum(e.self_cpu_time_total for e in self)
        has_shapes = any(e.input_shapes for e in events)

        name_width = min(max(len(e.key) for e in events) + 4, max_name_column_width)
        shapes_width = min(max(len(str(e.input_shapes)) for e in events) + 4,
                           max_shapes_column_width)
        headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
        if self.profile_memory:
            headers += ["CPU Mem", "Self CPU Mem"]
        headers.append("# of Calls")
        widths = [name_width] + [12] * (len(headers) - 1)
        if has_shapes:
            headers.append("Input Shapes")
            widths.append(shapes_width)

        def row(cells) -> str:
            return "".join(f"{c:>{w}}  " for c, w in zip(cells, widths))
        rule = "".join("-" * w + "  " for w in widths)

        def pct(t: float) -> str:
            return f"{100 * t / total_self:.2f}%" if total_self else "0.00%"

        lines = []
        if header:
            lines.append("=" * (sum(widths) + 2 * (len(widths) - 1)))
            lines.append(header)
        lines += [rule, row(headers), rule]
        for e in events[:row_limit] if row_limit is not None and row_limit >= 0 else events:
            name = e.key
            if len(name) >= max_name_column_width - 3:
                name = name[:max_name_column_width - 3] + "..."
            cells = [name, pct(e.self_cpu_time_total), format_time(e.self_cpu_time_total),
                     pct(e.cpu_time_total), format_time(e.cpu_time_total),
                     format_time(e.cpu_time)]
            if self.profile_memory:
                cells += [format_memory(e.cpu_memory_usage),
                          format_memory(e.self_cpu_memory_usage)]
            cells.append(str(e.count))
            if has_shapes:
                shapes = str(e.input_shapes)
                if len(shapes) >= max_shapes_column_width - 3:
                    shapes = shapes[:max_shapes_column_width - 3] + "..."
                cells.append(shapes)
            lines.append(row(cells))
        lines.append(rule)
        lines.append(f"Self CPU time total: {format_time(total_self)}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.table()

    # -- the Chrome trace ----------------------------------------------------------------------
    def chrome_trace(self, pid: int | None = None) -> dict:
        """The events as a Chrome trace (the "JSON object" format of the Trace Event Format):
        one complete ("X") event per interval, times in microseconds."""
        pid = os.getpid() if pid is None else pid
        trace = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
                  "args": {"name": "python"}}]
        for tid in sorted({e.thread for e in self}):
            trace.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                          "args": {"name": f"thread {tid} (python)"}})
        for e in sorted(self, key=lambda e: (e.start_us, -e.end_us)):
            args = {"External id": e.id}
            if e.input_shapes is not None:
                args["Input Dims"] = e.input_shapes
            if e.cpu_memory_usage:
                args["CPU Mem"] = e.cpu_memory_usage
            trace.append({"ph": "X", "cat": "user_annotation" if e.is_user_annotation
                          else "cpu_op", "name": e.name, "pid": pid, "tid": e.thread,
                          "ts": round(e.start_us, 3), "dur": round(e.cpu_time_total, 3),
                          "args": args})
        return {"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace,
                "traceName": "edutorch.profiler"}

    def export_chrome_trace(self, path: str) -> str:
        """Write ``chrome_trace()`` as JSON to ``path`` (whole, or not at all)."""
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.chrome_trace(), f)
        os.replace(tmp, path)
        return path
