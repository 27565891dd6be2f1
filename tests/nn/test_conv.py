"""Convolution: F.conv1d/2d/3d, F.conv_transpose*, F.unfold/fold and the Conv modules.

Against PyTorch (same weights, float64): outputs, the gradients of input, weight and bias.
Without PyTorch: gradcheck and gradgradcheck on tiny shapes (the im2col/col2im pair is
differentiable to any order).
"""
from __future__ import annotations

import numpy as np
import pytest
from nn_compare import assert_close, compare_module

import edutorch
import edutorch.nn.functional as F
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(7)

# PyTorch warns that it copies the input for an even kernel with padding='same'
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


def randn(*shape):
    return RNG.standard_normal(shape)


def compare_fn(torch, name, arrays, kwargs, rtol=1e-6, atol=1e-9, dtype=np.float64):
    """F.<name>(*arrays, **kwargs) in both libraries: output and every input's gradient."""
    arrays = [a.astype(dtype) for a in arrays]
    e_in = [edutorch.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_out = getattr(F, name)(*e_in, **kwargs)
    t_out = getattr(torch.nn.functional, name)(*t_in, **kwargs)
    assert_close(e_out, t_out, rtol=rtol, atol=atol, what=f"{name} output")
    go = RNG.standard_normal(tuple(t_out.shape)).astype(dtype)
    e_out.backward(edutorch.tensor(go))
    t_out.backward(torch.tensor(go))
    for k, (e, t) in enumerate(zip(e_in, t_in)):
        assert_close(e.grad, t.grad, rtol=rtol, atol=atol, what=f"{name} grad of input {k}")


CONV_CASES = [
    # (name, input shape, weight shape, with bias, kwargs)
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 2), True,
     dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)),
    ("conv2d", (2, 3, 7, 8), (5, 3, 4, 3), True, dict(padding="same", dilation=(2, 1))),
    ("conv2d", (2, 3, 6, 6), (5, 3, 2, 2), False, dict(padding="same")),  # odd total: asymmetric
    ("conv2d", (2, 3, 7, 8), (5, 3, 3, 3), True, dict(padding="valid", stride=3)),
    ("conv2d", (3, 7, 8), (4, 3, 3, 3), True, dict(padding=2)),  # unbatched
    ("conv2d", (2, 4, 5, 5), (4, 1, 3, 3), True, dict(groups=4, padding=1)),  # depthwise
    ("conv2d", (2, 3, 5, 5), (4, 3, 1, 1), True, {}),  # 1x1
    ("conv1d", (2, 4, 9), (8, 1, 3), True, dict(stride=2, padding=2, groups=4)),
    ("conv1d", (2, 3, 10), (4, 3, 4), True, dict(padding="same", dilation=3)),
    ("conv1d", (3, 10), (4, 3, 3), False, {}),
    ("conv3d", (2, 2, 5, 4, 5), (3, 2, 2, 2, 3), True, dict(stride=(1, 2, 1), padding=1)),
]


@pytest.mark.parametrize("name,xs,ws,bias,kwargs", CONV_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV_CASES)])
def test_conv_functional_matches_torch(torch, name, xs, ws, bias, kwargs):
    arrays = [randn(*xs), randn(*ws)] + ([randn(ws[0])] if bias else [])
    compare_fn(torch, name, arrays, kwargs)


TRANSPOSE_CASES = [
    ("conv_transpose2d", (2, 4, 5, 4), (4, 3, 3, 2), True, {}),
    ("conv_transpose2d", (2, 4, 5, 4), (4, 3, 3, 2), True,
     dict(stride=(2, 3), padding=1, output_padding=(1, 2), groups=2, dilation=(1, 2))),
    ("conv_transpose2d", (4, 3, 3), (4, 2, 2, 2), False, dict(stride=2)),  # unbatched
    ("conv_transpose2d", (1, 2, 4, 4), (2, 3, 4, 4), True, dict(stride=2, padding=1)),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), True, dict(stride=2, output_padding=1)),
    ("conv_transpose3d", (1, 2, 3, 2, 3), (2, 2, 2, 2, 2), True, dict(stride=2, padding=1)),
]


@pytest.mark.parametrize("name,xs,ws,bias,kwargs", TRANSPOSE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TRANSPOSE_CASES)])
def test_conv_transpose_functional_matches_torch(torch, name, xs, ws, bias, kwargs):
    out_ch = ws[1] * kwargs.get("groups", 1)
    arrays = [randn(*xs), randn(*ws)] + ([randn(out_ch)] if bias else [])
    compare_fn(torch, name, arrays, kwargs)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2),
                                    dict(kernel_size=(2, 3), dilation=(2, 1), padding=1,
                                         stride=(1, 2))])
