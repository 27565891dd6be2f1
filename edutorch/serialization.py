"""``edutorch.save`` and ``edutorch.load``: checkpoints as safetensors files, never pickle.

PyTorch's ``torch.save`` pickles, and unpickling a file can run any code its author chose.
edutorch writes the *safetensors* format instead, which holds only data:

====================  ==========================================================================
bytes 0-7             N, the header's length (unsigned 64-bit little-endian)
bytes 8 .. 8+N        the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes.
                      ``{"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]},
                      ..., "__metadata__": {"<key>": "<string>", ...}}``
the rest              the tensors' bytes, little-endian, C order; tensor ``name`` is the bytes
                      ``b .. e`` of this section. Every byte belongs to exactly one tensor.
====================  ==========================================================================

Everything that is not a tensor (the nesting of dicts, lists and tuples, numbers, strings,
``None``) is JSON kept as one string under the ``"edutorch"`` metadata key, with each tensor
written as a reference to its name. A flat ``{name: tensor}`` dict (a model's ``state_dict``)
is stored with the dict keys as the tensor names, so ``safetensors.torch.load_file`` reads it
into PyTorch, and a file from ``safetensors.torch.save_file`` (which has no ``"edutorch"``
entry) loads here as a ``{name: tensor}`` dict.

``load`` checks the whole header (its size, JSON, dtypes, shapes and that the offsets tile the
data exactly) before it reads any tensor, and raises :class:`SerializationError` naming the
file and the problem. ``save`` to a path writes a temporary file beside it, flushes it to disk
and renames it over the target, so an interrupted save leaves the old file as it was; the
temp file of a save killed mid-write is removed by the next save to that path.
"""
from __future__ import annotations

import io
import json
import math
import os
import secrets
import stat
from collections import Counter, OrderedDict
from typing import Any, BinaryIO, Union

from . import _dtype as dt
from . import backend
from ._device import device as Device
from .tensor import Size, Tensor

__all__ = ["save", "load", "SerializationError"]

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]

MAX_HEADER_BYTES = 100_000_000  # the safetensors library's own limit
MAX_NESTING = 200  # how deep the saved structure may nest (deeper is refused on load)
FORMAT_VERSION = 1

# edutorch dtype name <-> safetensors dtype code
_CODE = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "int32": "I32",
         "int64": "I64", "float16": "F16", "float32": "F32", "float64": "F64"}
_NAME = {code: name for name, code in _CODE.items()}
_ITEMSIZE = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "I32": 4, "I64": 8, "F16": 2, "F32": 4,
             "F64": 8}


class SerializationError(ValueError):
    """A file that ``edutorch.load`` refuses: corrupt, truncated, hostile or unsupported."""


# ==============================================================================================
# save
# ==============================================================================================

def save(obj: Any, f: PathOrFile) -> None:
    """Write ``obj`` to ``f`` (a path, or a binary file object opened for writing).

    ``obj`` may be a tensor, or dicts, lists and tuples nesting tensors, ints, floats, strings,
    bools and ``None`` (model and optimizer ``state_dict()``s, a checkpoint dict holding both
    and an epoch number, ...). Tensors are saved with their dtype, shape and values (copied to
    the CPU, made contiguous); their ``requires_grad`` and device are recorded and restored.
    ``OrderedDict`` and ``Counter`` come back as themselves, other dict subclasses (e.g.
    ``defaultdict``) as plain dicts, ``edutorch.Size`` as ``Size``; named tuples, sets, bytes
    and arbitrary objects are refused with a TypeError. A whole ``nn.Module`` is not saved:
    save its ``state_dict()``. Saving to a path is atomic (see the module docstring); saving
    to a file object writes straight into it.
    """
    tensors: list[tuple[str, Any]] = []
    structure = _Encoder(tensors).encode(obj)
    metadata = {"format": "pt",
                "edutorch": json.dumps({"version": FORMAT_VERSION, "root": structure},
                                       separators=(",", ":"), allow_nan=False)}
    header, arrays = _layout(tensors, metadata)

    if isinstance(f, (str, os.PathLike)):
        _save_to_path(os.fspath(f), header, arrays)
    else:
        if isinstance(f, io.TextIOBase):
            raise TypeError("edutorch.save: the file is open in text mode; open it in binary "
                            "mode ('wb')")
        if not hasattr(f, "write"):
            raise TypeError(f"edutorch.save: f must be a path or a binary file object, got "
                            f"{type(f).__name__}")
        _write_payload(f, header, arrays)
        if hasattr(f, "flush"):
            f.flush()


