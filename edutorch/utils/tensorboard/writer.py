"""``SummaryWriter``: scalars, histograms, images and the model's graph, as TensorBoard events.

An event file is a sequence of records, each an ``Event`` protocol buffer: a wall time, a step,
and a ``Summary`` holding tagged values. The ``tensorboard`` package supplies the protobuf
classes and ``EventFileWriter`` (which frames and checksums each record); this module only
builds the values, as PyTorch's writer does:

- a scalar is a ``Summary.Value(simple_value=...)``;
- a histogram is a ``HistogramProto``: min, max, count, sum, sum of squares, bucket edges/counts;
- an image is a PNG (encoded here with ``zlib``) inside a ``Summary.Image``;
- a graph is a ``GraphDef``: one ``NodeDef`` per recorded op, found by walking ``grad_fn``.
"""
from __future__ import annotations

import os
import socket
import struct
import time
import zlib
from datetime import datetime

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from ... import backend
from ...tensor import Tensor

__all__ = ["SummaryWriter", "FileWriter"]


def _host_array(value, what: str):
    """``value`` (a Tensor, an array, a list or a number) as a NumPy array, for writing."""
    if isinstance(value, Tensor):
        return backend.to_numpy(value.detach()._data)
    try:
        arr = backend.asarray(value)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.dtype.kind not in "biuf":  # not numbers (objects, strings)
        raise TypeError(f"{what}: expected a Tensor, an array or a number, got "
                        f"{type(value).__name__}")
    return arr


def _scalar(value, what: str) -> float:
    arr = _host_array(value, what)
    if arr.size != 1:
        raise ValueError(f"{what}: the value must have one element, got shape {list(arr.shape)}")
    return float(arr.reshape(()))


