"""Anomaly detection (edutorch.autograd.detect_anomaly): a planted NaN stops backward at the
op that produced it, and the error names the op and the forward line that created it."""
from __future__ import annotations

import inspect

import pytest

import edutorch
from edutorch.autograd.anomaly_mode import is_anomaly_enabled


def plant_nan(lib):
    x = lib.tensor([0.0, 1.0, 4.0], requires_grad=True)
    y = x.sqrt()  # PLANTED: d sqrt(x)/dx = 1 / (2 sqrt(x)) is inf at 0, and inf * 0 is NaN
    return x, (y * 0).sum()


PLANTED_LINE = next(i for i, line in enumerate(inspect.getsource(plant_nan).splitlines())
                    if "PLANTED" in line) + plant_nan.__code__.co_firstlineno


def test_detect_anomaly_names_the_op_and_the_forward_line():
    with edutorch.autograd.detect_anomaly():
        x, loss = plant_nan(edutorch)
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    message = str(info.value)
    assert "Function 'SqrtBackward0' returned nan values in its 0th output." in message
    assert f"line {PLANTED_LINE}" in message and "x.sqrt()" in message, message
    assert x.grad is None  # backward stopped before reaching the leaf


def test_without_anomaly_mode_the_nan_passes_silently():
    x, loss = plant_nan(edutorch)
    loss.backward()
    assert bool(edutorch.isnan(x.grad[0])) and not bool(edutorch.isnan(x.grad[1:]).any())


def test_set_detect_anomaly_and_the_same_message_as_pytorch(torch):
    edutorch.autograd.set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        _, loss = plant_nan(edutorch)
        with pytest.raises(RuntimeError) as ours:
            loss.backward()
    finally:
        edutorch.autograd.set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with torch.autograd.detect_anomaly(), pytest.warns(UserWarning):
        _, loss = plant_nan(torch)
        with pytest.raises(RuntimeError) as theirs:
            loss.backward()
    assert str(theirs.value).splitlines()[0] in str(ours.value)
