"""Loss functions: how far a prediction is from its target, as one number to minimise.

Every loss computes a per-element (or per-sample) loss, then ``reduction`` combines it:
``'none'`` keeps it, ``'sum'`` adds it up, ``'mean'`` averages it (for weighted losses, divides
by the sum of the weights used). ``size_average``/``reduce`` are PyTorch's deprecated spelling
of ``reduction`` and are still understood.

The classification losses work on log-probabilities from ``log_softmax`` (x - logsumexp(x)),
never on ``log(softmax(x))``, which underflows to log(0) = -inf for confident predictions.
"""
from __future__ import annotations

import warnings

from ... import _dtype as dt
from ... import backend
from ..._ops.activation import log_softmax
from ..._ops.common import wrap
from ..._ops.pointwise import where
from ..._ops.registry import builtin
from ...autograd.function import Function
from ...tensor import Tensor
from .activation import softplus

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "poisson_nll_loss", "gaussian_nll_loss", "cosine_similarity",
           "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "soft_margin_loss", "triplet_margin_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """Translate the deprecated ``size_average``/``reduce`` flags to a ``reduction`` string."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='mean' (or 'sum'/'none') instead.", stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(reduction: str, allowed=_REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction (expected one of "
                         f"{', '.join(allowed)})")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def _check_tensors(op: str, **tensors) -> None:
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")


def _warn_size(input: Tensor, target: Tensor, op: str) -> None:
    if target.shape != input.shape:
        warnings.warn(f"{op}: Using a target size ({target.shape}) that is different to the "
                      f"input size ({input.shape}). This will likely lead to incorrect results "
                      f"due to broadcasting. Please ensure they have the same size.",
                      stacklevel=3)


def _pointwise_loss(op, input, target, reduction, weight, elementwise, weighted_mean=True):
    _check_tensors(op, input=input, target=target)
    _check_reduction(reduction)
    _warn_size(input, target, op)
    loss = elementwise(input - target)
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError(f"{op}: Weights and input must have the same size (got weight of "
                         f"shape {list(weight.shape)} and input of shape {list(input.shape)})")
    loss = loss * weight
    if reduction == "mean" and weighted_mean:
        return loss.sum() / weight.sum()  # a weighted mean (mse, l1)
    return _reduce(loss, reduction)  # huber: the plain mean of the weighted losses


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """(x - y)^2 per element; the mean squared error. With ``weight`` (input's shape),
    ``'mean'`` is the weighted mean sum(w l) / sum(w)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _pointwise_loss("mse_loss", input, target, reduction, weight, lambda d: d * d)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """|x - y| per element; the mean absolute error."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _pointwise_loss("l1_loss", input, target, reduction, weight, lambda d: d.abs())


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y): quadratic near 0,
    linear far away, so outliers pull less than in MSE."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got "
                           f"{beta})")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)

    def elementwise(d):
        a = d.abs()
        return where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return _pointwise_loss("smooth_l1_loss", input, target, reduction, None, elementwise)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1 scaled by delta.

    With ``weight``, ``'mean'`` is the plain mean of the weighted losses (as PyTorch; mse_loss
    and l1_loss divide by the sum of the weights instead).
    """
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (got "
                           f"{delta})")

    def elementwise(d):
        a = d.abs()
        return where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _pointwise_loss("huber_loss", input, target, reduction, weight, elementwise,
                           weighted_mean=False)


# -- classification ----------------------------------------------------------------------------

def _class_layout(input: Tensor, target: Tensor, op: str):
    """Move the class dim last: input (N, C, d1, ...) -> (N, d1, ..., C); (C,) -> (1, C).

    Returns (input with classes last, target with a matching batch shape, unbatched flag).
    """
    if input.dim() == 0:
        raise ValueError(f"{op}: input must have at least 1 dimension (C) or (N, C, ...), got "
                         f"a 0-d tensor")
    if input.dim() == 1:
        return input.unsqueeze(0), target.unsqueeze(0) if target.dim() == 0 else target, True
    if input.dim() == 2:  # already (N, C): no identity permute in the graph
        return input, target, False
    return input.movedim(1, -1), target, False


def _check_class_target(input_cl: Tensor, target: Tensor, C: int, op: str) -> None:
    if target.dtype in (dt.int32, dt.int16, dt.int8, dt.bool_):  # as PyTorch: int64 or uint8
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got "
                           f"{dt.scalar_type_name(target.dtype)} (convert the class indices with "
                           f"target.long())")
    if target.dtype not in (dt.int64, dt.uint8):
        raise RuntimeError(f"{op}: expected target of class indices with an integer dtype "
                           f"(Long), but found {target.dtype}; for class probabilities use a "
                           f"floating point target of the input's shape (cross_entropy)")
    batch = tuple(input_cl.shape[:-1])
    if tuple(target.shape) != batch:
        if target.dim() >= 1 and input_cl.dim() >= 1 and target.shape[0] != batch[0]:
            raise ValueError(f"{op}: Expected input batch_size ({batch[0]}) to match target "
                             f"batch_size ({target.shape[0]}).")
        raise RuntimeError(f"{op}: expected target of shape {list(batch)} for input of shape "
                           f"(N, C={C}, ...) but got target of shape {list(target.shape)}")


