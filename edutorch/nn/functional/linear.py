"""Affine maps: ``linear`` (y = x W^T + b) and ``bilinear`` (y_k = x1^T W_k x2 + b_k)."""
from __future__ import annotations

from ..._ops.common import Node, attach, check_devices, needs, state, wrap
from ..._ops.linalg import einsum
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


class AddmmBackward0(Node):
    """y = x W^T + b: dx = g W, dW = g^T x, db = sum of g over the batch.

    One node instead of transpose + matmul + add: the weight's gradient comes out as one
    fresh (out, in) array, ready to be stored in ``weight.grad`` without a copy.
    """
    __slots__ = ("x_shape",)

    def backward(self, g):
        x, w = self.saved_tensors
        x_shape = self.x_shape
        gx = gw = gb = None
        if needs(self, 0):
            gx = g.reshape(-1, g.shape[-1]).matmul(w).reshape(x_shape) if g.dim() > 2 \
                else g.matmul(w)
        if needs(self, 1) or (len(self.next_functions) > 2 and needs(self, 2)):
            g2 = g.reshape(-1, g.shape[-1]) if g.dim() != 2 else g
            if needs(self, 1):
                x2 = x.reshape(-1, x.shape[-1]) if x.dim() != 2 else x
                gw = g2.mT.matmul(x2)
            if len(self.next_functions) > 2 and needs(self, 2):
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
    X = x._data
    if X.ndim > 2:  # (*, in) -> (N, in): one big matrix product instead of a batch of small ones
        X = X.reshape(-1, X.shape[-1])
    A = X @ w._data.T
    if x._data.ndim > 2:
        A = A.reshape(x._data.shape[:-1] + (A.shape[-1],))
    if b is not None:
        A += b._data  # the product is a fresh array: add the bias into it
    out = wrap(A)
    if state.enabled and any(t._rg for t in inputs):
        node = AddmmBackward0(inputs)
        node.x_shape = x._data.shape
        node.save_for_backward(x if w._rg else None, w if x._rg else None)
        attach(out, node)
    return out


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