class _Encoder:
    """Turns the saved object into JSON-able data, collecting its tensors as it goes.

    JSON objects in the output are always tags, never user dicts, so nothing a user stores can
    be mistaken for one: ``{"$tensor": name}``, ``{"$dict": [[key, value], ...]}`` (with
    ``"type": "OrderedDict"`` or ``"Counter"`` for those; other dict subclasses load as dict),
    ``{"$tuple": [...]}``, ``{"$float": "nan" | "inf" | "-inf"}``, ``{"$size": [...]}``,
    ``{"$dtype": "float32"}``, ``{"$device": "cuda:0"}``. Lists stay JSON arrays.
    """

    def __init__(self, tensors: list) -> None:
        self.tensors = tensors
        self.names: set[str] = set()
        self.active: set[int] = set()  # containers being encoded, to catch cycles

    def encode(self, obj, path: tuple = ()):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and type(obj) is int:
            return obj
        if isinstance(obj, float):  # NumPy's float64 is a float too: saved as a Python float
            obj = float(obj)
            return obj if math.isfinite(obj) else {"$float": repr(obj)}
        if isinstance(obj, Tensor):
            return self._tensor(obj, path)
        if isinstance(obj, dt.dtype):
            return {"$dtype": obj.name}
        if isinstance(obj, Device):
            return {"$device": str(obj)}
        if type(obj) in (dict, OrderedDict, list, tuple, Size) or isinstance(obj, dict):
            if id(obj) in self.active:
                raise ValueError(f"edutorch.save: the object contains itself (at "
                                 f"{_where(path)}); cyclic structures cannot be saved")
            if len(path) >= MAX_NESTING:
                raise ValueError(f"edutorch.save: the object nests deeper than {MAX_NESTING} "
                                 f"levels (at {_where(path)})")
            self.active.add(id(obj))
            try:
                return self._container(obj, path)
            finally:
                self.active.discard(id(obj))
        raise TypeError(_unsupported(obj, path))

    def _container(self, obj, path):
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not _is_key(k):
                    raise TypeError(f"edutorch.save: dict key {k!r} of type "
                                    f"{type(k).__name__} (at {_where(path)}) cannot be saved; "
                                    f"keys must be str, int, float, bool, None or tuples of "
                                    f"them")
                items.append([self.encode(k, path), self.encode(v, path + (k,))])
            out = {"$dict": items}
            if type(obj) in (OrderedDict, Counter):  # other dict subclasses load as dict
                out["type"] = type(obj).__name__
            return out
        values = [self.encode(v, path + (i,)) for i, v in enumerate(obj)]
        if type(obj) is Size:
            return {"$size": values}
        if type(obj) is tuple:
            return {"$tuple": values}
        return values

    def _tensor(self, t: Tensor, path: tuple):
        name = ".".join(str(p) for p in path) or "tensor"
        if name in self.names or name == "__metadata__":
            k = 1
            while f"{name}#{k}" in self.names:
                k += 1
            name = f"{name}#{k}"
        self.names.add(name)
        array = t._data
        if array.dtype.name not in _CODE:
            raise TypeError(f"edutorch.save: tensor at {_where(path)} has dtype "
                            f"{array.dtype.name}, which cannot be saved")
        xp = backend.xp_of(array)
        if not array.flags.c_contiguous:  # e.g. a transpose: write its values in C order
            array = xp.ascontiguousarray(array).reshape(array.shape)
        host = backend.to_numpy(array)
        # safetensors is little-endian whatever the machine; astype is a no-op on x86/ARM
        host = host.astype(host.dtype.newbyteorder("<"), copy=False)
        self.tensors.append((name, host))
        ref = {"$tensor": name}
        if t.requires_grad:
            ref["requires_grad"] = True
        if t.is_cuda:
            ref["device"] = str(t.device)
        if _is_parameter(t):
            ref["parameter"] = True
        return ref


