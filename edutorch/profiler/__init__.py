"""``edutorch.profiler``: where the time of a training step goes, with PyTorch's profiler API.

    from edutorch.profiler import profile, record_function, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("train_step"):
            loss = loss_fn(model(x), y)
            loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")

``profiler.py`` records the intervals (through the library's dispatch point);
``events.py`` turns them into self times, tables and traces.
"""
from .events import EventList, FunctionEvent, FunctionEventAvg
from .profiler import (
                       ProfilerAction,
                       ProfilerActivity,
                       profile,
                       record_function,
                       schedule,
                       supported_activities,
                       tensorboard_trace_handler,
)

__all__ = ["profile", "record_function", "schedule", "ProfilerAction", "ProfilerActivity",
           "tensorboard_trace_handler", "supported_activities", "EventList", "FunctionEvent",
           "FunctionEventAvg"]
