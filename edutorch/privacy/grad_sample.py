"""Per-sample gradients, as Opacus's ``GradSampleModule`` computes them with hooks.

DP-SGD clips each example's gradient, so it needs one gradient per example, not the batch sum
``.grad`` holds. A layer's weight gradient is a sum over the batch of (input activation) x
(gradient at the output): keep the two factors apart and the per-example terms come for free.

For each layer with parameters of its own, a forward hook keeps the layer's input and wraps
its outputs in an identity op (``_CaptureBackprops``). When backward reaches that op it holds
the gradients at the layer's outputs; a rule per layer type turns (activations, backprops)
into ``p.grad_sample`` of shape (batch, *p.shape) for each parameter:

- ``Linear``: W_n = sum_t B_n[t] A_n[t]^T, b_n = sum_t B_n[t]  (t runs over extra dimensions)
- ``Conv1d/2d``: the same product after unfolding the input into patches (im2col)
- ``Embedding``: row v of W_n is the sum of B_n over the positions holding index v
- ``LayerNorm``: w_n = sum (x_hat_n * B_n), b_n = sum B_n over the non-normalised dimensions
- anything else (``RNN``, ``LSTM``, ``GRU``, ``GroupNorm``, ...): replay the layer on each
  example alone and take its gradient; exact, and slower (as Opacus's functorch fallback).
"""
from __future__ import annotations

from .. import einsum, stack
from ..autograd import Function, enable_grad
from ..autograd import grad as autograd_grad
from ..nn import functional as F
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.conv import Conv1d, Conv2d
from ..nn.modules.linear import Linear
from ..nn.modules.module import Module
from ..nn.modules.normalization import LayerNorm
from ..nn.modules.rnn import RNNBase
from ..nn.modules.sparse import Embedding
from ..tensor import Tensor

# -- the rules: (layer, activations, backprops) -> {parameter: per-sample gradient} ---------------

def linear_grad_sample(layer: Linear, A: Tensor, B: Tensor) -> dict:
    out = {layer.weight: einsum("n...i,n...j->nij", B, A)}
    if layer.bias is not None:
        out[layer.bias] = einsum("n...k->nk", B)
    return out


def conv_grad_sample(layer, A: Tensor, B: Tensor) -> dict:
    n, G = A.shape[0], layer.groups
    if isinstance(layer, Conv1d):  # a 1-d convolution is a 2-d one of height 1
        A, B = A.unsqueeze(2), B.unsqueeze(2)
        kernel, pad = (1, *layer.kernel_size), (0, *layer.padding)
        dil, stride = (1, *layer.dilation), (1, *layer.stride)
    else:
        kernel, pad, dil, stride = layer.kernel_size, layer.padding, layer.dilation, layer.stride
    cols = F.unfold(A, kernel, dilation=dil, padding=pad, stride=stride)  # (n, C*k, L)
    cols = cols.reshape(n, G, -1, cols.shape[-1])
    B = B.reshape(n, G, -1, cols.shape[-1])  # (n, G, out/G, L)
    w = einsum("ngoq,ngpq->ngop", B, cols).reshape(n, *layer.weight.shape)
    out = {layer.weight: w}
    if layer.bias is not None:
        out[layer.bias] = B.reshape(n, layer.out_channels, -1).sum(2)
    return out


def embedding_grad_sample(layer: Embedding, A: Tensor, B: Tensor) -> dict:
    onehot = F.one_hot(A, layer.num_embeddings).to(B.dtype)  # (n, ..., V)
    w = einsum("n...v,n...d->nvd", onehot, B)
    if layer.padding_idx is not None:  # that row gets no gradient, as in the layer itself
        w[:, layer.padding_idx] = 0
    return {layer.weight: w}


def layer_norm_grad_sample(layer: LayerNorm, A: Tensor, B: Tensor) -> dict:
    x_hat = F.layer_norm(A, layer.normalized_shape, eps=layer.eps)
    dims = list(range(1, A.dim() - len(layer.normalized_shape)))
    out = {}
    if layer.weight is not None:
        out[layer.weight] = (x_hat * B).sum(dims) if dims else x_hat * B
    if layer.bias is not None:
        out[layer.bias] = B.sum(dims) if dims else B
    return out


GRAD_SAMPLERS = {Linear: linear_grad_sample, Conv1d: conv_grad_sample,
                 Conv2d: conv_grad_sample, Embedding: embedding_grad_sample,
                 LayerNorm: layer_norm_grad_sample}


def _has_rule(layer: Module) -> bool:
    rule = GRAD_SAMPLERS.get(type(layer))
    if rule is conv_grad_sample:  # the unfold rule covers zero padding given as numbers
        return layer.padding_mode == "zeros" and not isinstance(layer.padding, str)
    return rule is not None


# -- the fallback: one example at a time -----------------------------------------------------------

def _tensors(tree) -> list:
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [t for item in tree for t in _tensors(item)]
    return []


