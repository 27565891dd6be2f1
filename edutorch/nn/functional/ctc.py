"""Connectionist Temporal Classification (Graves et al., 2006): the loss of a frame-by-frame
classifier whose label sequence is shorter than its input and not aligned to it.

The network emits, at every frame t, log-probabilities over C classes, one of them the
``blank`` ("no label here"). An *alignment* is one class per frame; collapsing it (merge
repeated classes, then drop blanks) gives a label sequence: ``-hh-e-ll-lo`` -> ``hello``. The
loss is -log of the total probability of every alignment that collapses to the target:

    loss = -log sum_{a collapses to y} prod_t p_t(a_t)

There are exponentially many alignments, but they all walk through the *extended* target
y' = (blank, y_1, blank, y_2, ..., y_L, blank) of length 2L+1, moving at each frame by 0 or 1
state, or by 2 to skip a blank that separates two *different* labels (between repeated labels
the blank is required: ``ll`` alone would collapse to ``l``). The forward variable

    alpha_t(s) = log p_t(y'_s) + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2)])

sums them all in O(T L); everything is kept as logs, because a product of hundreds of
probabilities underflows to 0 in floating point. The backward variable beta runs the same
recursion from the end; alpha_t(s) + beta_t(s) - log p_t(y'_s) is the log-probability of all
alignments passing through state s at frame t, which gives the gradient.
"""
from __future__ import annotations

from ... import backend
from ..._ops.common import wrap
from ...autograd.function import Function, once_differentiable
from ...tensor import Tensor

__all__ = ["ctc_loss"]

NEG_INF = float("-inf")


def _extended(targets, target_lengths, blank: int, xp):
    """(N, 2*Lmax+1) extended label sequences (blank-padded), and where skipping from s-2 to s
    is allowed: y'_s is a label, and differs from y'_{s-2}."""
    N, Lmax = targets.shape
    ext = xp.full((N, 2 * Lmax + 1), blank, dtype=targets.dtype)
    ext[:, 1::2] = targets
    can_skip = xp.zeros(ext.shape, dtype=bool)
    can_skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, can_skip


def _shift(a, k, xp):
    """a moved k states to the right along the last axis, -inf filled: a[..., s-k] at s."""
    out = xp.full(a.shape, NEG_INF, dtype=a.dtype)
    out[..., k:] = a[..., :-k]
    return out


def _alpha(lp, ext, can_skip, in_len, xp):
    """The forward variables, (T, N, S'): log-probability of all prefixes of alignments that
    end in state s at frame t. Frames past a sample's input length keep its last values."""
    T, N, _ = lp.shape
    S = ext.shape[1]
    emit = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, S)), axis=2)  # (T, N, S')
    alpha = xp.full((T, N, S), NEG_INF, dtype=lp.dtype)
    alpha[0, :, :2] = emit[0, :, :2]  # start with the first blank or the first label
    for t in range(1, T):
        prev = alpha[t - 1]
        stay_or_step = xp.logaddexp(prev, _shift(prev, 1, xp))
        skip = xp.where(can_skip, _shift(prev, 2, xp), NEG_INF)
        new = emit[t] + xp.logaddexp(stay_or_step, skip)
        alpha[t] = xp.where((t < in_len)[:, None], new, prev)
    return alpha, emit


def _beta(emit, ext, can_skip, in_len, tgt_len, xp):
    """The backward variables, (T, N, S'): log-probability of all suffixes of alignments from
    state s at frame t (frame t's emission included) to the end."""
    T, N, S = emit.shape
    rows = xp.arange(N)
    last = 2 * tgt_len  # index of the final blank; last - 1 is the final label
    init = xp.full((N, S), NEG_INF, dtype=emit.dtype)
    skip_next = xp.zeros((N, S), dtype=bool)  # from s, may we jump to s+2?
    skip_next[:, :-2] = can_skip[:, 2:]
    beta = xp.full((T, N, S), NEG_INF, dtype=emit.dtype)
    nxt = init
    for t in range(T - 1, -1, -1):
        start = xp.full((N, S), NEG_INF, dtype=emit.dtype)
        start[rows, last] = emit[t, rows, last]
        has_label = tgt_len > 0
        start[rows[has_label], last[has_label] - 1] = emit[t, rows[has_label],
                                                           last[has_label] - 1]
        left = _shift(nxt[..., ::-1], 1, xp)[..., ::-1]    # nxt[s+1] at s
        left2 = _shift(nxt[..., ::-1], 2, xp)[..., ::-1]   # nxt[s+2] at s
        step = emit[t] + xp.logaddexp(xp.logaddexp(nxt, left),
                                      xp.where(skip_next, left2, NEG_INF))
        cur = xp.where((t == in_len - 1)[:, None], start,
                       xp.where((t < in_len - 1)[:, None], step, NEG_INF))
        beta[t] = cur
        nxt = cur
    return beta


