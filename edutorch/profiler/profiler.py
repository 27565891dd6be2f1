"""``profile``, ``record_function`` and ``schedule``: PyTorch's profiler API on edutorch.

How it sees the ops: while a profile is recording it enters a ``TorchFunctionMode`` (the
library's single dispatch point, ``edutorch.overrides``), whose ``__torch_function__`` is
called for every op the library runs, forward (``conv2d``, shown as ``aten::conv2d`` like
PyTorch's rows) and backward (``ConvolutionBackward0``, inside an
``autograd::engine::evaluate_function: ConvolutionBackward0`` range as PyTorch's engine shows
it). It notes the time before and after running the op: that is one ``FunctionEvent``. When no
profile is recording no mode is entered, so the profiler costs nothing.
"""
from __future__ import annotations

import enum
import functools
import os
import socket
import threading
import time
import weakref
from typing import Callable, Iterable

from ..tensor import Tensor
from .events import EventList, FunctionEvent

__all__ = ["profile", "record_function", "schedule", "ProfilerAction", "ProfilerActivity",
           "tensorboard_trace_handler", "supported_activities"]

_now_ns = time.perf_counter_ns


class ProfilerActivity(enum.Enum):
    CPU = "CPU"
    CUDA = "CUDA"


def supported_activities() -> set:
    return {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    """What the profiler does during one step of a ``schedule``."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0,
             skip_first: int = 0) -> Callable[[int], ProfilerAction]:
    """The action for each step: skip ``skip_first`` steps, then cycles of ``wait`` idle steps,
    ``warmup`` steps, ``active`` recorded steps (the last one ``RECORD_AND_SAVE``, which hands
    the cycle to ``on_trace_ready``); ``repeat`` cycles (0: forever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError(f"schedule: wait={wait}, warmup={warmup}, active={active}, "
                         f"repeat={repeat}, skip_first={skip_first}; expected active > 0 and "
                         f"the others >= 0")
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        k = step % cycle
        if k < wait:
            return ProfilerAction.NONE
        if k < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if k < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


def _default_schedule(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


# ---------------------------------------------------------------------------------------------
# Recording intervals
# ---------------------------------------------------------------------------------------------

class _Recorder:
    """Opens and closes nested intervals; a closed interval becomes a ``FunctionEvent``."""

    def __init__(self, record_shapes: bool, profile_memory: bool) -> None:
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.events: list[FunctionEvent] = []
        self.stack: list[list] = []   # open intervals: [name, start_ns, shapes, ...]
        self.counted: dict = {}  # id -> weak reference of the arrays charged to an event
        self.origin_ns = _now_ns()
        self.thread = threading.get_ident()

    def begin(self, name: str, args=(), user: bool = False, backward: bool = False) -> list:
        shapes = None
        if self.record_shapes:  # tensors, and the raw gradient arrays the engine passes
            shapes = [list(getattr(a, "shape", ())) for a in args]
        frame = [name, _now_ns(), shapes, user, backward, [], 0]  # ..., children, memory
        self.stack.append(frame)
        return frame

    def end(self, frame: list, result=None, args=()) -> FunctionEvent:
        end_ns = _now_ns()
        name, start_ns, shapes, user, backward, children, memory = frame
        if self.profile_memory and result is not None:
            memory += self._new_bytes(result, args)
        if self.stack and self.stack[-1] is frame:
            self.stack.pop()
        else:  # closed out of order (an exception unwound several frames): drop it from the stack
            self.stack.remove(frame)
        ev = FunctionEvent(len(self.events), name, self.thread,
                           (start_ns - self.origin_ns) / 1e3, (end_ns - self.origin_ns) / 1e3,
                           input_shapes=shapes, cpu_memory_usage=memory + sum(
                               c.cpu_memory_usage for c in children),
                           is_user_annotation=user, is_backward=backward)
        for c in children:
            c.cpu_parent = ev
        ev.cpu_children = children
        self.events.append(ev)
        if self.stack:
            self.stack[-1][5].append(ev)
        else:
            self.counted.clear()
        return ev

    def _new_bytes(self, result, args) -> int:
        """Bytes of the memory this op allocated for its results: the arrays owning the
        results' memory, unless an input owns it too (a view of an input allocates nothing).
        Forward ops return Tensors; backward nodes may return their gradients as raw arrays."""
        inputs = {id(_owner(a)) for a in args if _owner(a) is not None}
        items = result if isinstance(result, (tuple, list)) else (result,)
        total = 0
        for item in items:
            owner = _owner(item)
            if owner is None or id(owner) in inputs:
                continue
            seen = self.counted.get(id(owner))
            if seen is not None and seen() is owner:
                continue  # already charged to an inner op
            # a weak reference: a freed array's id may be reused by a new one
            self.counted[id(owner)] = weakref.ref(owner)
            total += int(owner.nbytes)
        return total


def _owner(x):
    """The array owning the memory of ``x`` (a Tensor or an array); None for anything else."""
    array = x._data if isinstance(x, Tensor) else x
    if not hasattr(array, "nbytes") or not hasattr(array, "base"):
        return None
    while array.base is not None and hasattr(array.base, "nbytes"):
        array = array.base
    return array


_active: _Recorder | None = None  # the recorder of the profile now recording, if any


def _profiler_mode_class():
    """The ``TorchFunctionMode`` that times every op (built on first use)."""
    from ..overrides import TorchFunctionMode

    class _ProfilerMode(TorchFunctionMode):
        def __init__(self, recorder: _Recorder) -> None:
            super().__init__()
            self.recorder = recorder

        def __torch_function__(self, func, types, args=(), kwargs=None):
            rec = self.recorder
            kwargs = kwargs or {}
            if getattr(func, "is_backward", False):
                # the engine's view of one node: evaluate_function wraps the node's backward
                name = func.__name__
                if name == "AccumulateGrad":
                    name = "torch::autograd::AccumulateGrad"
                outer = rec.begin("autograd::engine::evaluate_function: " + name,
                                  backward=True)
                inner = rec.begin(name, args, backward=True)
                result = None
                try:
                    result = func(*args, **kwargs)
                    return result
                finally:
                    rec.end(inner, result, args)
                    rec.end(outer)
            frame = rec.begin("aten::" + func.__name__, args)
            result = None
            try:
                result = func(*args, **kwargs)
                return result
            finally:
                rec.end(frame, result, args)

    return _ProfilerMode


# ---------------------------------------------------------------------------------------------
# record_function
# ---------------------------------------------------------------------------------------------

class record_function:
    """A named range in the profile (``with record_function("forward"): ...``, or as a
    decorator). It costs nothing when no profile is recording."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._frame = None
        self._recorder = None

    def __enter__(self) -> "record_function":
        rec = _active
        if rec is not None:
            self._recorder = rec
            self._frame = rec.begin(self.name, user=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._frame is not None:
            self._recorder.end(self._frame)
            self._frame = self._recorder = None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper


# ---------------------------------------------------------------------------------------------
# profile
# ---------------------------------------------------------------------------------------------

class profile:
    """Records every op run inside ``with profile(...) as prof:``; then
    ``prof.key_averages().table(sort_by="self_cpu_time_total")`` summarises them and
    ``prof.export_chrome_trace("trace.json")`` writes the timeline.

    With ``schedule=``, call ``prof.step()`` after each training step: only the steps the
    schedule marks ``RECORD`` are recorded, and ``on_trace_ready(prof)`` is called at the end
    of each active cycle.
    """

    def __init__(self, activities: Iterable[ProfilerActivity] | None = None, *,
                 schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable | None = None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False,
                 with_flops: bool = False, with_modules: bool = False,
                 experimental_config=None, execution_trace_observer=None,
                 acc_events: bool = False, use_cuda: bool | None = None) -> None:
        activities = set(activities) if activities is not None else supported_activities()
        unsupported = activities - supported_activities()
        if unsupported or use_cuda:
            raise ValueError(f"profile: edutorch's profiler records CPU activity only "
                             f"(ProfilerActivity.CPU); got {sorted(a.name for a in unsupported)}"
                             f"{' and use_cuda=True' if use_cuda else ''}")
        self.activities = activities
        self.schedule = schedule or _default_schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = ProfilerAction.NONE
        self._recorder: _Recorder | None = None
        self._mode = None
        self._step_frame = None
        self._events: EventList | None = None
        self._accumulated: list = []

    # -- starting and stopping -----------------------------------------------------------------
    def __enter__(self) -> "profile":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        if self._recording(self.current_action):
            self._start_recording()

    def stop(self) -> None:
        if self._recorder is not None:
            self._stop_recording()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        self.current_action = ProfilerAction.NONE

    def step(self) -> None:
        """Mark the end of a training step (with a ``schedule``)."""
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if self._recorder is not None and (prev is ProfilerAction.RECORD_AND_SAVE
                                           or not self._recording(self.current_action)):
            self._stop_recording()
            if prev is ProfilerAction.RECORD_AND_SAVE and self.on_trace_ready is not None:
                self.on_trace_ready(self)
        if self._recording(self.current_action):
            if self._recorder is None:
                self._start_recording()
            else:  # next step of the same cycle: a new ProfilerStep range
                self._recorder.end(self._step_frame)
                self._open_step()

    @staticmethod
    def _recording(action: ProfilerAction) -> bool:
        return action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def _start_recording(self) -> None:
        global _active
        if _active is not None:
            raise RuntimeError("profile: another profiler is already recording; edutorch "
                               "records one profile at a time")
        self._recorder = _Recorder(self.record_shapes, self.profile_memory)
        self._mode = _profiler_mode_class()(self._recorder)
        self._mode.__enter__()
        _active = self._recorder
        self._open_step()

    def _open_step(self) -> None:
        self._step_frame = None
        if self.schedule is not _default_schedule:
            self._step_frame = self._recorder.begin(f"ProfilerStep#{self.step_num}", user=True)

    def _stop_recording(self) -> None:
        global _active
        rec = self._recorder
        if self._step_frame is not None:
            rec.end(self._step_frame)
            self._step_frame = None
        while rec.stack:  # ranges left open (a record_function still entered): close them
            rec.end(rec.stack[-1])
        self._mode.__exit__(None, None, None)
        _active = None
        self._recorder = self._mode = None
        events = sorted(rec.events, key=lambda e: (e.start_us, -e.end_us))
        if self.acc_events:
            self._accumulated.extend(events)
            events = self._accumulated
        self._events = EventList(events, profile_memory=self.profile_memory)

    # -- results -------------------------------------------------------------------------------
    def events(self) -> EventList:
        """Every recorded interval of the last recorded cycle, in start order."""
        if self._events is None:
            raise RuntimeError("profile: no events recorded yet (stop the profiler, or let the "
                               "schedule finish an active cycle, first)")
        return self._events

    def key_averages(self, group_by_input_shape: bool = False,
                     group_by_stack_n: int = 0) -> EventList:
        if group_by_input_shape and not self.record_shapes:
            raise ValueError("key_averages: group_by_input_shape=True needs "
                             "profile(record_shapes=True)")
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str) -> str:
        return self.events().export_chrome_trace(path)

    @property
    def self_cpu_time_total(self) -> float:
        return self.events().self_cpu_time_total


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False) -> Callable[[profile], None]:
    """An ``on_trace_ready`` that writes each cycle's Chrome trace into ``dir_name`` as
    ``<worker>.<time in ms>.pt.trace.json`` (TensorBoard's profiler plugin reads that folder)."""
    def handler(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{worker}.{int(time.time() * 1000)}.pt.trace.json")
        if use_gzip:
            import gzip
            import json
            tmp = f"{path}.gz.tmp{os.getpid()}"
            with gzip.open(tmp, "wt", encoding="utf-8") as f:
                json.dump(prof.events().chrome_trace(), f)
            os.replace(tmp, path + ".gz")
        else:
            prof.export_chrome_trace(path)
    return handler