def _is_key(k) -> bool:
    if k is None or isinstance(k, (str, bool, float)) or type(k) is int:
        return True
    return type(k) is tuple and all(_is_key(x) for x in k)


def _is_parameter(t: Tensor) -> bool:
    try:
        from .nn.parameter import Parameter
    except ImportError:
        return False
    return isinstance(t, Parameter)


def _where(path: tuple) -> str:
    return "obj" + "".join(f"[{p!r}]" for p in path)


def _unsupported(obj, path) -> str:
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    hint = ""
    if hasattr(obj, "state_dict") and callable(obj.state_dict):
        hint = " To save a model or optimizer, save its .state_dict()."
    elif type(obj).__module__ == "numpy":
        hint = " Convert NumPy values first (edutorch.from_numpy(a), or .item() for scalars)."
    return (f"edutorch.save: cannot save an object of type {kind} (at {_where(path)}). "
            f"edutorch saves tensors, and ints, floats, strings, bools, None and lists, tuples "
            f"and dicts of them; it never pickles arbitrary objects.{hint}")


def _layout(tensors: list, metadata: dict) -> tuple[bytes, list]:
    """The header bytes and the arrays in file order.

    Tensors with larger items come first, so every tensor starts at a multiple of its item
    size (the data section itself starts at a multiple of 8): readers can map them in place.
    """
    order = sorted(tensors, key=lambda nt: -nt[1].dtype.itemsize)  # stable: keeps save order
    header: dict[str, Any] = {}
    offset = 0
    for name, a in order:
        header[name] = {"dtype": _CODE[a.dtype.name], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError(f"edutorch.save: the header would be {len(text)} bytes, over the "
                         f"{MAX_HEADER_BYTES}-byte limit of the safetensors format (too many "
                         f"tensors or too much non-tensor data)")
    return text, [a for _, a in order]


def _write_payload(fh, header: bytes, arrays: list) -> None:
    """Header length, header, then each array's bytes."""
    fh.write(len(header).to_bytes(8, "little"))
    fh.write(header)
    for a in arrays:
        if a.size:
            fh.write(a.reshape(-1).view("u1"))  # a byte view of the array: no copy


def _save_to_path(path: str, header: bytes, arrays: list) -> None:
    target = os.path.realpath(path)  # through a symlink, like open(path, "wb") would write
    folder = os.path.dirname(target)
    fd, tmp = _create_temp(folder, os.path.basename(target))
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_payload(fh, header, arrays)
            fh.flush()
            os.fsync(fh.fileno())  # the data is on disk before the rename makes it current
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))  # keep the old permissions
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(folder)


def _create_temp(folder: str, base: str) -> tuple[int, str]:
    """A new file beside the target, created exclusively (never an existing file), with the
    usual permissions (0o666 less the umask).

    Its name holds the writer's process id, ``.<base>.<pid>.<random>.tmp``: a save killed
    mid-write (SIGKILL, power loss) cannot remove its own temp file, so the next save to the
    same path removes the temp files of writers that no longer run (see ``_remove_stale``).
    """
    _remove_stale(folder, base)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _remove_stale(folder: str, base: str) -> None:
    """Delete temp files of earlier saves to ``base`` whose process has died.

    A temp file of a live process may be a save still under way (another thread or process
    saving to the same path), so it is left alone.
    """
    prefix = f".{base}."
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        parts = name[len(prefix):-len(".tmp")].split(".")
        if len(parts) != 2 or not parts[0].isdigit() or _process_alive(int(parts[0])):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # on Windows os.kill would end the process
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError, ValueError):
        return True  # exists but belongs to someone else, or cannot tell: keep the file
    return True


