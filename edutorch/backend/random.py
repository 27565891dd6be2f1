"""Random number generators, one stream per device, seeded by ``edutorch.manual_seed``.

NumPy's ``Generator(PCG64)`` serves the CPU and CuPy's ``default_rng`` the GPU. PyTorch's exact
streams cannot be reproduced, but a seed makes every edutorch run repeat itself.
"""
from __future__ import annotations

import numpy as np

from . import _import_cupy, module_for

_default_seed = 0


class Generator:
    """A seeded source of random numbers (``edutorch.Generator``), like ``torch.Generator``."""

    def __init__(self, device="cpu"):
        self.device = str(device)
        self._seed = _default_seed
        self._rng = None

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self._rng = None
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def _stream(self, device_type: str):
        if self._rng is None:
            if device_type == "cpu":
                self._rng = np.random.Generator(np.random.PCG64(self._seed))
            else:
                self._rng = _import_cupy().random.default_rng(self._seed)
        return self._rng

    def get_state(self):
        return self._stream("cpu").bit_generator.state

    def set_state(self, state) -> "Generator":
        self._stream("cpu").bit_generator.state = state
        return self


_default = {"cpu": Generator("cpu"), "cuda": Generator("cuda")}


def manual_seed(seed: int) -> Generator:
    for g in _default.values():
        g.manual_seed(seed)
    return _default["cpu"]


def default_generator(device_type: str = "cpu") -> Generator:
    return _default[device_type]


def _rng(generator, device_type):
    return (generator or _default[device_type])._stream(device_type)


def uniform(shape, dtype, device_type="cpu", generator=None, low=0.0, high=1.0):
    rng = _rng(generator, device_type)
    dt = np.dtype(dtype)
    work = dt if dt in (np.float32, np.float64) else np.float32
    out = rng.random(shape, dtype=work)
    if low != 0.0 or high != 1.0:
        out = out * (high - low) + low
    return out.astype(dt, copy=False)


def normal(shape, dtype, device_type="cpu", generator=None, mean=0.0, std=1.0):
    rng = _rng(generator, device_type)
    dt = np.dtype(dtype)
    work = dt if dt in (np.float32, np.float64) else np.float32
    out = rng.standard_normal(shape, dtype=work)
    if mean != 0.0 or std != 1.0:
        out = out * std + mean
    return out.astype(dt, copy=False)


def integers(low, high, shape, dtype, device_type="cpu", generator=None):
    rng = _rng(generator, device_type)
    return rng.integers(low, high, size=shape).astype(np.dtype(dtype), copy=False)


def permutation(n, dtype, device_type="cpu", generator=None):
    rng = _rng(generator, device_type)
    if device_type == "cpu":
        return rng.permutation(n).astype(np.dtype(dtype), copy=False)
    # CuPy's Generator has no permutation: sorting n uniform draws gives a uniform one
    return module_for(device_type).argsort(rng.random(n)).astype(np.dtype(dtype), copy=False)


def bernoulli(p, device_type="cpu", generator=None):
    """Boolean array, True with probability ``p`` (an array or a float) in each place."""
    rng = _rng(generator, device_type)
    xp = module_for(device_type)
    shape = p.shape if hasattr(p, "shape") else ()
    return rng.random(shape, dtype=xp.float32) < p