def _rebuild(tree, it):
    if isinstance(tree, Tensor):
        return next(it)
    if isinstance(tree, (tuple, list)):
        return type(tree)(_rebuild(item, it) for item in tree)
    return tree


def _batch_dims(layer: Module, tensors: list, batch_first: bool) -> list[int]:
    """Where the batch is in each tensor: recurrent layers keep it in dim 1 of their states
    (h, c) always, and in dim 1 of the sequence unless batch_first."""
    if isinstance(layer, RNNBase):
        return [0 if layer.batch_first else 1] + [1] * (len(tensors) - 1)
    return [0 if batch_first else 1] * len(tensors)


def replay_grad_sample(layer: Module, args: tuple, grads: list, batch_first: bool) -> dict:
    params = [p for p in layer.parameters(recurse=False) if p.requires_grad]
    in_dims = _batch_dims(layer, _tensors(args), batch_first)
    n = _tensors(args)[0].shape[in_dims[0]]
    per_sample = []
    for i in range(n):
        it = iter(t.narrow(d, i, 1) for t, d in zip(_tensors(args), in_dims))
        args_i = _rebuild(args, it)
        with enable_grad():
            outs = _tensors(layer.forward(*args_i))
            out_dims = _batch_dims(layer, outs, batch_first)
            gs = [g.narrow(d, i, 1) for g, d in zip(grads, out_dims)]
            pairs = [(o, g) for o, g in zip(outs, gs) if o.requires_grad]
            per_sample.append(autograd_grad([o for o, _ in pairs], params,
                                            [g for _, g in pairs], allow_unused=True,
                                            materialize_grads=True))
    return {p: stack([s[k] for s in per_sample]) for k, p in enumerate(params)}


# -- the hooks ----------------------------------------------------------------------------------

class _CaptureBackprops(Function):
    """Identity on a layer's outputs; its backward sees the gradients arriving at them."""

    @staticmethod
    def forward(ctx, callback, *outputs):
        ctx.callback = callback
        return tuple(o.detach() for o in outputs)

    @staticmethod
    def backward(ctx, *grads):
        ctx.callback(list(grads))
        return (None, *grads)


class GradSampleModule(Module):
    """Wraps ``m``; after ``backward`` each trainable parameter has ``p.grad_sample`` of shape
    (batch, *p.shape). ``loss_reduction="mean"`` multiplies by the batch size, so that the
    per-sample gradients are those of each example's own loss (the mean divided them)."""

    def __init__(self, m: Module, *, batch_first: bool = True, loss_reduction: str = "mean",
                 strict: bool = True) -> None:
        super().__init__()
        if loss_reduction not in ("mean", "sum"):
            raise ValueError(f"GradSampleModule: loss_reduction must be 'mean' or 'sum', got "
                             f"{loss_reduction!r}")
        for name, layer in m.named_modules():
            if isinstance(layer, _BatchNorm) and any(p.requires_grad for p in
                                                     layer.parameters(recurse=False)):
                raise ValueError(
                    f"GradSampleModule: {name or 'the model'} is {type(layer).__name__}, which "
                    f"mixes the examples of a batch, so no example has a gradient of its own. "
                    f"Replace it with GroupNorm (or freeze it) to train with DP-SGD.")
        self._module = m
        self.batch_first = batch_first
        self.loss_reduction = loss_reduction
        self._handles = [layer.register_forward_hook(self._capture)
                         for layer in m.modules()
                         if any(p.requires_grad for p in layer.parameters(recurse=False))]

    def forward(self, *args, **kwargs):
        return self._module(*args, **kwargs)

    def _capture(self, layer: Module, args: tuple, output):
        outs = _tensors(output)
        if not (outs and any(o.requires_grad for o in outs)):
            return None
        saved = _rebuild(args, iter(t.detach() for t in _tensors(args)))

        def on_backprops(grads: list) -> None:
            self._grad_sample(layer, saved, grads)

        wrapped = _CaptureBackprops.apply(on_backprops, *outs)
        return _rebuild(output, iter(wrapped))

    def _grad_sample(self, layer: Module, args: tuple, grads: list) -> None:
        A = _tensors(args)[0]
        n = A.shape[_batch_dims(layer, [A], self.batch_first)[0]]
        if self.loss_reduction == "mean":
            grads = [g * n for g in grads]
        if _has_rule(layer):
            B = grads[0]
            if not self.batch_first:  # the rules want the batch first
                A, B = A.movedim(1, 0), B.movedim(1, 0)
            samples = GRAD_SAMPLERS[type(layer)](layer, A, B)
        else:
            samples = replay_grad_sample(layer, args, grads, self.batch_first)
        for p, g in samples.items():
            if not p.requires_grad:
                continue
            g = g.detach()
            prev = getattr(p, "grad_sample", None)
            # a layer used twice in one forward pass: its per-sample gradients add up
            p.grad_sample = g if prev is None or prev.shape != g.shape else prev + g

    def zero_grad(self, set_to_none: bool = True) -> None:
        super().zero_grad(set_to_none)
        for p in self.parameters():
            p.grad_sample = None

    def remove_hooks(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
