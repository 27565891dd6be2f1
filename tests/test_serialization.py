"""edutorch.save / edutorch.load: safetensors files, safe against hostile input, atomic saves."""
from __future__ import annotations

import collections
import io
import json
import math
import os
import pickle
import struct

import numpy as np
import pytest

import edutorch
import edutorch.serialization as serialization
from edutorch.serialization import SerializationError

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _values(name, rng, shape=(3, 4)):
    info = np.iinfo(name) if name not in ("bool", "float16", "float32", "float64") else None
    if name == "bool":
        return rng.random(shape) < 0.5
    if info is not None:
        a = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=name)
        a.flat[0], a.flat[1] = info.min, info.max
        return a
    a = rng.standard_normal(shape).astype(name)
    a.flat[0], a.flat[1], a.flat[2] = np.inf, -0.0, np.finfo(name).tiny
    return a


def _assert_tensor_equal(t, array):
    assert isinstance(t, edutorch.Tensor)
    assert t.dtype.name == array.dtype.name
    assert tuple(t.shape) == array.shape
    np.testing.assert_array_equal(t.numpy(), array)


# -- round trips -------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips(tmp_path, rng, dtype):
    a = _values(dtype, rng)
    path = tmp_path / "t.safetensors"
    edutorch.save({"x": edutorch.from_numpy(a), "scalar": edutorch.from_numpy(a[0, 0].copy()),
                   "empty": edutorch.from_numpy(a[:0])}, path)
    out = edutorch.load(path)
    _assert_tensor_equal(out["x"], a)
    _assert_tensor_equal(out["scalar"], a[0, 0])
    _assert_tensor_equal(out["empty"], a[:0])


def test_non_contiguous_tensors_are_saved_by_value(tmp_path, rng):
    base = edutorch.from_numpy(rng.standard_normal((4, 6)))
    views = {"t": base.T, "step": base[:, ::2], "perm": base.reshape(2, 2, 6).permute(2, 0, 1),
             "expanded": edutorch.ones(3).expand(4, 3)}
    edutorch.save(views, tmp_path / "v.safetensors")
    out = edutorch.load(tmp_path / "v.safetensors")
    for k, v in views.items():
        assert not (k != "expanded" and v.is_contiguous())
        _assert_tensor_equal(out[k], v.numpy())


def test_nested_objects_round_trip(tmp_path):
    w = edutorch.randn(2, 3, requires_grad=True)
    obj = {
        "model": collections.OrderedDict(weight=w.detach(), bias=edutorch.zeros(2)),
        "epoch": 7, "loss": 0.123456789012345678, "best": math.inf, "worst": -math.inf,
        "nan": math.nan, "big": 2 ** 80, "name": "résumé ✓", "flags": [True, False, None],
        "shape": edutorch.Size([2, 3]), "pair": (1, (2.5, "x")), "empty": {}, "nothing": None,
        3: "int key", (1, "a"): "tuple key", 2.5: [], "dtype": edutorch.float16,
        "device": edutorch.device("cpu"), "leaf": w, "counts": collections.Counter(a=2, b=1),
        "default": collections.defaultdict(list, a=[1]),
    }
    edutorch.save(obj, tmp_path / "o.safetensors")
    out = edutorch.load(tmp_path / "o.safetensors")
    assert list(out) == list(obj)
    assert type(out["model"]) is collections.OrderedDict
    assert list(out["model"]) == ["weight", "bias"]
    np.testing.assert_array_equal(out["model"]["weight"].numpy(), w.detach().numpy())
    for key in ("epoch", "loss", "best", "worst", "big", "name", "flags", "empty", "nothing",
                3, (1, "a"), 2.5, "dtype", "device"):
        assert out[key] == obj[key] and type(out[key]) is type(obj[key]), key
    assert math.isnan(out["nan"])
    assert type(out["counts"]) is collections.Counter and out["counts"] == obj["counts"]
    assert type(out["default"]) is dict and out["default"] == {"a": [1]}
    assert type(out["shape"]) is edutorch.Size and out["shape"] == (2, 3)
    assert out["pair"] == (1, (2.5, "x")) and type(out["pair"][1]) is tuple
    assert out["leaf"].requires_grad and out["leaf"].is_leaf
    assert not out["model"]["weight"].requires_grad