class CTCLossFunction(Function):
    """Per-sample CTC negative log-likelihood, (N,), of log_probs (T, N, C).

    The gradient is PyTorch's: d loss_n / d log_probs[t, n, c] =
    exp(log_probs[t, n, c]) - sum_{s: y'_s = c} exp(alpha_t(s) + beta_t(s) - log_probs[t, n, c]
    + loss_n). The second term is the exact derivative of -log p; the first assumes log_probs
    came from ``log_softmax`` (as they should): log_softmax's backward removes it exactly, so
    through log_softmax the gradient is the true one. Frames past a sample's input length get
    zero gradient; with ``zero_infinity``, so do samples whose loss is infinite (no alignment
    fits: the input is too short for the target).
    """

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        lp = log_probs._data
        xp = backend.xp_of(lp)
        tg, in_len, tgt_len = targets._data, input_lengths._data, target_lengths._data
        ext, can_skip = _extended(tg, tgt_len, blank, xp)
        alpha, emit = _alpha(lp, ext, can_skip, in_len, xp)
        N = lp.shape[1]
        rows = xp.arange(N)
        last = 2 * tgt_len
        final = alpha[-1, rows, last]  # frozen at each sample's last frame
        with_label = xp.where(tgt_len > 0, alpha[-1, rows, xp.maximum(last - 1, 0)], NEG_INF)
        nll = -xp.logaddexp(final, with_label)
        infinite = xp.isinf(nll)
        if zero_infinity:
            nll = xp.where(infinite, 0.0, nll).astype(lp.dtype)
        ctx.save_for_backward(log_probs)
        ctx.state = (ext, can_skip, alpha, emit, in_len, tgt_len, nll, infinite, zero_infinity)
        return wrap(nll)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (log_probs,) = ctx.saved_tensors
        ext, can_skip, alpha, emit, in_len, tgt_len, nll, infinite, zero_inf = ctx.state
        lp = log_probs._data
        xp = backend.xp_of(lp)
        T, N, C = lp.shape
        beta = _beta(emit, ext, can_skip, in_len, tgt_len, xp)
        # occupancy of each state: exp(alpha + beta - emit + nll), between 0 and 1
        nll_safe = xp.where(infinite, 0.0, nll)[None, :, None]
        occ = xp.exp(alpha + beta - emit + nll_safe)                   # (T, N, S')
        per_class = xp.zeros((T, N, C), dtype=lp.dtype)
        t_idx = xp.arange(T)[:, None, None]
        n_idx = xp.arange(N)[None, :, None]
        backend.scatter_add(per_class, (t_idx, n_idx, ext[None]), occ)
        g = xp.exp(lp) - per_class
        live = (xp.arange(T)[:, None] < in_len[None, :])[..., None]   # frames within the input
        if zero_inf:
            live = live & ~infinite[None, :, None]
        g = xp.where(live, g, 0.0) * grad._data[None, :, None]
        return wrap(g.astype(lp.dtype)), None, None, None, None, None


