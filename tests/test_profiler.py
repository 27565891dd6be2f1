"""edutorch.profiler on a real training step (LeNet-5): the self times account for the whole
step, the table has PyTorch's columns, backward nodes are attributed as PyTorch's engine shows
them, schedules and trace files work, and no dispatch mode is left behind."""
from __future__ import annotations

import json
import os
import sys
import time

import pytest

import edutorch
from edutorch.autograd.function import dispatch_state
from edutorch.profiler import (
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.cnn import lenet, make_data  # noqa: E402

TORCH_COLUMNS = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]


def lenet_step(lib=edutorch, batch=16):
    x, y, weights = make_data()
    model = lenet(lib.nn)
    model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    xs, ys = lib.tensor(x[:batch]), lib.tensor(y[:batch])

    def step():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(xs), ys)
        loss.backward()
        opt.step()
        return loss
    return step


def header(table: str) -> list[str]:
    return [h.strip() for h in table.splitlines()[1].split("  ") if h.strip()]


def test_self_times_of_a_lenet_step_add_up_to_the_step():
    step = lenet_step()
    step()  # warm up: first calls allocate
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        with record_function("train_step"):
            step()
        wall_us = (time.perf_counter() - t0) * 1e6
    events = prof.events()
    top = [e for e in events if e.cpu_parent is None]
    assert [e.name for e in top] == ["train_step"]
    total_self = sum(e.self_cpu_time_total for e in events)
    assert abs(total_self - wall_us) <= 0.05 * wall_us, (total_self, wall_us)
    assert abs(total_self - top[0].cpu_time_total) <= 1e-6 * wall_us
    assert all(e.self_cpu_time_total >= 0 for e in events)


def test_forward_ops_and_backward_nodes_are_recorded_as_pytorch_names_them():
    step = lenet_step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        loss = step()
    names = [e.name for e in prof.events()]
    assert any(n.startswith("aten::") and "conv" in n for n in names)
    assert all(n.startswith(("aten::", "autograd::engine::evaluate_function: "))
               or n.endswith("Backward0") or n.startswith("torch::autograd::")
               for n in names), names
    # every backward node ran inside PyTorch's engine range of the same name
    def is_node(name):
        return name.endswith("Backward0") and not name.startswith("autograd::")
    for e in prof.events():
        if is_node(e.name):
            assert e.cpu_parent is not None
            assert e.cpu_parent.name == f"autograd::engine::evaluate_function: {e.name}"
    # and they are the nodes of the recorded graph (one row per node)
    with edutorch.enable_grad():
        out = edutorch.nn.functional.cross_entropy(*_forward_only())
    graph_nodes, stack = {}, [out.grad_fn]
    while stack:
        fn = stack.pop()
        if id(fn) in graph_nodes:
            continue
        graph_nodes[id(fn)] = fn.name()
        stack.extend(c for c, _ in fn.next_functions if c is not None)
    ours = sorted(n for n in names if is_node(n))
    theirs = sorted(n for n in graph_nodes.values() if n.endswith("Backward0"))
    assert ours == theirs
    assert loss.requires_grad


def test_leaf_gradients_show_as_accumulate_grad_rows_as_in_pytorch(torch):
    """Each parameter's gradient goes into ``.grad`` through its ``AccumulateGrad`` node, and
    the profiler shows one engine range per parameter, as PyTorch's does (LeNet: 10)."""
    counts = []
    for lib, prof_mod in ((edutorch, sys.modules["edutorch.profiler"]), (torch, torch.profiler)):
        step = lenet_step(lib)
        with prof_mod.profile(activities=[prof_mod.ProfilerActivity.CPU]) as prof:
            step()
        names = [e.name for e in prof.events()]
        counts.append((names.count("torch::autograd::AccumulateGrad"),
                       names.count("autograd::engine::evaluate_function: "
                                   "torch::autograd::AccumulateGrad")))
    assert counts[0] == counts[1] == (10, 10), counts


def _forward_only():
    x, y, weights = make_data()
    model = lenet(edutorch.nn)
    model.load_state_dict({k: edutorch.tensor(v) for k, v in weights.items()})
    return model(edutorch.tensor(x[:16])), edutorch.tensor(y[:16])


