"""SummaryWriter writes event files that TensorBoard's own reader reads back."""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

import edutorch  # noqa: E402
from edutorch import nn  # noqa: E402
from edutorch.utils.tensorboard import SummaryWriter  # noqa: E402


def read(log_dir) -> EventAccumulator:
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0,
                                                        "images": 0})
    acc.Reload()
    return acc


def test_scalars_read_back(tmp_path):
    with SummaryWriter(log_dir=tmp_path) as w:
        for step in range(5):
            w.add_scalar("loss/train", 1.0 / (step + 1), step)
        w.add_scalar("lr", edutorch.tensor(0.25), 0)  # a one-element tensor
    acc = read(tmp_path)
    assert set(acc.Tags()["scalars"]) == {"loss/train", "lr"}
    events = acc.Scalars("loss/train")
    assert [e.step for e in events] == list(range(5))
    assert np.allclose([e.value for e in events], [1.0 / (s + 1) for s in range(5)])
    assert acc.Scalars("lr")[0].value == 0.25


def test_scalar_must_be_one_number(tmp_path):
    with SummaryWriter(log_dir=tmp_path) as w:
        with pytest.raises(ValueError, match="add_scalar: the value must have one element"):
            w.add_scalar("x", edutorch.ones(3))
        with pytest.raises(TypeError, match="add_scalar: expected a Tensor"):
            w.add_scalar("x", object())


def test_add_scalars_writes_one_run_per_key(tmp_path):
    with SummaryWriter(log_dir=tmp_path) as w:
        for step in range(3):
            w.add_scalars("loss", {"train": step * 1.0, "valid": step * 2.0}, step)
    for key, scale in (("train", 1.0), ("valid", 2.0)):
        acc = read(tmp_path / f"loss_{key}")
        assert [e.value for e in acc.Scalars("loss")] == [scale * s for s in range(3)]


def test_histogram_matches_the_data(tmp_path):
    values = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    with SummaryWriter(log_dir=tmp_path) as w:
        w.add_histogram("w", edutorch.tensor(values), 3)
        w.add_histogram("w10", values, 3, bins=10)
    acc = read(tmp_path)
    h = acc.Histograms("w")[0]
    assert h.step == 3
    v = h.histogram_value
    assert v.num == 1000 and np.isclose(v.min, values.min()) and np.isclose(v.max, values.max())
    assert np.isclose(v.sum, values.sum(dtype=np.float64), atol=1e-3)
    assert np.isclose(v.sum_squares, (values.astype(np.float64) ** 2).sum())
    assert sum(v.bucket) == 1000
    v10 = acc.Histograms("w10")[0].histogram_value
    counts, edges = np.histogram(values, bins=10)
    assert list(v10.bucket) == counts.tolist()
    assert np.allclose(v10.bucket_limit, edges[1:])


def test_histogram_refuses_nan(tmp_path):
    with SummaryWriter(log_dir=tmp_path) as w:
        with pytest.raises(ValueError, match="add_histogram: the input has non-finite"):
            w.add_histogram("w", edutorch.tensor([1.0, float("nan")]))


def _decode_png(data: bytes) -> np.ndarray:
    """Pixels of an 8-bit, unfiltered PNG (what add_image writes), by the PNG spec."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, colour = header[:4]
    c = {0: 1, 2: 3, 6: 4}[colour]
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * c)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(h, w, c)


def test_image_read_back(tmp_path):
    rng = np.random.default_rng(0)
    chw = rng.random((3, 5, 7)).astype(np.float32)
    grey = rng.integers(0, 256, (4, 6), dtype=np.uint8)
    with SummaryWriter(log_dir=tmp_path) as w:
        w.add_image("rgb", edutorch.tensor(chw), 1)
        w.add_image("grey", grey, 2, dataformats="HW")
    acc = read(tmp_path)
    rgb = acc.Images("rgb")[0]
    assert (rgb.height, rgb.width, rgb.step) == (5, 7, 1)
    pixels = _decode_png(rgb.encoded_image_string)
    assert np.array_equal(pixels, np.round(chw.transpose(1, 2, 0) * 255).astype(np.uint8))
    g = acc.Images("grey")[0]
    assert np.array_equal(_decode_png(g.encoded_image_string)[..., 0], grey)
    # and a PNG reader other than ours agrees, where matplotlib is installed
    plt_image = pytest.importorskip("matplotlib.image")
    theirs = plt_image.imread(io.BytesIO(g.encoded_image_string), format="png")
    assert np.array_equal((theirs * 255).round(), grey)  # a grey PNG reads as (H, W)


def test_image_format_errors(tmp_path):
    with SummaryWriter(log_dir=tmp_path) as w:
        with pytest.raises(ValueError, match="add_image: dataformats 'CHW' does not describe"):
            w.add_image("x", np.zeros((4, 4)))
        with pytest.raises(ValueError, match="add_image: expected 1, 3 or 4 channels, got 2"):
            w.add_image("x", np.zeros((2, 4, 4)))


def test_graph_read_back(tmp_path):
    edutorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with SummaryWriter(log_dir=tmp_path) as w:
        w.add_graph(model, edutorch.randn(5, 3))
    graph = read(tmp_path).Graph()
    names = {n.name: n for n in graph.node}
    assert "Sequential/Linear[0]/weight" in names and "Sequential/Linear[2]/bias" in names
    ops = {n.name.rsplit("_", 1)[0] for n in graph.node if n.op.endswith("Backward0")}
    assert "Sequential/ReLU[1]/ReluBackward0" in ops
    assert any(n.startswith("Sequential/Linear[2]/") and "Backward" in n for n in names)
    # every input names a node of the graph
    assert all(i in names for n in graph.node for i in n.input)
    assert names["output/output.0"].attr["_output_shapes"].list.shape[0].dim[1].size == 2


def test_default_log_dir_is_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1")
    w.add_scalar("x", 1.0)
    w.close()
    assert w.log_dir.startswith("runs") and w.log_dir.endswith("_lr0.1")
    assert read(tmp_path / w.log_dir).Scalars("x")[0].value == 1.0


def test_flush_makes_events_visible_before_close(tmp_path):
    w = SummaryWriter(log_dir=tmp_path, flush_secs=10_000)
    w.add_scalar("x", 2.0, 0)
    w.flush()
    assert read(tmp_path).Scalars("x")[0].value == 2.0
    w.close()