def test_a_single_tensor_and_file_objects(tmp_path):
    t = edutorch.arange(6.0).reshape(2, 3)
    buf = io.BytesIO()
    edutorch.save(t, buf)
    buf.seek(0)
    _assert_tensor_equal(edutorch.load(buf), t.numpy())
    with open(tmp_path / "f.bin", "wb") as fh:
        edutorch.save([t, 1], fh)
    with open(tmp_path / "f.bin", "rb") as fh:
        out = edutorch.load(fh)
    assert out[1] == 1
    _assert_tensor_equal(out[0], t.numpy())
    edutorch.save(t, str(tmp_path / "s.safetensors"))  # str paths as well as PathLike
    _assert_tensor_equal(edutorch.load(str(tmp_path / "s.safetensors")), t.numpy())


def test_loaded_tensors_are_independent_and_writable(tmp_path):
    edutorch.save({"a": edutorch.zeros(3), "b": edutorch.ones(3)}, tmp_path / "w.safetensors")
    out = edutorch.load(tmp_path / "w.safetensors")
    out["a"].add_(5)
    assert out["a"].tolist() == [5.0, 5.0, 5.0] and out["b"].tolist() == [1.0, 1.0, 1.0]


def test_model_and_optimizer_checkpoint(tmp_path):
    model = edutorch.nn.Linear(3, 2)
    opt = edutorch.optim.Adam(model.parameters(), lr=0.01)
    model(edutorch.randn(4, 3)).sum().backward()
    opt.step()
    edutorch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 1},
                  tmp_path / "ckpt.safetensors")
    ckpt = edutorch.load(tmp_path / "ckpt.safetensors")
    fresh = edutorch.nn.Linear(3, 2)
    fresh.load_state_dict(ckpt["model"])
    fresh_opt = edutorch.optim.Adam(fresh.parameters(), lr=0.5)
    fresh_opt.load_state_dict(ckpt["optimizer"])
    assert fresh_opt.param_groups[0]["lr"] == 0.01
    assert fresh_opt.param_groups[0]["betas"] == (0.9, 0.999)
    assert sorted(ckpt["optimizer"]["state"]) == [0, 1]
    x = edutorch.randn(5, 3)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_parameters_come_back_as_parameters(tmp_path):
    p = edutorch.nn.Parameter(edutorch.randn(2))
    edutorch.save({"p": p}, tmp_path / "p.safetensors")
    q = edutorch.load(tmp_path / "p.safetensors")["p"]
    assert isinstance(q, edutorch.nn.Parameter) and q.requires_grad


def test_header_layout_is_plain_safetensors(tmp_path):
    """Tensor names are the state_dict keys; the header is padded and the data aligned."""
    sd = collections.OrderedDict([("a.weight", edutorch.zeros(3, dtype=edutorch.float16)),
                                  ("a.bias", edutorch.zeros(2, dtype=edutorch.float64))])
    edutorch.save(sd, tmp_path / "h.safetensors")
    raw = (tmp_path / "h.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0 and len(raw) == 8 + n + 3 * 2 + 2 * 8
    header = json.loads(raw[8:8 + n])
    assert set(header) == {"a.weight", "a.bias", "__metadata__"}
    assert header["a.bias"]["data_offsets"] == [0, 16]  # 8-byte items first: aligned
    assert header["__metadata__"]["format"] == "pt"


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match=r"save its \.state_dict\(\)"):
        edutorch.save(edutorch.nn.Linear(2, 2), tmp_path / "m.safetensors")
    with pytest.raises(TypeError,
                       match=r"cannot save an object of type builtins.set \(at obj\['a'\]\)"):
        edutorch.save({"a": {1, 2}}, tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="NumPy"):
        edutorch.save({"a": np.zeros(2)}, tmp_path / "m.safetensors")
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="contains itself"):
        edutorch.save(cyclic, tmp_path / "m.safetensors")
    assert os.listdir(tmp_path) == []  # nothing written, not even a temporary file


# -- PyTorch interop ---------------------------------------------------------------------------