def test_table_has_pytorchs_columns_and_memory_columns():
    step = lenet_step()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10)
    assert header(table) == TORCH_COLUMNS + ["CPU Mem", "Self CPU Mem", "# of Calls"]
    assert len(table.splitlines()) == 3 + 10 + 2
    assert table.splitlines()[-1].startswith("Self CPU time total: ")
    conv = [a for a in prof.key_averages() if a.key.startswith("aten::") and "conv" in a.key]
    # LeNet's two convolutions allocate their outputs: 16x6x24x24 and 16x16x8x8 floats
    assert conv and conv[0].count == 2
    assert conv[0].cpu_memory_usage >= 4 * 16 * (6 * 24 * 24 + 16 * 8 * 8)
    plain = profile(activities=[ProfilerActivity.CPU])
    with plain:
        step()
    assert header(plain.key_averages().table()) == TORCH_COLUMNS + ["# of Calls"]


def test_table_columns_equal_pytorchs_on_the_same_step(torch):
    from torch.profiler import ProfilerActivity as TA
    from torch.profiler import profile as tprofile
    step = lenet_step(torch)
    with tprofile(activities=[TA.CPU], profile_memory=True) as tprof:
        step()
    ours = lenet_step()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        ours()
    t_table = tprof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    e_table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    assert header(e_table) == header(t_table)
    t_names = {a.key for a in tprof.key_averages()}
    e_names = {a.key for a in prof.key_averages()}
    for name in ("autograd::engine::evaluate_function: ConvolutionBackward0",
                 "ConvolutionBackward0", "AddmmBackward0", "ReluBackward0"):
        assert name in t_names and name in e_names, name


def test_record_shapes_and_grouping():
    step = lenet_step()
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        step()
    by_shape = prof.key_averages(group_by_input_shape=True)
    conv = [a for a in by_shape if a.key.startswith("aten::") and "conv" in a.key]
    assert len(conv) == 2  # two convolutions of different shapes
    assert [16, 1, 28, 28] in [s for a in conv for s in a.input_shapes]
    assert "Input Shapes" in header(by_shape.table())
    with profile() as plain:
        step()
    with pytest.raises(ValueError, match="group_by_input_shape=True needs"):
        plain.key_averages(group_by_input_shape=True)


def test_schedule_records_only_active_steps_and_hands_them_over(tmp_path):
    step = lenet_step(batch=4)
    ready = []
    with profile(schedule=schedule(wait=1, warmup=1, active=2, repeat=1),
                 on_trace_ready=lambda p: ready.append(
                     sorted({e.name for e in p.events() if e.name.startswith("ProfilerStep")}))
                 ) as prof:
        for _ in range(6):
            step()
            prof.step()
    assert ready == [["ProfilerStep#2", "ProfilerStep#3"]]
    steps = [e for e in prof.events() if e.name.startswith("ProfilerStep")]
    assert all(e.cpu_parent is None for e in steps)
    assert sum(e.self_cpu_time_total for e in prof.events()) == pytest.approx(
        sum(e.cpu_time_total for e in steps))


def test_chrome_trace_and_tensorboard_handler(tmp_path):
    step = lenet_step(batch=4)
    with profile(on_trace_ready=tensorboard_trace_handler(str(tmp_path / "tb"), "worker0")) \
            as prof:
        step()
    prof.export_chrome_trace(str(tmp_path / "trace.json"))
    trace = json.loads((tmp_path / "trace.json").read_text())
    xs = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(xs) == len(prof.events())
    assert all({"name", "ts", "dur", "pid", "tid"} <= set(e) for e in xs)
    written = list((tmp_path / "tb").iterdir())
    assert len(written) == 1 and written[0].name.startswith("worker0.")
    assert written[0].name.endswith(".pt.trace.json")
    assert json.loads(written[0].read_text())["traceEvents"]


def test_no_mode_is_left_behind_and_off_means_no_mode():
    step = lenet_step(batch=4)
    assert dispatch_state.modes == ()
    with pytest.raises(ValueError, match="boom"):
        with profile():
            step()
            raise ValueError("boom")
    assert dispatch_state.modes == ()
    seen = []
    with profile(schedule=schedule(wait=5, warmup=0, active=1)) as prof:
        seen.append(dispatch_state.modes)  # waiting: the profiler enters no mode
        step()
    assert seen == [()]
    with record_function("nothing to record"):  # no profiler: a no-op
        step()
    with pytest.raises(RuntimeError, match="no events recorded yet"):
        prof.events()


def test_one_profile_at_a_time_and_cpu_only():
    with profile():
        with pytest.raises(RuntimeError, match="another profiler is already recording"):
            with profile():
                pass
    with pytest.raises(ValueError, match="records CPU activity only"):
        profile(activities=[ProfilerActivity.CUDA])