def _fsync_folder(folder: str) -> None:
    """Make the rename durable too (POSIX); a best effort where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ==============================================================================================
# load
# ==============================================================================================

def load(f: PathOrFile, map_location=None, *, weights_only: bool = True) -> Any:
    """Read an object written by :func:`save` (or a safetensors file) from ``f``.

    Args:
        f: a path, or a binary file object positioned at the start of the data.
        map_location: where to put the tensors: ``"cpu"``, ``"cuda"``, an ``edutorch.device``,
            or a dict mapping saved devices to new ones (``{"cuda:0": "cpu"}``). By default
            each tensor goes back to the device it was saved from.
        weights_only: accepted for PyTorch compatibility. edutorch never unpickles, so every
            load is "weights only": both values read the same data in the same way.

    Raises:
        SerializationError: the file is not a valid safetensors file (a pickle, truncated,
            corrupt or hostile). Nothing in the file is executed in any case.
    """
    _target_device("cpu", map_location)  # a bad map_location fails before any reading
    if isinstance(f, (str, os.PathLike)):
        source = os.fspath(f)
        with open(source, "rb") as fh:
            info = os.fstat(fh.fileno())
            size = info.st_size if stat.S_ISREG(info.st_mode) else None  # pipes: unknown
            return _load_from(fh, f"'{source}'", map_location, size)
    if isinstance(f, io.TextIOBase):
        raise TypeError("edutorch.load: the file is open in text mode; open it in binary "
                        "mode ('rb')")
    if not hasattr(f, "read"):
        raise TypeError(f"edutorch.load: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    name = getattr(f, "name", None)
    source = f"'{name}'" if isinstance(name, str) else f"<{type(f).__name__}>"
    return _load_from(f, source, map_location, _remaining_size(f))


def _remaining_size(fh) -> int | None:
    """Bytes from the current position to the end, when the stream can tell."""
    try:
        if not fh.seekable():
            return None
        here = fh.tell()
        end = fh.seek(0, os.SEEK_END)
        fh.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None


def _load_from(fh, source: str, map_location, size: int | None):
    def fail(problem: str) -> SerializationError:
        return SerializationError(f"edutorch.load: {source}: {problem}")

    prefix = _read_exact(fh, 8)
    if len(prefix) < 8:
        raise fail(f"truncated: the file has {len(prefix)} bytes, fewer than the 8 of a "
                   f"safetensors header length")
    if prefix.startswith(b"PK\x03\x04"):
        raise fail("this is a zip archive, the format of torch.save, which holds a pickle. "
                   "edutorch.load reads safetensors files only and never unpickles (unpickling "
                   "can run any code the file's author chose). In PyTorch, write the "
                   "state_dict with safetensors.torch.save_file(state_dict, path) instead")

    raw = _header_bytes(fh, prefix, size, fail)
    header = _parse_header(raw, fail)
    metadata, entries, data_size = _check_entries(header, fail,
                                                  None if size is None else size - 8 - len(raw))

    data = _read_data(fh, data_size, size is not None)
    if len(data) < data_size:
        raise fail(f"truncated: the tensors need {data_size} bytes of data but the file ends "
                   f"after {len(data)}")
    arrays = {}
    for name, e in entries:
        try:
            arrays[name] = _array(data, e)
        except (ValueError, MemoryError) as err:  # e.g. a dimension NumPy cannot index
            raise fail(f"tensor '{name}': cannot be built ({err})") from None

    structure = metadata.get("edutorch") if metadata else None
    if structure is None:  # a plain safetensors file: its tensors by name, in file order
        return {name: _finish(a, {}, map_location) for name, a in arrays.items()}
    try:
        doc = json.loads(structure, object_pairs_hook=_no_duplicates,
                         parse_constant=_no_constants)
    except (ValueError, RecursionError) as e:
        raise fail(f"the 'edutorch' metadata is not valid JSON ({_reason(e)})") from None
    if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION or "root" not in doc:
        version = doc.get("version") if isinstance(doc, dict) else None
        raise fail(f"the 'edutorch' metadata has an unknown layout (version {version!r}; this "
                   f"edutorch reads version {FORMAT_VERSION})")
    return _Decoder(arrays, map_location, fail).decode(doc["root"], 0)


def _header_bytes(fh, prefix: bytes, size: int | None, fail) -> bytes:
    """The JSON header, whose length is the little-endian number ``prefix`` (the file's first 8
    bytes), read after checking that length against the limit and the file's ``size``."""

    def not_safetensors(problem: str) -> SerializationError:
        # A pickle starts with the byte 0x80, but so does a valid header length whose low byte
        # is 0x80 (about 1 file in 32). So a file is called a pickle only once it has failed
        # to be a safetensors file.
        if prefix[0] == 0x80:
            return fail("this is a Python pickle (it starts with a pickle protocol marker and "
                        "is not a safetensors file). edutorch.load never unpickles, because "
                        "unpickling can run any code the file's author chose; save with "
                        "edutorch.save or safetensors.torch.save_file instead")
        return fail(problem)

    n = int.from_bytes(prefix, "little")
    if n > MAX_HEADER_BYTES:
        raise not_safetensors(f"the header length field says {n} bytes, more than the "
                              f"{MAX_HEADER_BYTES}-byte limit: the file is corrupt or not a "
                              f"safetensors file")
    if size is not None and 8 + n > size:
        raise not_safetensors(f"truncated: the header length field says {n} bytes but only "
                              f"{size - 8} bytes follow it")
    raw = _read_exact(fh, n)
    if len(raw) < n:
        raise not_safetensors(f"truncated: the header should have {n} bytes but the file ends "
                              f"after {len(raw)}")
    if not raw.startswith(b"{"):
        raise not_safetensors("the header is not a JSON object (it should start with '{'): "
                              "the file is corrupt or not a safetensors file")
    return raw


