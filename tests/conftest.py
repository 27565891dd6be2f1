"""Fixtures shared by the core tests: PyTorch (skipped when absent) and seeds.

Devices: the op checks of tests/helpers.py take ``device=``; tests/test_gpu.py runs them with
"cuda" and is skipped where ``edutorch.cuda.is_available()`` is False. ``EDUTORCH_TEST_DEVICE=cuda``
makes "cuda" the default of ``check_op`` and ``compare_module``; with ``EDUTORCH_FAKE_CUDA=1``
"cuda" is a NumPy stand-in for CuPy (``edutorch/backend/fake_cupy.py``), so CI checks the GPU
path without a GPU.
"""
from __future__ import annotations

import numpy as np
import pytest

import edutorch


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