def test_unfold_matches_torch(torch, kwargs):
    compare_fn(torch, "unfold", [randn(2, 3, 6, 7)], kwargs)
    compare_fn(torch, "unfold", [randn(3, 6, 7)], kwargs)


@pytest.mark.parametrize("shape,kwargs", [
    ((2, 12, 12), dict(output_size=(5, 6), kernel_size=2, stride=2, padding=1)),  # disjoint
    ((2, 12, 20), dict(output_size=(5, 6), kernel_size=2)),  # overlapping windows
    ((12, 20), dict(output_size=(5, 6), kernel_size=2)),  # unbatched
])
def test_fold_matches_torch(torch, shape, kwargs):
    compare_fn(torch, "fold", [randn(*shape)], kwargs)


def test_fold_is_the_adjoint_of_unfold():
    # <unfold(x), c> == <x, fold(c)> for any x and c: fold is unfold's transpose
    x = edutorch.tensor(randn(2, 3, 6, 7))
    kw = dict(kernel_size=(3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1))
    cols = F.unfold(x, **kw)
    c = edutorch.tensor(randn(*cols.shape))
    lhs = (cols * c).sum().item()
    rhs = (x * F.fold(c, (6, 7), **kw)).sum().item()
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_conv2d_float32_matches_torch(torch):
    compare_fn(torch, "conv2d", [randn(2, 3, 8, 8), randn(4, 3, 3, 3), randn(4)],
               dict(stride=2, padding=1), rtol=1e-4, atol=1e-5, dtype=np.float32)
    out = F.conv2d(edutorch.randn(1, 3, 5, 5), edutorch.randn(2, 3, 3, 3))
    assert out.dtype == edutorch.float32


# -- modules ------------------------------------------------------------------------------------

MODULE_CASES = [
    ("Conv2d", lambda nn_: nn_.Conv2d(3, 4, 3), (2, 3, 6, 5)),
    ("Conv2d-stride-pad-dil-groups",
     lambda nn_: nn_.Conv2d(4, 6, (3, 2), stride=2, padding=(1, 2), dilation=(2, 1), groups=2),
     (2, 4, 9, 7)),
    ("Conv2d-same-even", lambda nn_: nn_.Conv2d(3, 4, 4, padding="same", bias=False),
     (2, 3, 6, 5)),
    ("Conv2d-reflect", lambda nn_: nn_.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"),
     (2, 3, 6, 5)),
    ("Conv2d-circular-same",
     lambda nn_: nn_.Conv2d(3, 4, 4, padding="same", padding_mode="circular"), (2, 3, 6, 5)),
    ("Conv2d-replicate", lambda nn_: nn_.Conv2d(3, 2, 3, padding=(2, 1),
                                                padding_mode="replicate"), (3, 6, 5)),
    ("Conv1d", lambda nn_: nn_.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 9)),
    ("Conv3d", lambda nn_: nn_.Conv3d(2, 3, 2, padding=1), (1, 2, 3, 4, 3)),
    ("ConvTranspose2d", lambda nn_: nn_.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                        output_padding=1, groups=2),
     (2, 4, 4, 3)),
    ("ConvTranspose2d-dilation", lambda nn_: nn_.ConvTranspose2d(3, 2, 2, dilation=2,
                                                                 bias=False), (2, 3, 4, 3)),
    ("ConvTranspose1d", lambda nn_: nn_.ConvTranspose1d(3, 2, 3, stride=3), (2, 3, 4)),
]


@pytest.mark.parametrize("build,shape", [c[1:] for c in MODULE_CASES],
                         ids=[c[0] for c in MODULE_CASES])
def test_conv_modules_match_torch(torch, build, shape):
    e_mod, t_mod = build(nn), build(torch.nn)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    compare_module(e_mod, t_mod, randn(*shape))


def test_conv_transpose_output_size_matches_torch(torch):
    e_mod = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    t_mod = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    x = randn(1, 2, 4, 5)
    compare_module(e_mod, t_mod, x, [8, 10], backward=False)
    out = e_mod(edutorch.tensor(x, device=e_mod.weight.device), output_size=[1, 3, 7, 9])
    assert tuple(out.shape) == (1, 3, 7, 9)
    with pytest.raises(ValueError, match="valid sizes"):
        e_mod(edutorch.tensor(x), output_size=[12, 12])