def _read_exact(fh, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the file); reads in chunks so that a lying
    length field never makes us allocate more than the file really holds."""
    chunks, got = [], 0
    while got < n:
        chunk = fh.read(min(n - got, 1 << 24))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_data(fh, n: int, size_known: bool) -> bytearray:
    """The data section into one writable buffer that the tensors' arrays then view."""
    if not size_known or not hasattr(fh, "readinto"):
        return bytearray(_read_exact(fh, n))
    buf = bytearray(n)  # n was checked against the file's size
    view, got = memoryview(buf), 0
    while got < n:
        k = fh.readinto(view[got:])
        if not k:
            break
        got += k
    return buf if got == n else buf[:got]


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"duplicate keys {dupes}")
    return dict(pairs)


def _no_constants(name):
    raise ValueError(f"{name} is not valid JSON")


def _reason(e: Exception) -> str:
    return "nested too deeply" if isinstance(e, RecursionError) else str(e)


def _parse_header(raw: bytes, fail) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise fail(f"the header is not valid UTF-8 ({e.reason} at byte {e.start})") from None
    if not text.startswith("{"):
        raise fail("the header is not a JSON object (it should start with '{'): the file is "
                   "corrupt or not a safetensors file")
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates,
                            parse_constant=_no_constants)
    except (ValueError, RecursionError) as e:
        raise fail(f"the header is not valid JSON ({_reason(e)})") from None
    if not isinstance(header, dict):
        raise fail("the header is not a JSON object")
    return header