def _as_long(x, name: str, like: Tensor) -> Tensor:
    from ..._ops.creation import tensor
    if isinstance(x, Tensor):
        if x.is_floating_point():
            raise RuntimeError(f"ctc_loss: {name} must be integers, got dtype {x.dtype}")
        return x.long()
    return tensor(list(x) if not isinstance(x, int) else [x], dtype=None,
                  device=like.device).long()


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """CTC loss of ``log_probs`` (T, N, C) (or (T, C) unbatched), from ``log_softmax`` over C.

    ``targets``: (N, S) padded label indices, or 1-D with the N targets concatenated (length
    sum(target_lengths)); labels are in [0, C) and never ``blank``. ``input_lengths`` (N,):
    frames used per sample (<= T); ``target_lengths`` (N,): labels per sample.
    ``reduction``: 'none' gives (N,); 'sum' adds; 'mean' divides each loss by its target length
    (at least 1), then averages over the batch (PyTorch's definition). ``zero_infinity``
    replaces infinite losses (a target that cannot fit in its input) and their gradients by 0.
    """
    from .loss import _check_reduction
    _check_reduction(reduction)
    if not isinstance(log_probs, Tensor) or log_probs.dim() not in (2, 3):
        shape = tuple(log_probs.shape) if isinstance(log_probs, Tensor) else type(log_probs)
        raise RuntimeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got {shape}")
    if not log_probs.is_floating_point():
        raise RuntimeError(f"ctc_loss: log_probs must be floating point, got {log_probs.dtype}")
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if isinstance(targets, Tensor) and targets.dim() == 1:
            targets = targets.unsqueeze(0)
    T, N, C = log_probs.shape
    in_len = _as_long(input_lengths, "input_lengths", log_probs).reshape(-1)
    tgt_len = _as_long(target_lengths, "target_lengths", log_probs).reshape(-1)
    if in_len.numel() != N or tgt_len.numel() != N:
        raise RuntimeError(f"ctc_loss: input_lengths and target_lengths must have batch size "
                           f"N={N} entries, got {in_len.numel()} and {tgt_len.numel()}")
    if not 0 <= blank < C:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {C}), got {blank}")
    if bool((in_len > T).any()) or bool((in_len < 0).any()):
        raise RuntimeError(f"ctc_loss: input_lengths must be in [0, T={T}], got "
                           f"{in_len.tolist()}")
    targets = _targets_matrix(targets.long(), tgt_len, N, C, blank)
    losses = CTCLossFunction.apply(log_probs, targets, in_len, tgt_len, blank, zero_infinity)
    if reduction == "none":
        return losses[0] if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return (losses / tgt_len.clamp(min=1).to(losses.dtype)).mean()


def _targets_matrix(targets: Tensor, tgt_len: Tensor, N: int, C: int, blank: int) -> Tensor:
    """The targets as an (N, S) matrix whose row n holds its ``tgt_len[n]`` labels, padded with
    ``blank``; the labels are checked to be in [0, C)."""
    if targets.dim() == 1:
        targets = _split_concatenated(targets, tgt_len.tolist(), N, blank)
    elif targets.dim() != 2 or targets.shape[0] != N:
        raise RuntimeError(f"ctc_loss: targets must be (N={N}, S) or 1-D concatenated, got "
                           f"{tuple(targets.shape)}")
    elif bool((tgt_len > targets.shape[1]).any()):
        raise RuntimeError(f"ctc_loss: target_lengths {tgt_len.tolist()} exceed the padded "
                           f"target length {targets.shape[1]}")
    if not targets.shape[1]:
        return targets
    # only the first target_lengths[n] labels of each row count; the padding becomes blank
    cols = targets.new_tensor(list(range(targets.shape[1])))
    keep = cols.reshape(1, -1) < tgt_len.reshape(-1, 1)
    targets = targets.masked_fill(~keep, blank)
    used = targets[keep]
    if used.numel() and (bool((used < 0).any()) or bool((used >= C).any())):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {C}), got "
                           f"{sorted(set(used.tolist()))}")
    return targets


def _split_concatenated(targets: Tensor, lengths: list[int], N: int, blank: int) -> Tensor:
    """1-D targets, the N label sequences one after the other, cut into an (N, max length)
    matrix padded with ``blank``."""
    if sum(lengths) != targets.numel():
        raise RuntimeError(f"ctc_loss: 1-D targets hold {targets.numel()} labels but "
                           f"target_lengths sum to {sum(lengths)}")
    padded = targets.new_full((N, max(lengths, default=0)), blank)
    start = 0
    for n, k in enumerate(lengths):
        padded[n, :k] = targets[start:start + k]
        start += k
    return padded
