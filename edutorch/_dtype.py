"""dtypes and PyTorch's type-promotion rules.

A ``dtype`` is a named tag (``edutorch.float32``); the backend maps it to the array library's own
dtype. Promotion follows PyTorch, not NumPy: operands are ranked in three tiers, tensors with
dimensions, zero-dim tensors, then Python numbers, and a lower tier only changes the result when
it is of a higher *category* (bool < integer < floating). So ``int64 tensor + 2.5 -> float32``
(the default float dtype) and ``float32 tensor + float64 zero-dim tensor -> float32``.
"""
from __future__ import annotations

from . import backend

BOOL, INT, FLOAT = 0, 1, 2


class dtype:
    __slots__ = ("name", "category", "itemsize", "np", "is_floating_point", "is_signed")

    def __init__(self, name: str, category: int, itemsize: int, signed: bool = True):
        self.name = name
        self.category = category
        self.itemsize = itemsize
        self.np = backend.np_dtype(name)
        self.is_floating_point = category == FLOAT
        self.is_signed = signed

    def __repr__(self) -> str:
        return f"edutorch.{self.name}"

    def __reduce__(self):
        return (_by_name.__getitem__, (self.name,))

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> "dtype":
        return self


bool_ = dtype("bool", BOOL, 1, signed=False)
uint8 = dtype("uint8", INT, 1, signed=False)
int8 = dtype("int8", INT, 1)
int16 = dtype("int16", INT, 2)
int32 = dtype("int32", INT, 4)
int64 = dtype("int64", INT, 8)
float16 = dtype("float16", FLOAT, 2)
float32 = dtype("float32", FLOAT, 4)
float64 = dtype("float64", FLOAT, 8)


class _NeedsPackage(dtype):
    """A dtype whose array type comes from an optional package: it exists (so code naming it
    imports), and using it says what to install."""
    __slots__ = ()

    def __init__(self, name: str, category: int, itemsize: int):
        self.name, self.category, self.itemsize = name, category, itemsize
        self.is_floating_point, self.is_signed = category == FLOAT, True

    @property
    def np(self):
        return backend.np_dtype(self.name)  # raises, naming the package


try:  # bfloat16: 8 exponent bits like float32, 7 mantissa bits; NumPy needs ml_dtypes for it
    bfloat16 = dtype("bfloat16", FLOAT, 2)
except ModuleNotFoundError:
    bfloat16 = _NeedsPackage("bfloat16", FLOAT, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64) + (
    (bfloat16,) if type(bfloat16) is dtype else ())
_by_name = {d.name: d for d in ALL}
_by_np = {d.np: d for d in ALL}
# PyTorch's aliases
_by_name["bfloat16"] = bfloat16
_by_name.update({"half": float16, "float": float32, "double": float64, "short": int16,
                 "int": int32, "long": int64})

_default_float = [float32]


def get_default_dtype() -> dtype:
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating point dtypes are supported, got {d}")
    _default_float[0] = d


def from_array(array) -> dtype:
    """The edutorch dtype of a backend array."""
    try:
        return _by_np[array.dtype]
    except KeyError:
        raise TypeError(f"edutorch: arrays of dtype {array.dtype} are not supported; "
                        f"supported: {', '.join(d.name for d in ALL)}") from None


def to_dtype(d) -> dtype:
    """Accept an edutorch dtype, a NumPy dtype, a name or a Python type."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return get_default_dtype()
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and d in _by_name:
        return _by_name[d]
    try:
        return _by_np[backend.np_dtype(d)]
    except (KeyError, TypeError):
        raise TypeError(f"edutorch: unknown dtype {d!r}; supported: "
                        f"{', '.join(x.name for x in ALL)}") from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to (``torch.promote_types``)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == FLOAT:
        if a.itemsize == b.itemsize:  # float16 and bfloat16: neither holds the other
            return float32
        return a if a.itemsize >= b.itemsize else b
    if a.category == BOOL:
        return a
    # integers: uint8 meets a signed type -> a signed type wide enough for both
    if a.is_signed == b.is_signed:
        return a if a.itemsize >= b.itemsize else b
    s, u = (a, b) if a.is_signed else (b, a)
    return s if s.itemsize > u.itemsize else int16


# PyTorch's names for dtypes in messages and legacy type strings ("FloatTensor", "type Long")
_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                      "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                      "uint8": "Byte", "bool": "Bool"}


def scalar_type_name(d: dtype) -> str:
    """``Float`` for float32, ``Long`` for int64, ...: the names PyTorch's messages use."""
    return _SCALAR_TYPE_NAMES[d.name]


def _scalar_category(x) -> int:
    if isinstance(x, bool):
        return BOOL
    if isinstance(x, int):
        return INT
    return FLOAT


_default_for_category = {BOOL: lambda: bool_, INT: lambda: int64, FLOAT: get_default_dtype}


def result_type(*operands) -> dtype:
    """PyTorch's promotion of tensors and Python numbers (``torch.result_type``)."""
    dim = zero = None
    scal = -1
    for x in operands:
        if hasattr(x, "_data"):
            d = _by_np[x._data.dtype]
            if x._data.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            scal = max(scal, _scalar_category(x))
    out = dim
    if zero is not None:
        if out is None or zero.category > out.category:
            out = zero if out is None else promote_types(zero, zero)
    if scal >= 0 and (out is None or scal > out.category):
        out = _default_for_category[scal]()
    return out


class finfo:
    """Limits of a floating point dtype (``torch.finfo``): eps, max, min, tiny, resolution."""

    def __init__(self, type: dtype | None = None):
        d = to_dtype(type) if type is not None else get_default_dtype()
        if not d.is_floating_point:
            raise TypeError(f"finfo: expected a floating point dtype, got {d}")
        info = backend.float_info(d.name)
        self.dtype = d.name
        self.bits = d.itemsize * 8
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (``torch.iinfo``): min, max, bits."""

    def __init__(self, type: dtype):
        d = to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"iinfo: expected an integer dtype, got {d}")
        info = backend.int_info(d.name)
        self.dtype = d.name
        self.bits = d.itemsize * 8
        self.min, self.max = int(info.min), int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