class FileWriter:
    """One event file in ``log_dir``: adds events, flushes them (``EventFileWriter``'s queue)."""

    def __init__(self, log_dir: str, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_event(self, event, step: int | None = None, walltime: float | None = None) -> None:
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None) -> None:
        self.add_event(event_pb2.Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_def: GraphDef, walltime=None) -> None:
        self.add_event(event_pb2.Event(graph_def=graph_def.SerializeToString()), None, walltime)

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self.event_writer.close()


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir`` (default ``runs/<date>_<host><comment>``).

        writer = SummaryWriter()
        for step in range(100):
            writer.add_scalar("loss/train", loss, step)
        writer.close()
    """

    def __init__(self, log_dir: str | None = None, comment: str = "", purge_step=None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = "") -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs = max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] = {}
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        if self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            self.all_writers[self.file_writer.get_logdir()] = self.file_writer
            if self.purge_step is not None:  # tell TensorBoard to drop events from this step on
                self.file_writer.add_event(event_pb2.Event(
                    step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(event_pb2.Event(
                    step=self.purge_step, session_log=event_pb2.SessionLog(
                        status=event_pb2.SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str:
        return self.log_dir

    # -- scalars -------------------------------------------------------------------------------
    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None,
                   walltime: float | None = None, new_style: bool = False) -> None:
        """One number (a Python number or a one-element tensor) under ``tag`` at a step."""
        value = _scalar(scalar_value, "add_scalar")
        if new_style:  # a tensor-valued summary of the scalars plugin
            from tensorboard.compat.proto.tensor_pb2 import TensorProto
            tensor = TensorProto(dtype="DT_FLOAT", float_val=[value],
                                 tensor_shape=TensorShapeProto())
            meta = summary_pb2.SummaryMetadata(
                plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
            summary_value = summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=meta)
        else:
            summary_value = summary_pb2.Summary.Value(tag=tag, simple_value=value)
        self._get_file_writer().add_summary(summary_pb2.Summary(value=[summary_value]),
                                            global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Several curves on one chart: each key goes to its own run, ``log_dir/main_tag_key``
        (how PyTorch does it, so TensorBoard overlays them under ``main_tag``)."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            path = os.path.join(self._get_file_writer().get_logdir(),
                                main_tag.replace("/", "_") + "_" + tag)
            writer = self.all_writers.get(path)
            if writer is None:
                writer = FileWriter(path, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers[path] = writer
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(
                tag=main_tag, simple_value=_scalar(value, "add_scalars"))])
            writer.add_summary(summary, global_step, walltime)

    # -- histograms ----------------------------------------------------------------------------
    def add_histogram(self, tag: str, values, global_step: int | None = None,
                      bins="tensorflow", walltime: float | None = None, max_bins=None) -> None:
        """The distribution of ``values`` (e.g. a layer's weights) at a step.

        ``bins``: ``"tensorflow"`` (TensorFlow's exponentially growing buckets), or anything
        NumPy's ``histogram`` takes (a number of bins, ``"auto"``, ``"fd"``...)."""
        hist = histogram(_host_array(values, "add_histogram"), bins, max_bins)
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=hist)])
        self._get_file_writer().add_summary(summary, global_step, walltime)

    # -- images --------------------------------------------------------------------------------
    def add_image(self, tag: str, img_tensor, global_step: int | None = None,
                  walltime: float | None = None, dataformats: str = "CHW") -> None:
        """An image: floats in [0, 1] (scaled by 255) or uint8 in [0, 255], laid out as
        ``dataformats`` (``"CHW"``, ``"HWC"``, ``"HW"``); 1, 3 or 4 channels."""
        image = image_proto(_host_array(img_tensor, "add_image"), dataformats)
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=image)])
        self._get_file_writer().add_summary(summary, global_step, walltime)

    # -- the model's graph ---------------------------------------------------------------------
    def add_graph(self, model, input_to_model=None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """The graph of one forward pass of ``model`` on ``input_to_model``, for TensorBoard's
        Graphs tab. Where PyTorch traces with TorchScript, this runs the model once with grad
        mode on and walks the recorded ``grad_fn`` nodes; each op is placed in the scope of the
        innermost module that ran it (``Sequential/Linear[0]/AddmmBackward0_1``)."""
        if input_to_model is None:
            raise ValueError("add_graph: pass input_to_model (a Tensor or a tuple of Tensors) to "
                             "run the model once")
        graph_def = graph_from_module(model, input_to_model)
        if verbose:
            print(graph_def)
        self._get_file_writer().add_graph(graph_def)

    # -- lifetime ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything queued so far to disk."""
        for writer in self.all_writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file; the writer can not be used afterwards."""
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = None
        self.all_writers = {}

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Building the values
# ---------------------------------------------------------------------------------------------

def _tensorflow_bucket_edges(xp):
    """TensorFlow's default histogram edges: +-1e-12 growing by 10% up to 1e20, and 0."""
    pos = [1e-12]
    while pos[-1] < 1e20:
        pos.append(pos[-1] * 1.1)
    return xp.asarray([-v for v in reversed(pos)] + [0.0] + pos)


def histogram(values, bins="tensorflow", max_bins=None) -> summary_pb2.HistogramProto:
    """A ``HistogramProto`` of ``values`` (a NumPy array); empty buckets at the ends dropped."""
    xp = backend.xp_of(values)
    values = values.astype(backend.np_dtype("float64")).reshape(-1)
    if values.size == 0:
        raise ValueError("add_histogram: the input has no elements")
    if not bool(xp.isfinite(values).all()):
        raise ValueError("add_histogram: the input has non-finite values (NaN or inf)")
    edges = _tensorflow_bucket_edges(xp) if bins == "tensorflow" else bins
    counts, limits = xp.histogram(values, bins=edges)
    if max_bins is not None and len(counts) > max_bins:  # merge neighbours
        k = -(-len(counts) // max_bins)
        pad = (-len(counts)) % k
        counts = xp.concatenate([counts, xp.zeros(pad, counts.dtype)]).reshape(-1, k).sum(1)
        limits = xp.concatenate([limits[:-1:k], limits[-1:]])
    nonzero = xp.nonzero(counts)[0]
    first, last = int(nonzero[0]), int(nonzero[-1]) + 1
    counts, limits = counts[first:last], limits[first:last + 1]
    return summary_pb2.HistogramProto(
        min=float(values.min()), max=float(values.max()), num=int(values.size),
        sum=float(values.sum()), sum_squares=float((values * values).sum()),
        bucket_limit=[float(v) for v in limits[1:]], bucket=[float(c) for c in counts])


def _png(pixels) -> bytes:
    """PNG bytes of a uint8 array of shape (H, W, C), C in 1, 3, 4 (no filtering, zlib level 9)."""
    xp = backend.xp_of(pixels)
    h, w, c = pixels.shape
    colour_type = {1: 0, 3: 2, 4: 6}[c]  # grey, RGB, RGBA

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = xp.concatenate([xp.zeros((h, 1), pixels.dtype), pixels.reshape(h, w * c)], axis=1)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
            + chunk(b"IEND", b""))


def image_proto(array, dataformats: str = "CHW") -> summary_pb2.Summary.Image:
    """A ``Summary.Image`` (PNG) of ``array`` laid out as ``dataformats``."""
    fmt = dataformats.upper()
    if sorted(fmt) not in (sorted("CHW"), sorted("HW")) or array.ndim != len(fmt):
        raise ValueError(f"add_image: dataformats {dataformats!r} does not describe an image of "
                         f"shape {list(array.shape)} (expected 'CHW', 'HWC' or 'HW' with as many "
                         f"letters as dimensions)")
    if fmt == "HW" or fmt == "WH":
        array, fmt = array[None], "C" + fmt
    hwc = array.transpose([fmt.index(d) for d in "HWC"])
    if hwc.shape[2] not in (1, 3, 4):
        raise ValueError(f"add_image: expected 1, 3 or 4 channels, got {hwc.shape[2]} "
                         f"(shape {list(array.shape)}, dataformats {dataformats!r})")
    uint8 = backend.np_dtype("uint8")
    if hwc.dtype != uint8:  # floats are taken to be in [0, 1], as in PyTorch
        hwc = (hwc.astype(backend.np_dtype("float32")) * 255).clip(0, 255).round()
    hwc = hwc.astype(uint8)
    h, w, c = hwc.shape
    return summary_pb2.Summary.Image(height=h, width=w, colorspace=c,
                                     encoded_image_string=_png(hwc))


def _run_scoped(model, inputs):
    """Run ``model`` once on fresh leaves made from ``inputs``; return (output, leaves,
    scope_of_module, {id(node): scope}), each node scoped by the innermost module whose
    forward created it."""
    from ...autograd import grad_mode
    inputs = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    scope_of_module = {m: name for name, m in _scoped_modules(model)}
    finished = []  # (scope, input nodes, output tensors), inner modules finish first

    def hook(module, args, output):
        outs = output if isinstance(output, (tuple, list)) else (output,)
        ins = {id(a.grad_fn) for a in args if isinstance(a, Tensor) and a.grad_fn is not None}
        finished.append((scope_of_module[module], ins,
                         [o for o in outs if isinstance(o, Tensor)]))
    handles = [m.register_forward_hook(hook) for m in scope_of_module]
    try:
        with grad_mode.enable_grad():
            # fresh leaves, so the inputs' own history is not drawn
            leaves = [t.detach().requires_grad_(t.is_floating_point()) for t in inputs]
            output = model(*leaves)
    finally:
        for h in handles:
            h.remove()

    scope: dict[int, str] = {}  # id(node) -> scope, claimed by the innermost module first
    for name, stop, outs in finished:
        stack = [o.grad_fn for o in outs if o.grad_fn is not None]
        while stack:
            fn = stack.pop()
            if id(fn) in scope or id(fn) in stop:
                continue
            scope[id(fn)] = name
            stack.extend(c for c, _ in fn.next_functions if c is not None)
    return output, leaves, scope_of_module, scope


def graph_from_module(model, inputs) -> GraphDef:
    """A ``GraphDef`` of one forward pass: inputs, parameters, and every recorded op, scoped by
    the innermost module whose forward created it."""
    output, leaves, scope_of_module, scope = _run_scoped(model, inputs)
    params = {id(p): name for name, p in model.named_parameters()}
    leaf_ids = {id(t): f"input/input.{i}" for i, t in enumerate(leaves)}
    nodes, names, keep = [], {}, []  # NodeDefs; id(fn) -> node name; fns kept alive

    def shape_attr(t):
        return {"_output_shapes": AttrValue(list=AttrValue.ListValue(shape=[TensorShapeProto(
            dim=[TensorShapeProto.Dim(size=int(s)) for s in t.shape])]))}

    def name_of(fn) -> str:
        if id(fn) in names:
            return names[id(fn)]
        variable = getattr(fn, "variable", None)
        if isinstance(variable, Tensor):  # a leaf: an input or a parameter
            if id(variable) in params:
                mod, _, pname = params[id(variable)].rpartition(".")
                prefix = scope_of_module[model.get_submodule(mod)] if mod else \
                    scope_of_module[model]
                name, op = f"{prefix}/{pname}", "Parameter"
            else:
                name, op = leaf_ids.get(id(variable), f"input/leaf.{len(names)}"), "IO Node"
            nodes.append(NodeDef(name=name, op=op, attr=shape_attr(variable)))
        else:
            op = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
            name = f"{scope.get(id(fn), scope_of_module[model])}/{op}_{len(names)}"
            node = NodeDef(name=name, op=op)
            nodes.append(node)
        names[id(fn)] = name
        keep.append(fn)
        return name

    outs = output if isinstance(output, (tuple, list)) else (output,)
    order, seen, stack = [], set(), [o.grad_fn for o in outs
                                     if isinstance(o, Tensor) and o.grad_fn is not None]
    while stack:  # every node reachable from the outputs
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        order.append(fn)
        stack.extend(c for c, _ in fn.next_functions if c is not None)
    for fn in reversed(order):
        name_of(fn)
    by_name = {n.name: n for n in nodes}
    for fn in order:
        by_name[names[id(fn)]].input.extend(names[id(c)] for c, _ in fn.next_functions
                          if c is not None and id(c) in names)
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and o.grad_fn is not None:
            nodes.append(NodeDef(name=f"output/output.{i}", op="IO Node",
                                 input=[names[id(o.grad_fn)]], attr=shape_attr(o)))
    return GraphDef(node=nodes, versions={"producer": 22})


def _scoped_modules(model):
    """(scope, module) pairs: ``Sequential``, ``Sequential/Linear[0]``, ... (PyTorch's style)."""
    result = [(type(model).__name__, model)]
    by_name = {"": type(model).__name__}
    for name, module in model.named_modules():
        if not name:
            continue
        parent, _, last = name.rpartition(".")
        scope = f"{by_name[parent]}/{type(module).__name__}[{last}]"
        by_name[name] = scope
        result.append((scope, module))
    return result