def test_conv_init_is_pytorchs_range():
    # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias alike
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / np.sqrt(8 * 9)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    assert tuple(nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape) == (4, 3, 3, 3)


# -- without PyTorch: finite differences ----------------------------------------------------------

def _t(*shape):
    return edutorch.tensor(randn(*shape), requires_grad=True)


def test_conv2d_gradcheck_and_second_order():
    x, w, b = _t(2, 2, 5, 4), _t(4, 1, 3, 2), _t(4)
    f = lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                 groups=2)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [(2, 2, 5, 4), (3, 2, 3, 2), (3,)]),
    (lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=2), [(1, 2, 4, 4), (2, 2, 2, 3),
                                                                     (2,)]),
    (lambda x, w, b: F.conv1d(x, w, b, stride=2), [(2, 3, 7), (2, 3, 3), (2,)]),
], ids=["conv2d", "conv2d-same-dilated", "conv1d"])
def test_conv_groups1_second_order(fn, shapes):
    # groups=1 runs a fused node whose create_graph backward is made of Tensor ops
    inputs = tuple(_t(*s) for s in shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_conv_transpose_and_fold_gradcheck():
    x, w = _t(1, 4, 3, 3), _t(4, 1, 3, 2)
    f = lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2)
    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))
    c = _t(2, 8, 10)
    assert gradcheck(lambda c: F.fold(c, (4, 3), kernel_size=2, padding=(1, 0)), (c,))
    assert gradcheck(lambda c: F.fold(c, (4, 5), kernel_size=2, stride=2, padding=1)
                     .pow(2), (_t(2, 8, 9),))
    assert gradgradcheck(lambda x: F.unfold(x, 2, stride=1).pow(2), (_t(1, 2, 3, 3),))


def test_conv1d_and_3d_gradcheck():
    assert gradcheck(lambda x, w: F.conv1d(x, w, padding="same"), (_t(2, 2, 6), _t(3, 2, 4)))
    assert gradcheck(lambda x, w: F.conv3d(x, w, stride=2, padding=1),
                     (_t(1, 2, 3, 3, 3), _t(2, 2, 2, 2, 2)))


def test_reused_column_buffers_never_clobber_live_values(torch):
    # im2col writes into kept buffers only when nothing references them: two graphs alive at
    # once, a retained graph, and columns the user holds must all stay intact
    x = randn(8, 3, 20, 20)  # columns of 560 kB: large enough to be kept for reuse
    e_conv, t_conv = nn.Conv2d(3, 8, 3).double(), torch.nn.Conv2d(3, 8, 3).double()
    from nn_compare import copy_weights
    copy_weights(e_conv, t_conv)
    xe = edutorch.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    e1, e2 = e_conv(xe), e_conv(xe * 2)  # two forwards before any backward
    t1, t2 = t_conv(xt), t_conv(xt * 2)
    (e1.pow(2).sum() + e2.pow(3).sum()).backward(retain_graph=True)
    (t1.pow(2).sum() + t2.pow(3).sum()).backward(retain_graph=True)
    e_conv(xe * 3).sum().backward()  # a third forward while the first graph is retained
    t_conv(xt * 3).sum().backward()
    (e1.pow(2).sum()).backward()  # the retained graph still has its own columns
    (t1.pow(2).sum()).backward()
    assert_close(xe.grad, xt.grad, rtol=1e-6, atol=1e-9)
    assert_close(e_conv.weight.grad, t_conv.weight.grad, rtol=1e-6, atol=1e-9)
    cols = F.unfold(edutorch.tensor(x), 3)
    kept = cols.numpy().copy()
    F.unfold(edutorch.tensor(x * 5), 3)
    np.testing.assert_array_equal(cols.numpy(), kept)
    from edutorch.backend import memory
    assert memory._kept, "the buffers were not exercised"


def test_conv_errors_name_the_problem():
    x = edutorch.randn(2, 3, 8, 8)
    with pytest.raises(RuntimeError, match="expected input\\[2, 3, 8, 8\\] to have 4 channels"):
        F.conv2d(x, edutorch.randn(6, 4, 3, 3))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(x, edutorch.randn(6, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        F.conv2d(x, edutorch.randn(6, 3, 9, 9))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
        F.conv2d(edutorch.randn(8, 8), edutorch.randn(6, 3, 3, 3))
    with pytest.raises(RuntimeError, match="should be the same"):
        F.conv2d(x, edutorch.randn(6, 3, 3, 3, dtype=edutorch.float64))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        F.conv_transpose2d(x, edutorch.randn(3, 2, 3, 3), stride=2, output_padding=2)