def _check_entries(header: dict, fail, available: int | None):
    """Check every tensor entry; return (metadata, [(name, entry)] in file order, data size).

    The offsets must tile the data section: sorted by start, each tensor begins where the
    previous one ended, the first at 0, and the last ends at the end of the file. So no two
    tensors share bytes, no bytes are unaccounted for, and nothing points past the end.
    """
    metadata = header.get("__metadata__")
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise fail("'__metadata__' must map strings to strings")
    entries = []
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            raise fail(f"tensor '{name}': an entry needs exactly 'dtype', 'shape' and "
                       f"'data_offsets', got {e!r:.200}")
        code, shape, offsets = e["dtype"], e["shape"], e["data_offsets"]
        if code not in _NAME:
            raise fail(f"tensor '{name}': unknown or unsupported dtype {code!r:.40} (edutorch "
                       f"reads {', '.join(_NAME)})")
        if not isinstance(shape, list) or len(shape) > 64 or not all(
                type(s) is int and s >= 0 for s in shape):
            raise fail(f"tensor '{name}': shape must be a list of at most 64 non-negative "
                       f"integers, got {shape!r:.200}")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(
                type(o) is int and o >= 0 for o in offsets) or offsets[0] > offsets[1]:
            raise fail(f"tensor '{name}': data_offsets must be [begin, end] with "
                       f"0 <= begin <= end, got {offsets!r:.200}")
        numel = math.prod(shape)
        if numel * _ITEMSIZE[code] != offsets[1] - offsets[0]:
            raise fail(f"tensor '{name}': shape {shape} of {code} needs "
                       f"{numel * _ITEMSIZE[code]} bytes but its offsets {offsets} span "
                       f"{offsets[1] - offsets[0]}")
        if available is not None and offsets[1] > available:
            raise fail(f"tensor '{name}': offsets {offsets} point past the end of the file "
                       f"(the data section has {available} bytes)")
        entries.append((name, e))
    entries.sort(key=lambda ne: (ne[1]["data_offsets"][0], ne[1]["data_offsets"][1]))
    end, previous = 0, None
    for name, e in entries:
        begin, stop = e["data_offsets"]
        if begin < end:
            raise fail(f"tensors '{previous}' and '{name}' overlap (offsets "
                       f"{e['data_offsets']} start before byte {end}, where '{previous}' "
                       f"ends)")
        if begin > end:
            raise fail(f"bytes {end}..{begin} of the data belong to no tensor (before "
                       f"'{name}'): the offsets are corrupt")
        end, previous = stop, name
    if available is not None and end != available:
        raise fail(f"the tensors cover {end} bytes but the data section has {available}: "
                   f"the file is corrupt or has trailing data")
    return metadata, entries, end


def _array(data: bytearray, e: dict):
    """The array for one checked entry: a view into the data buffer (no copy)."""
    xp = backend.module_for("cpu")
    name = _NAME[e["dtype"]]
    begin, stop = e["data_offsets"]
    if stop == begin:
        return xp.empty(e["shape"], dtype=backend.np_dtype(name))
    if e["dtype"] == "BOOL":
        # any byte other than 0 or 1 would make an invalid bool: normalise instead
        raw = xp.frombuffer(data, dtype="u1", count=stop - begin, offset=begin)
        return (raw != 0).reshape(e["shape"])
    little = backend.np_dtype(name).newbyteorder("<")
    a = xp.frombuffer(data, dtype=little, count=(stop - begin) // little.itemsize,
                      offset=begin).reshape(e["shape"])
    return a.astype(backend.np_dtype(name), copy=False)  # native order (no-op when it is)


def _target_device(saved: str, map_location):
    if map_location is None:
        return saved
    if isinstance(map_location, dict):
        return map_location.get(saved, saved)
    if isinstance(map_location, (str, Device)):
        return map_location
    raise TypeError(f"edutorch.load: map_location must be None, a device, a device string or "
                    f"a dict of them, got {type(map_location).__name__} (functions are not "
                    f"supported)")


