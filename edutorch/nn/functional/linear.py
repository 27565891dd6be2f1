"""Affine maps: ``linear`` (y = x W^T + b) and ``bilinear`` (y_k = x1^T W_k x2 + b_k)."""
from __future__ import annotations

from ..._ops.common import check_devices
from ..._ops.linalg import einsum
from ..._ops.registry import builtin
from ...autograd.function import Function
from ...tensor import Tensor

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b.

    Shapes: input (*, in_features), weight (out_features, in_features) or (in_features,),
    bias (out_features,) or None; output (*, out_features) (or (*) for a 1-D weight).
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"linear(): input and weight must be Tensors, got "
                        f"{type(input).__name__} and {type(weight).__name__}")
    if weight.dim() not in (1, 2):
        raise RuntimeError(f"linear: weight must be 1-D or 2-D, got shape {list(weight.shape)}")
    if input.dim() == 0 or input.shape[-1] != weight.shape[-1]:
        rows = input.numel() // input.shape[-1] if input.dim() and input.shape[-1] else 1
        cols = input.shape[-1] if input.dim() else 1
        w = list(weight.shape) if weight.dim() == 1 else [weight.shape[1], weight.shape[0]]
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied ({rows}x{cols} "
                           f"and {'x'.join(map(str, w))}); input has shape {list(input.shape)} "
                           f"but weight expects in_features={weight.shape[-1]}")
    if weight.dim() == 1:
        out = input.matmul(weight)
        return out + bias if bias is not None else out
    return _affine(input, weight, bias)


@builtin("linear", backward_name="AddmmBackward0")
class Addmm(Function):
    """y = x W^T + b: dx = g W, dW = g^T x, db = sum of g over the batch.

    One node instead of transpose + matmul + add: the weight's gradient comes out as one
    fresh (out, in) array, ready to be stored in ``weight.grad`` without a copy.
    """

    @staticmethod
    def forward(ctx, x, w, b=None):
        need_x, need_w = (ctx.needs_input_grad or (False, False))[:2]
        ctx.save_for_backward(x if need_w else None, w if need_x else None)  # each for the other
        ctx.x_shape = x.shape
        X = x.reshape(-1, x.shape[-1]) if x.ndim > 2 else x  # one big product, not a batch
        out = X @ w.T
        if x.ndim > 2:
            out = out.reshape(x.shape[:-1] + (out.shape[-1],))
        if out.dtype != x.dtype:  # ml_dtypes' bfloat16 product is float32; PyTorch keeps bf16
            out = out.astype(x.dtype)
        if b is not None:
            out += b  # the product is a fresh array: add the bias into it
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w, *need_b = ctx.needs_input_grad
        g2 = grad.reshape(-1, grad.shape[-1]) if grad.ndim != 2 else grad  # (N, out)
        gx = gw = gb = None
        if need_x:
            gx = (g2 @ w).reshape(ctx.x_shape)
        if need_w:
            gw = g2.T @ (x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x)
        if need_b and need_b[0]:
            gb = g2.sum(0)
        return gx, gw, gb


def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    inputs = (x, w) if b is None else (x, w, b)
    check_devices("linear", *inputs)
    for t in inputs[1:]:
        if t._data.dtype != x._data.dtype:
            raise RuntimeError(f"linear: expected input, weight and bias to have the same dtype, "
                               f"but got input {x.dtype}, weight {w.dtype}"
                               + (f", bias {b.dtype}" if b is not None else ""))
    if b is not None and b._data.shape != (w._data.shape[0],):
        raise RuntimeError(f"linear: bias must have shape [{w._data.shape[0]}] "
                           f"(out_features), got {list(b._data.shape)}")
    return Addmm.apply(*inputs)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None
             ) -> Tensor:
    """y_k = sum_ij x1_i W_kij x2_j + b_k.

    Shapes: input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,);
    output (*, out).
    """
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got shape "
                           f"{list(weight.shape)}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input sizes {input1.shape[-1]} and {input2.shape[-1]} "
                           f"do not match weight of shape {list(weight.shape)} (out, in1, in2)")
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    out = einsum("bi,kij,bj->bk", x1, weight, x2)
    if bias is not None:
        out = out + bias
    return out.reshape(tuple(lead) + (weight.shape[0],))
