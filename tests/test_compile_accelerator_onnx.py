"""edutorch.compile (eager), edutorch.compiler, edutorch.accelerator and edutorch.onnx, as
PyTorch's CPU build answers them."""
from __future__ import annotations

import numpy as np
import pytest
from helpers import to_numpy

import edutorch


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))


@pytest.mark.parametrize("kwargs", [{}, {"mode": "max-autotune"}, {"fullgraph": True},
                                    {"dynamic": True, "backend": "inductor"},
                                    {"options": {"trace.enabled": False}}, {"backend": "eager"}])
def test_compiled_module_matches_pytorch_shape_and_trains_like_the_original(torch, kwargs):
    ours, ref = edutorch.compile(_mlp(edutorch), **kwargs), torch.compile(_mlp(torch), **kwargs)
    assert type(ours).__name__ == type(ref).__name__ == "OptimizedModule"
    assert list(ours.state_dict()) == list(ref.state_dict())  # "_orig_mod." prefixes
    assert isinstance(ours._orig_mod, edutorch.nn.Sequential)
    plain = _mlp(edutorch)
    plain.load_state_dict(ours._orig_mod.state_dict())
    x = edutorch.randn(5, 4)
    opt = edutorch.optim.SGD(ours.parameters(), lr=0.1)
    loss = ours(x).pow(2).mean()
    loss.backward()
    opt.step()
    np.testing.assert_allclose(to_numpy(loss), to_numpy(plain(x).pow(2).mean()), rtol=1e-6)
    assert edutorch.compile(edutorch.nn.Linear(4, 2)).in_features == 4  # attributes forwarded


def test_compile_functions_decorators_and_disable():
    def f(x):
        return x * 2 + 1
    g = edutorch.compile(f, fullgraph=True)
    assert g(edutorch.ones(2)).tolist() == [3.0, 3.0] and g.__name__ == "f"

    @edutorch.compile(mode="reduce-overhead")
    def h(x):
        return x - 1
    assert h(edutorch.zeros(1)).tolist() == [-1.0]
    m = edutorch.nn.Linear(2, 2)
    assert edutorch.compile(m, disable=True) is m
    assert edutorch.compiler.disable(f) is f and edutorch.compiler.is_compiling() is False
    edutorch.compiler.reset()


def test_compile_errors_match_pytorch(torch):
    for lib in (torch, edutorch):
        with pytest.raises(RuntimeError, match="Either mode or options can be specified"):
            lib.compile(lib.nn.Linear(2, 2), mode="default", options={})
        with pytest.raises(RuntimeError, match="Unrecognized mode=fastest"):
            lib.compile(lib.nn.Linear(2, 2), mode="fastest")


def test_accelerator_answers_like_pytorch_without_a_gpu(torch):
    if edutorch.cuda.is_available():
        assert edutorch.accelerator.current_accelerator() == edutorch.device("cuda")
        assert edutorch.accelerator.device_count() == edutorch.cuda.device_count()
        assert edutorch.accelerator.current_device_index() == 0
        edutorch.accelerator.synchronize()
        return
    if torch.accelerator.is_available():
        pytest.skip("PyTorch sees an accelerator that edutorch does not")
    for name in ("current_accelerator", "is_available", "device_count"):
        assert getattr(edutorch.accelerator, name)() == getattr(torch.accelerator, name)()
    assert edutorch.accelerator.current_accelerator(check_available=True) is None
    for name in ("current_device_index", "synchronize"):
        for lib in (torch, edutorch):
            with pytest.raises(RuntimeError, match="Cannot access accelerator device when none "
                                                   "is available"):
                getattr(lib.accelerator, name)()
    with edutorch.accelerator.device_index(None):
        pass


def test_device_choice_idiom_of_pytorch_examples():
    acc = edutorch.accelerator
    device = acc.current_accelerator() if acc.is_available() else edutorch.device("cpu")
    x = edutorch.ones(2, device=device)
    assert x.device == device


def test_onnx_imports_and_export_refuses_clearly(tmp_path):
    import edutorch.onnx as onnx
    assert onnx.is_in_onnx_export() is False
    target = tmp_path / "model.onnx"
    with pytest.raises(NotImplementedError, match="edutorch cannot write ONNX files"):
        onnx.export(edutorch.nn.Linear(2, 2), (edutorch.ones(1, 2),), str(target))
    assert not target.exists()