def _finish(array, ref: dict, map_location) -> Tensor:
    from ._ops.creation import from_numpy
    t = from_numpy(array)
    where = _target_device(ref.get("device", "cpu"), map_location)
    if Device(where).type == "cuda" and not backend.cuda_is_available():
        raise RuntimeError("edutorch.load: attempting to deserialize a tensor on a CUDA device "
                           "but edutorch.cuda.is_available() is False. If you are running on a "
                           "CPU-only machine, please use edutorch.load with "
                           "map_location=edutorch.device('cpu') to map your tensors to the "
                           "CPU.")
    if str(where) != "cpu":
        t = t.to(where)
    if ref.get("parameter"):
        from .nn.parameter import Parameter
        return Parameter(t, requires_grad=bool(ref.get("requires_grad")))
    if ref.get("requires_grad"):
        t.requires_grad_(True)
    return t


_DICT_TYPES = {"dict": dict, "OrderedDict": OrderedDict, "Counter": Counter}


class _Decoder:
    """The inverse of ``_Encoder``, refusing anything it would not have written."""

    def __init__(self, arrays: dict, map_location, fail) -> None:
        self.arrays = arrays
        self.map_location = map_location
        self.fail = fail
        self.made: dict[str, Tensor] = {}

    def decode(self, node, depth: int):
        if depth > MAX_NESTING:
            raise self.fail(f"the saved structure nests deeper than {MAX_NESTING} levels")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, depth + 1) for v in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise self.fail(f"unexpected value {node!r:.100} in the 'edutorch' metadata")
        tag = next(iter(node))
        body = node[tag]
        if tag == "$tensor":
            return self._tensor(node)
        if tag == "$dict" and isinstance(body, list) and set(node) <= {"$dict", "type"}:
            return self._dict(node.get("type", "dict"), body, depth)
        if len(node) != 1:
            raise self.fail(f"unexpected value {node!r:.100} in the 'edutorch' metadata")
        if tag in ("$tuple", "$size") and isinstance(body, list):
            values = tuple(self.decode(v, depth + 1) for v in body)
            return Size(values) if tag == "$size" else values
        if tag == "$float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$dtype" and isinstance(body, str) and body in _CODE:
            return dt.to_dtype(body)
        if tag == "$device" and isinstance(body, str):
            try:
                return Device(body)
            except RuntimeError as e:
                raise self.fail(f"bad device {body!r:.40} in the metadata ({e})") from None
        raise self.fail(f"unexpected value {node!r:.100} in the 'edutorch' metadata")

    def _dict(self, kind, pairs: list, depth: int) -> dict:
        """A ``{"$dict": [[key, value], ...], "type": kind}`` node: a dict, OrderedDict or
        Counter whose keys and values are decoded in order."""
        if kind not in _DICT_TYPES:
            raise self.fail(f"unknown dict type {kind!r:.40} in the 'edutorch' metadata")
        out = _DICT_TYPES[kind]()
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.fail(f"a '$dict' entry must be a [key, value] pair, got "
                                f"{pair!r:.100}")
            key = self.decode(pair[0], depth + 1)
            if not _is_key(key):
                raise self.fail(f"a dict key of type {type(key).__name__} in the "
                                f"'edutorch' metadata")
            out[key] = self.decode(pair[1], depth + 1)
        return out

    def _tensor(self, ref: dict):
        name = ref["$tensor"]
        allowed = {"$tensor", "requires_grad", "device", "parameter"}
        if not isinstance(name, str) or not set(ref) <= allowed:
            raise self.fail(f"bad tensor reference {ref!r:.100} in the 'edutorch' metadata")
        if name not in self.arrays:
            raise self.fail(f"the metadata refers to a tensor '{name:.100}' that the file does "
                            f"not contain")
        if "device" in ref:
            try:
                Device(ref["device"])
            except (RuntimeError, TypeError, ValueError):
                raise self.fail(f"bad device in tensor reference {ref!r:.100}") from None
        if name not in self.made:
            self.made[name] = _finish(self.arrays[name], ref, self.map_location)
        return self.made[name]
