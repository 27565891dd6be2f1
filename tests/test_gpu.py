"""The main op checks again with device="cuda" (CuPy); skipped cleanly where no GPU is usable.

Forward and backward are compared with PyTorch on the CPU (the same NumPy inputs), and
gradcheck runs on the GPU tensors. Without a GPU, ``EDUTORCH_FAKE_CUDA=1`` makes "cuda" a NumPy
stand-in for CuPy that is as strict as CuPy (``edutorch/backend/fake_cupy.py``): CI runs this
file, and the op and module tests with ``EDUTORCH_TEST_DEVICE=cuda``, on it.
"""
import numpy as np
import pytest
from helpers import check_double_backward, check_op, random_array

import edutorch

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not edutorch.cuda.is_available(),
                                 reason="no usable CUDA device (CuPy and a GPU are needed, or "
                                        "EDUTORCH_FAKE_CUDA=1 for the NumPy stand-in)")]

DEVICE = "cuda"


def _x(shape=(3, 4), seed=0, **kw):
    return random_array(np.random.default_rng(seed), shape, **kw)


def _tables():
    import test_indexing
    import test_linalg
    import test_pointwise
    import test_shape
    return test_pointwise, test_shape, test_indexing, test_linalg


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "remainder"])
def test_binary_ops_on_gpu(name):
    fn, kx, ky = _tables()[0].BINARY[name]
    check_op(fn, _x((2, 1, 4), 1, **kx), _x((3, 1), 2, **ky), device=DEVICE)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sin",
                                  "clamp", "rdiv", "rpow", "pow_float", "reciprocal"])
def test_unary_ops_on_gpu(name):
    fn, kx = _tables()[0].UNARY[name]
    check_op(fn, _x(seed=3, **kx), device=DEVICE)
    check_double_backward(fn, _x((2, 3), seed=4, **kx), device=DEVICE)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "logsumexp", "var", "std", "norm"])
def test_reductions_on_gpu(name):
    check_op(lambda lib, t: getattr(t, name)(dim=1, keepdim=True), _x((3, 4, 2), 5),
             device=DEVICE)
    check_op(lambda lib, t: getattr(t, name)(dim=(0, 1)), _x((3, 4), 6), device=DEVICE)
    check_op(lambda lib, t: t.max(dim=0), _x((3, 4), 7), device=DEVICE)


@pytest.mark.parametrize("name", ["reshape", "permute", "expand", "repeat", "split_uneven",
                                  "narrow", "flip", "chunk", "unflatten"])
def test_shape_ops_on_gpu(name):
    check_op(_tables()[1].SHAPE_OPS[name], _x((2, 3, 4), 8), device=DEVICE)


@pytest.mark.parametrize("name", ["int_tensor", "list", "bool_mask", "slice_step", "mixed"])
def test_indexing_on_gpu(name):
    tables = _tables()[2]
    check_op(tables.GETITEM[name], _x((4, 5, 3), 9), tables.IDX, tables.MASK, device=DEVICE)


def test_gather_scatter_index_select_on_gpu():
    idx = np.array([[0, 2], [1, 1], [3, 0]])
    check_op(lambda lib, x, i: x.gather(1, i), _x((3, 4), 10), idx, device=DEVICE)
    check_op(lambda lib, x, i, s: x.scatter_add(1, i, s), _x((3, 4), 11), idx, _x((3, 2), 12),
             device=DEVICE)
    check_op(lambda lib, x, i: x.index_select(0, i), _x((4, 3), 13), np.array([2, 0, 2]),
             device=DEVICE)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4,)), ((2, 3, 4), (4,)),
                                   ((2, 1, 3, 4), (5, 4, 2))], ids=str)
def test_matmul_on_gpu(sa, sb):
    check_op(lambda lib, a, b: a @ b, _x(sa, 14), _x(sb, 15), device=DEVICE)


def test_softmax_and_einsum_on_gpu():
    check_op(lambda lib, t: t.softmax(-1), _x((3, 4), 16), device=DEVICE)
    check_op(lambda lib, t: t.log_softmax(0), _x((3, 4), 17), device=DEVICE)
    check_op(lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), _x((2, 3, 4), 18),
             _x((2, 4, 2), 19), device=DEVICE)


def test_inplace_and_setitem_on_gpu():
    def f(lib, a, b):
        x = a * 1
        x[0] = b * 2
        x[:, 1].mul_(3)
        return x * x
    check_op(f, _x((3, 4), 20), _x((4,), 21), device=DEVICE)


def test_moving_between_devices():
    x = edutorch.tensor([1.0, 2.0], requires_grad=True)
    g = x.to("cuda")
    assert g.device.type == "cuda" and g.is_cuda and g.device == edutorch.device("cuda:0")
    assert x.cuda().device == g.device and g.to(edutorch.device("cuda")) is g
    back = (g * g).cpu()
    assert back.device == edutorch.device("cpu")
    back.sum().backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [2.0, 4.0]
    assert "device='cuda:0'" in repr(g)
    assert edutorch.zeros(2, device="cuda").device.type == "cuda"
    assert edutorch.randn(2, device="cuda").device.type == "cuda"


def test_mixing_devices_raises_like_torch():
    a, b = edutorch.zeros(2, device="cuda"), edutorch.zeros(2)
    for f in (lambda: a + b, lambda: a * b, lambda: a @ b, lambda: edutorch.cat([a, b]),
              lambda: edutorch.where(a > 0, a, b)):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
            f()


def test_numpy_of_gpu_tensor_refuses():
    with pytest.raises(TypeError, match="cpu"):
        edutorch.zeros(2, device="cuda").numpy()
    assert edutorch.zeros(2, device="cuda").cpu().numpy().tolist() == [0.0, 0.0]
