"""``edutorch.onnx``: importable, so programs that only import it run; exporting is not built.

An ONNX export needs the whole graph of a model as data (ops, shapes, weights) in ONNX's
protobuf format. edutorch records graphs only for autograd (and chapter 7's ``jit.trace``), and
writes no ONNX, so ``export`` says so instead of writing a half-made file.
"""
from __future__ import annotations


class OnnxExporterError(RuntimeError):
    """PyTorch's error type for failed exports."""


def export(model, args=(), f=None, **kwargs):
    """Not available in edutorch: raises NotImplementedError naming what to do instead."""
    raise NotImplementedError(
        "edutorch.onnx.export: edutorch cannot write ONNX files. Save the weights with "
        "edutorch.save(model.state_dict(), path) and load them into the same model in PyTorch "
        "(torch.load) to export from there.")


def is_in_onnx_export() -> bool:
    return False


__all__ = ["export", "is_in_onnx_export", "OnnxExporterError"]
