"""Fixtures shared by the core tests: devices, PyTorch (skipped when absent), seeds."""
from __future__ import annotations

import numpy as np
import pytest

import edutorch

CUDA = edutorch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    # tests that use the ``torch`` fixture carry the ``torch`` marker, so ``-m "not torch"``
    # selects what runs without PyTorch
    for item in items:
        if "torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)


@pytest.fixture
def torch():
    """The PyTorch module; the test is skipped where it is not importable."""
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same random state, in edutorch and (if present) PyTorch."""
    edutorch.manual_seed(0)
    try:
        import torch as _torch
        _torch.manual_seed(0)
    except ImportError:  # pragma: no cover
        pass
    yield


@pytest.fixture
def rng():
    """A seeded NumPy generator for test inputs (the same in every run)."""
    return np.random.default_rng(1234)


@pytest.fixture
def device():
    """The device the op checks run on: "cpu" here; tests/test_gpu.py overrides it with
    "cuda"."""
    return "cpu"


requires_cuda = pytest.mark.skipif(not CUDA, reason="no usable CUDA device (CuPy and a GPU "
                                                    "are needed)")
