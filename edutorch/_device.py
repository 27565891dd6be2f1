"""``edutorch.device``: where a tensor's array lives (``"cpu"`` or ``"cuda[:N]"``)."""
from __future__ import annotations


class device:
    __slots__ = ("type", "index")

    def __init__(self, type: "str | device", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        else:
            spec = str(type)
            if ":" in spec:
                spec, idx = spec.split(":", 1)
                if not idx.isdigit():
                    raise RuntimeError(f"Invalid device string: '{type}'")
                if index is not None:
                    raise RuntimeError(f"device: index given twice in '{type}'")
                index = int(idx)
            type = spec
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device "
                               f"string: {type} (edutorch supports 'cpu' and 'cuda')")
        if type == "cpu" and index not in (None, 0):
            raise RuntimeError(f"device: cpu has no index {index}")
        self.type = type
        self.index = None if type == "cpu" else index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def to_device(d) -> device:
    if d is None:
        return CPU
    return d if isinstance(d, device) else device(d)