def test_edutorch_file_loads_into_pytorch(torch, tmp_path):
    st = pytest.importorskip("safetensors.torch")
    model = edutorch.nn.Linear(4, 3)
    edutorch.save(model.state_dict(), tmp_path / "m.safetensors")
    loaded = st.load_file(str(tmp_path / "m.safetensors"))
    assert set(loaded) == {"weight", "bias"}
    tmodel = torch.nn.Linear(4, 3)
    tmodel.load_state_dict(loaded)
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(tmodel(torch.tensor(x)).detach().numpy(),
                               model(edutorch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_pytorch_file_loads_into_edutorch(torch, tmp_path):
    st = pytest.importorskip("safetensors.torch")
    tmodel = torch.nn.Linear(4, 3)
    st.save_file(tmodel.state_dict(), str(tmp_path / "t.safetensors"))
    sd = edutorch.load(tmp_path / "t.safetensors")
    assert set(sd) == {"weight", "bias"}
    model = edutorch.nn.Linear(4, 3)
    model.load_state_dict(sd)
    np.testing.assert_array_equal(model.weight.detach().numpy(), tmodel.weight.detach().numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_crosses_to_pytorch_and_back(torch, tmp_path, rng, dtype):
    st = pytest.importorskip("safetensors.torch")
    a = _values(dtype, rng, (2, 3))
    edutorch.save({"x": edutorch.from_numpy(a).T}, tmp_path / "e.safetensors")
    theirs = st.load_file(str(tmp_path / "e.safetensors"))["x"]
    np.testing.assert_array_equal(theirs.numpy(), a.T)
    st.save_file({"y": torch.from_numpy(a.copy())}, str(tmp_path / "t.safetensors"))
    _assert_tensor_equal(edutorch.load(tmp_path / "t.safetensors")["y"], a)


def test_numpy_reader_of_the_safetensors_package_accepts_our_files(tmp_path, rng):
    stn = pytest.importorskip("safetensors.numpy")
    arrays = {d: _values(d, rng, (2, 2)) for d in DTYPES}
    edutorch.save({d: edutorch.from_numpy(a) for d, a in arrays.items()},
                  tmp_path / "n.safetensors")
    loaded = stn.load_file(str(tmp_path / "n.safetensors"))
    for d, a in arrays.items():
        np.testing.assert_array_equal(loaded[d], a)


def test_torch_save_files_are_refused(torch, tmp_path):
    torch.save({"w": torch.zeros(2)}, tmp_path / "t.pt")
    with pytest.raises(SerializationError, match="zip archive.*never unpickles"):
        edutorch.load(tmp_path / "t.pt")


# -- hostile and broken files ------------------------------------------------------------------

def _file(tmp_path, header: dict | bytes | str, data: bytes = b"", length: int | None = None):
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode()
    n = len(header) if length is None else length
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", n) + header + data)
    return path


def _refused(path, pattern):
    with pytest.raises(SerializationError, match=pattern) as info:
        edutorch.load(path)
    assert str(path) in str(info.value)  # the message names the file
    assert isinstance(info.value, ValueError)
    return info.value


class _Marker:
    """Unpickling this calls ``Path.touch`` on the marker path: proof that code ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        import pathlib
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_payload_is_refused_without_running_it(tmp_path, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Marker(str(marker)), protocol=protocol)
    path = tmp_path / "evil.pt"
    path.write_bytes(payload)
    with pytest.raises(SerializationError):
        edutorch.load(path)
    with pytest.raises(SerializationError):
        edutorch.load(io.BytesIO(payload))
    assert not marker.exists()
    pickle.loads(payload)  # the payload does work, so the check above means something
    assert marker.exists()


def test_pickle_protocol_2_message_says_pickle(tmp_path):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    _refused(path, "Python pickle")


def test_header_length_claiming_terabytes(tmp_path):
    path = _file(tmp_path, b"{}", length=2 ** 40)
    _refused(path, "more than the 100000000-byte limit")


def test_header_length_past_the_end(tmp_path):
    path = _file(tmp_path, b"{}", length=1000)
    _refused(path, "truncated: the header length field says 1000 bytes but only 2")


def test_truncated_files(tmp_path):
    good = tmp_path / "good.safetensors"
    edutorch.save({"x": edutorch.arange(10.0)}, good)
    raw = good.read_bytes()
    path = tmp_path / "cut.safetensors"
    path.write_bytes(raw[:4])
    _refused(path, "truncated.*fewer than the 8")
    path.write_bytes(raw[:-3])
    _refused(path, "past the end of the file")
    path.write_bytes(b"")
    _refused(path, "truncated")
    # a stream that cannot tell its size is checked as it is read
    with pytest.raises(SerializationError, match="truncated: the tensors need 40 bytes"):
        edutorch.load(_Unseekable(raw[:-3]))


class _Unseekable(io.RawIOBase):
    def __init__(self, data):
        self._inner = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, b):
        return self._inner.readinto(b)

    def seekable(self):
        return False


def test_unknown_dtype(tmp_path):
    path = _file(tmp_path, {"x": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}},
                 b"\0\0")
    _refused(path, "tensor 'x': unknown or unsupported dtype 'BF16'")
    path = _file(tmp_path, {"x": {"dtype": "OBJECT", "shape": [1], "data_offsets": [0, 8]}},
                 b"\0" * 8)
    _refused(path, "unknown or unsupported dtype")


def test_offsets_past_the_end(tmp_path):
    path = _file(tmp_path, {"x": {"dtype": "F32", "shape": [1000000],
                                  "data_offsets": [0, 4000000]}}, b"\0" * 16)
    _refused(path, "point past the end of the file")


def test_overlapping_offsets(tmp_path):
    path = _file(tmp_path, {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}},
                 b"\0" * 12)
    _refused(path, "tensors 'a' and 'b' overlap")


def test_gaps_and_trailing_bytes(tmp_path):
    path = _file(tmp_path, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}},
                 b"\0" * 8)
    _refused(path, "belong to no tensor")
    path = _file(tmp_path, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
                 b"\0" * 8)
    _refused(path, "trailing data")


def test_shape_and_offsets_disagree(tmp_path):
    path = _file(tmp_path, {"a": {"dtype": "F64", "shape": [2, 2], "data_offsets": [0, 8]}},
                 b"\0" * 8)
    _refused(path, r"shape \[2, 2\] of F64 needs 32 bytes")
    path = _file(tmp_path, {"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
                 b"\0" * 4)
    _refused(path, "non-negative integers")
    path = _file(tmp_path, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}},
                 b"\0" * 4)
    _refused(path, "0 <= begin <= end")
    path = _file(tmp_path, {"a": {"dtype": "F32", "shape": [0, 2 ** 70],
                                  "data_offsets": [0, 0]}})
    _refused(path, "tensor 'a': cannot be built")
    path = _file(tmp_path, {"a": {"dtype": "F32", "shape": [1]}}, b"\0" * 4)
    _refused(path, "needs exactly 'dtype', 'shape' and 'data_offsets'")


def test_invalid_json_and_non_utf8_headers(tmp_path):
    _refused(_file(tmp_path, b'{"a": '), "not valid JSON")
    _refused(_file(tmp_path, b'{"a": NaN}'), "not valid JSON")
    _refused(_file(tmp_path, b'{"a": 1, "a": 2}'), "duplicate keys")
    _refused(_file(tmp_path, b"[1, 2]"), "not a JSON object")
    _refused(_file(tmp_path, b'{"\xff\xfe": 1}'), "not valid UTF-8")
    _refused(_file(tmp_path, b"{" + b'"x":' * 1 + b"[" * 100000 + b"]" * 100000 + b"}"),
             r"header is not valid JSON \(nested too deeply\)")
    _refused(_file(tmp_path, {"__metadata__": {"k": 1}}), "must map strings to strings")


def test_hostile_edutorch_metadata(tmp_path):
    def meta(root, version=1):
        return {"__metadata__": {"edutorch": json.dumps({"version": version, "root": root})}}

    _refused(_file(tmp_path, meta({"$tensor": "missing"})), "does not contain")
    _refused(_file(tmp_path, meta({"$eval": "os.system('x')"})), "unexpected value")
    _refused(_file(tmp_path, meta({"$dict": [[[1], 2]]})), "dict key of type list")
    _refused(_file(tmp_path, meta(1, version=99)), "unknown layout")
    _refused(_file(tmp_path, meta({"$dict": [], "type": "os.system"})), "unknown dict type")
    deep = {"__metadata__": {"edutorch": '{"version":1,"root":' + "[" * 50000 + "]" * 50000 +
                             "}"}}
    _refused(_file(tmp_path, deep), r"metadata is not valid JSON \(nested too deeply\)")
    nested = {"$tuple": [1]}
    for _ in range(300):
        nested = {"$tuple": [nested]}
    _refused(_file(tmp_path, meta(nested)), "nests deeper than 200")
    good = {"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
    _refused(_file(tmp_path, dict(good, **meta({"$tensor": "x", "device": "tpu"})), b"\0" * 4),
             "bad device")


def test_bool_bytes_are_normalised(tmp_path):
    path = _file(tmp_path, {"b": {"dtype": "BOOL", "shape": [3], "data_offsets": [0, 3]}},
                 b"\x00\x07\x01")
    assert edutorch.load(path)["b"].tolist() == [False, True, True]


# -- atomic saves ------------------------------------------------------------------------------

def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    edutorch.save({"w": edutorch.ones(1000)}, path)
    before = path.read_bytes()
    real = serialization._write_payload

    def crash_midway(fh, header, arrays):
        fh.write(len(header).to_bytes(8, "little"))
        fh.write(header[: len(header) // 2])
        raise OSError("simulated crash: disk full")

    monkeypatch.setattr(serialization, "_write_payload", crash_midway)
    with pytest.raises(OSError, match="simulated crash"):
        edutorch.save({"w": edutorch.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temporary file left behind
    assert edutorch.load(path)["w"].tolist() == [1.0] * 1000
    monkeypatch.setattr(serialization, "_write_payload", real)
    edutorch.save({"w": edutorch.zeros(3)}, path)
    assert edutorch.load(path)["w"].tolist() == [0.0] * 3
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


def test_save_keeps_permissions_and_fsyncs(tmp_path, monkeypatch):
    path = tmp_path / "p.safetensors"
    edutorch.save(edutorch.ones(2), path)
    os.chmod(path, 0o600)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    edutorch.save(edutorch.zeros(2), path)
    assert synced, "save must flush the data to disk before renaming"
    assert (os.stat(path).st_mode & 0o777) == 0o600


# -- map_location ------------------------------------------------------------------------------

def test_map_location_cpu(tmp_path):
    edutorch.save({"x": edutorch.ones(2)}, tmp_path / "c.safetensors")
    for where in ("cpu", edutorch.device("cpu"), {"cuda:0": "cpu"}):
        assert edutorch.load(tmp_path / "c.safetensors", map_location=where)["x"].is_cpu
    with pytest.raises(TypeError, match="map_location"):
        edutorch.load(tmp_path / "c.safetensors", map_location=lambda s, loc: s)


@pytest.mark.skipif(edutorch.cuda.is_available(), reason="checks the no-CUDA message")
def test_map_location_cuda_without_a_gpu_is_a_clear_error(tmp_path):
    edutorch.save({"x": edutorch.ones(2)}, tmp_path / "c.safetensors")
    with pytest.raises(RuntimeError, match="cuda"):
        edutorch.load(tmp_path / "c.safetensors", map_location="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not edutorch.cuda.is_available(), reason="needs CUDA")
def test_cuda_tensors_round_trip(tmp_path):
    x = edutorch.arange(6.0, device="cuda").reshape(2, 3).T
    edutorch.save({"x": x}, tmp_path / "g.safetensors")
    back = edutorch.load(tmp_path / "g.safetensors")["x"]
    assert back.is_cuda and back.tolist() == x.tolist()
    assert edutorch.load(tmp_path / "g.safetensors", map_location="cpu")["x"].is_cpu
    cpu = edutorch.ones(2)
    edutorch.save(cpu, tmp_path / "c.safetensors")
    assert edutorch.load(tmp_path / "c.safetensors", map_location="cuda").is_cuda