def _picked(input_cl: Tensor, target: Tensor, weight, ignore_index: int, op: str):
    """-w[t] * input[..., t] per sample (0 where t == ignore_index), and the weights w[t]."""
    C = input_cl.shape[-1]
    _check_class_target(input_cl, target, C, op)
    valid = target != ignore_index
    safe = where(valid, target, 0).long()
    if safe.numel():
        lo, hi = int(safe.min()), int(safe.max())
        if lo < 0 or hi >= C:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{op}: Target {bad} is out of bounds (there are {C} classes)")
    logp_t = input_cl.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    w = valid.to(input_cl.dtype)
    if weight is not None:
        if weight.dim() != 1 or weight.shape[0] != C:
            raise RuntimeError(f"{op}: weight tensor should be defined either for all {C} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
        w = w * weight[safe]
    return -(logp_t * w), w


def _weighted_reduce(loss: Tensor, w: Tensor, reduction: str, unbatched: bool) -> Tensor:
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()  # 0/0 = nan when every target is ignored, as PyTorch


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -w[y] * input[y] per sample, ``input`` holding log-probabilities.

    Shapes: input (N, C) or (C) or (N, C, d1, ...); target (N) or () or (N, d1, ...) of class
    indices. ``mean`` divides by the sum of the weights of the targets not ignored.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("nll_loss", input=input, target=target)
    _check_reduction(reduction)
    x, t, unbatched = _class_layout(input, target, "nll_loss")
    loss, w = _picked(x, t, weight, ignore_index, "nll_loss")
    return _weighted_reduce(loss, w, reduction, unbatched)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """nll_loss(log_softmax(input)): softmax and negative log-likelihood in one stable step.

    ``input`` holds unnormalised scores (logits), shape (N, C), (C) or (N, C, d1, ...).
    ``target`` is either class indices (N) / (N, d1, ...) or class probabilities with the
    input's shape. ``label_smoothing`` eps mixes the target with the uniform distribution:
    (1 - eps) * target + eps / C.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("cross_entropy", input=input, target=target)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: "
                         f"{label_smoothing}")
    x, t, unbatched = _class_layout(input, target, "cross_entropy")
    C = x.shape[-1]
    if weight is None and label_smoothing == 0.0 and not target.is_floating_point():
        _check_class_target(x, t, C, "cross_entropy")
        loss = _cross_entropy_indices(x, t, ignore_index, reduction)
        return loss.squeeze(0) if unbatched and reduction == "none" else loss
    logp = log_softmax(x, -1)
    if target.is_floating_point():
        return _cross_entropy_probs(logp, t, weight, reduction, label_smoothing, unbatched,
                                    tuple(input.shape))
    loss, w = _picked(logp, t, weight, ignore_index, "cross_entropy")
    if label_smoothing == 0.0:
        return _weighted_reduce(loss, w, reduction, unbatched)
    # smoothing term: -sum_c weight_c * logp_c / C, zero for ignored samples
    valid = (t != ignore_index).to(logp.dtype)
    smooth = -(logp * weight).sum(-1) if weight is not None else -logp.sum(-1)
    smooth = smooth * valid
    if reduction == "none":
        total = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / C)
        return total.squeeze(0) if unbatched else total
    if reduction == "sum":
        return loss.sum() * (1.0 - label_smoothing) + smooth.sum() * (label_smoothing / C)
    denom = w.sum()
    return (loss.sum() * (1.0 - label_smoothing) + smooth.sum() * (label_smoothing / C)) / denom


@builtin("cross_entropy", backward_name="CrossEntropyBackward0")
class CrossEntropy(Function):
    """cross_entropy for class-index targets, no weights, no smoothing, fused:
    loss_i = logsumexp(x_i) - x_i[t_i], and

        d loss_i / d x_i = scale_i * (softmax(x_i) - onehot(t_i)), the classic result,

    with scale_i the incoming gradient (/ count for a mean, 0 for an ignored target). The
    forward keeps exp(x - max) and its row sums, computed anyway, so the first derivative costs
    one pass and one array. When the backward is recorded (``create_graph=True``) the same
    formula is written with Tensor ops on the saved input.
    """

    @staticmethod
    def forward(ctx, x, target, ignore_index, reduction):
        C = x.shape[-1]
        A = x.reshape(-1, C)
        T = target.reshape(-1)
        xp = backend.xp_of(A)
        valid = T != ignore_index
        safe = xp.where(valid, T, 0)
        if safe.size and (int(safe.min()) < 0 or int(safe.max()) >= C):
            bad = int(safe.min()) if int(safe.min()) < 0 else int(safe.max())
            raise IndexError(f"cross_entropy: Target {bad} is out of bounds (there are {C} "
                             f"classes)")
        rows = xp.arange(A.shape[0])
        shifted = A - A.max(axis=1, keepdims=True)  # stable: exp never overflows
        picked = shifted[rows, safe]
        probs = xp.exp(shifted, out=shifted)  # unnormalised: backward divides by ``total``
        total = probs.sum(axis=1, keepdims=True)
        picked = picked - xp.log(total[:, 0])
        per_sample = xp.where(valid, -picked, 0).astype(A.dtype, copy=False)
        count = int(valid.sum())
        ctx.save_for_backward(x, probs, total)
        ctx.target, ctx.valid, ctx.reduction, ctx.denom = safe, valid, reduction, count
        if reduction == "none":
            return per_sample.reshape(target.shape)
        if reduction == "sum":
            return xp.asarray(per_sample.sum())
        return xp.asarray(per_sample.sum() / count if count else float("nan"), A.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, probs, total = ctx.saved_tensors
        valid = ctx.valid.reshape(-1, 1)
        per_sample = ctx.reduction == "none"
        if isinstance(grad, Tensor):  # recorded: the readable formula, differentiable in x
            xp = backend.xp_of(ctx.target)
            onehot = xp.zeros(probs.shape, dtype=probs._data.dtype)
            onehot[xp.arange(probs.shape[0]), ctx.target] = 1
            factor = wrap(valid.astype(probs._data.dtype))
            if ctx.reduction == "mean":
                factor = factor / ctx.denom
            flat = x.reshape(-1, x.shape[-1])
            g = grad.reshape(-1, 1) if per_sample else grad
            return ((flat.softmax(-1) - wrap(onehot)) * factor * g).reshape(x.shape), None
        # softmax * scale in one pass over the saved exp(x - max), then the -1 at targets
        xp = backend.xp_of(probs)
        scale = grad.reshape(-1, 1) if per_sample else grad
        if ctx.reduction == "mean":
            scale = scale / ctx.denom
        scale = xp.broadcast_to(valid * scale, (probs.shape[0], 1))
        g = probs * (scale / total)
        g[xp.arange(probs.shape[0]), ctx.target] -= scale[:, 0]
        return g.reshape(x.shape), None


def _cross_entropy_indices(x: Tensor, t: Tensor, ignore_index: int, reduction: str) -> Tensor:
    """cross_entropy for class-index targets, no weights, no smoothing: one fused node.

    x (..., C) with classes last, t (...) class indices.
    """
    return CrossEntropy.apply(x, t, ignore_index=ignore_index, reduction=reduction)


def _cross_entropy_probs(logp, t, weight, reduction, label_smoothing, unbatched, shape):
    if tuple(t.shape) != tuple(shape):
        raise RuntimeError(f"cross_entropy: a floating point target holds class probabilities "
                           f"and must have the input's shape {list(shape)}, got "
                           f"{list(t.shape)}")
    C = logp.shape[-1]
    if len(shape) > 1:
        t = t.movedim(1, -1)
    elif t.dim() == 1:
        t = t.unsqueeze(0)
    if label_smoothing > 0.0:
        t = t * (1.0 - label_smoothing) + label_smoothing / C
    per_class = logp * t
    if weight is not None:
        if weight.dim() != 1 or weight.shape[0] != C:
            raise RuntimeError(f"cross_entropy: weight should have {C} elements, got shape "
                               f"{list(weight.shape)}")
        per_class = per_class * weight
    loss = -per_class.sum(-1)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (logp.numel() // C)  # average over samples (weights do not count)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)) per element, ``input`` holding probabilities in
    [0, 1]. The logs are clamped at -100 (as PyTorch) so x = 0 or 1 gives a finite loss.
    Prefer ``binary_cross_entropy_with_logits``, which takes scores and is exact."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("binary_cross_entropy", input=input, target=target)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the "
                         f"same size.")
    # NaN fails these checks too, as in PyTorch
    if input.numel() and not bool(((input >= 0) & (input <= 1)).all()):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 "
                           "and 1 (use binary_cross_entropy_with_logits for scores)")
    if target.numel() and not bool(((target >= 0) & (target <= 1)).all()):
        raise RuntimeError("binary_cross_entropy: all elements of target should be between 0 "
                           "and 1")
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


class _BinaryCrossEntropy(Function):
    """Pointwise -(y log x + (1 - y) log(1 - x)), logs clamped at -100 (as PyTorch).

    The gradient is PyTorch's, not the derivative of the clamped formula: for the input
    (x - y) / max(x (1 - x), 1e-12), finite where x is exactly 0 or 1 (a saturated sigmoid),
    where composing log and clamp would give 0 * inf = NaN; for the target -logit(x).
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        log_x = x.log().clamp(min=-100.0)
        log_1mx = (-x).log1p().clamp(min=-100.0)
        return -(y * log_x + (1.0 - y) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - y) / (x * (1.0 - x)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_y = -grad * (x / (1.0 - x)).log()  # -logit(x), as PyTorch
        return grad_x, grad_y


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """sigmoid + binary cross-entropy in one stable step, on scores (logits) x:

        loss = (1 - y) x + (1 + (p - 1) y) softplus(-x)

    (= -[p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]), ``p`` = ``pos_weight`` (weights
    the positive class, broadcast along the last dim) and ``softplus`` computed without
    overflow. ``weight`` rescales each element.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("binary_cross_entropy_with_logits", input=input, target=target)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    sp = softplus(-input)  # -log sigmoid(x)
    if pos_weight is not None:
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * sp
    else:
        loss = (1.0 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence, pointwise: y (log y - x), ``input`` x being
    log-probabilities and ``target`` y probabilities (log-probabilities if ``log_target``).
    0 log 0 counts as 0. Use ``reduction='batchmean'`` for the true KL divergence (sum over
    classes, mean over the batch); ``'mean'`` averages over every element."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_tensors("kl_div", input=input, target=target)
    _check_reduction(reduction, _REDUCTIONS + ("batchmean",))
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        safe = where(positive, target, 1.0)  # log(1) = 0: no -inf, no nan in the gradient
        loss = where(positive, target * safe.log(), 0.0) - target * input
    if reduction == "batchmean":
        if input.dim() == 0:
            return loss.sum()
        return loss.sum() / input.shape[0]
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    return _reduce(loss, reduction)


# -- a few more, cheap to state -----------------------------------------------------------------

def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: exp(x) - y x (log_input) or x - y log(x + eps);
    ``full`` adds Stirling's term y log y - y + 0.5 log(2 pi y) for y > 1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        import math
        safe = where(target > 1, target, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (safe * (2 * math.pi)).log()
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """0.5 (log max(var, eps) + (x - y)^2 / max(var, eps)) (+ 0.5 log 2 pi if ``full``)."""
    _check_reduction(reduction)
    if var.dim() == input.dim() - 1:
        var = var.unsqueeze(-1)
    if bool((var < 0).any()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    v = var.clamp(min=eps)
    d = input - target
    loss = 0.5 * (v.log() + d * d / v)
    if full:
        import math
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / max(||x1|| ||x2||, eps) along ``dim``."""
    dot = (x1 * x2).sum(dim)
    n = (x1 * x1).sum(dim) * (x2 * x2).sum(dim)
    return dot / n.clamp(min=eps * eps).sqrt()


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) for y = 1, max(0, cos(x1, x2) - margin) for y = -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    eps = 1e-12
    dot = (input1 * input2).sum(-1)
    mag = ((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)
    cos = dot / mag.sqrt()
    loss = where(target == 1, 1.0 - cos, 0.0) + where(target == -1, (cos - margin).clamp(min=0.0),
                                                     0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0.0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """x for y = 1, max(0, margin - x) for y = -1."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss = where(target == 1, input, 0.0) + where(target == -1,
                                                   (margin - input).clamp(min=0.0), 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x))."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce(softplus(-target * input), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin), d the p-norm distance (with ``eps`` added)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)

    def dist(a, b):
        return (a - b + eps).norm(p, -1)
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_s = dist(positive, negative)
        d_neg = where(d_s < d_neg, d_s, d_neg)
    return _reduce((d_pos - d_neg + margin).clamp(min=0.0), reduction)
