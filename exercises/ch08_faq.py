"""Chapter 8 exercises: the machinery behind the FAQ's answers, in a few lines each.

The grader compares yours with the library (``edutorch.nn.parallel``,
``edutorch.quantization``) and with numerical gradients (``gradcheck``).

Grade them with ``python -m edutorch.grade ch08``.
"""
from __future__ import annotations

import numpy as np

import edutorch
from edutorch.autograd import Function  # noqa: F401 - for softplus


def ring_allreduce(vectors: list[np.ndarray]) -> list[np.ndarray]:
    """Simulate a ring allreduce that *averages* ``vectors`` (one 1-d array per rank, all the
    same length) and return every rank's result (each equal to the mean, as float64).

    Task: with ``n`` ranks, each rank cuts its vector into ``n`` chunks
    (``np.array_split(v, n)``). Reduce-scatter, ``n - 1`` steps: at step ``s`` rank ``r``
    sends its chunk ``(r - s) % n`` to rank ``(r + 1) % n``, which adds it to its own copy of
    that chunk. Afterwards rank ``r`` holds the full sum of chunk ``(r + 1) % n``. All-gather,
    ``n - 1`` steps: at step ``s`` rank ``r`` sends chunk ``(r + 1 - s) % n`` to rank
    ``(r + 1) % n``, which *replaces* its copy. Finally divide by ``n``. Take every step's
    messages before delivering any of them (the ranks send at the same time).

    Why a ring: each rank sends ``2 (n - 1) / n`` of its vector in total, however many ranks
    there are, which is what NCCL and MPI implementations do for large tensors.
    """
    raise NotImplementedError("ring_allreduce: your code here")


def assign_buckets(sizes: list[int], first_cap: int, cap: int) -> list[list[int]]:
    """Group parameters into DistributedDataParallel's gradient buckets.

    ``sizes[i]`` is the size in bytes of parameter ``i`` (in registration order, as
    ``model.parameters()`` yields them). Return the buckets in the order they are reduced,
    each a list of parameter indices.

    Task: walk the parameters in *reverse* registration order (backward produces the last
    layer's gradients first); add each to the current bucket; a bucket is closed as soon as
    it holds at least ``first_cap`` bytes (the first bucket) or ``cap`` bytes (every later
    one). A last, unfilled bucket is kept. Example: ``assign_buckets([4, 4, 4, 4, 4], 4, 8)``
    is ``[[4], [3, 2], [1, 0]]``.
    """
    raise NotImplementedError("assign_buckets: your code here")


def quantize_symmetric_per_channel(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel int8 quantization of a weight, as PyTorch's
    ``PerChannelMinMaxObserver(ch_axis=axis, dtype=qint8, qscheme=per_channel_symmetric)``
    followed by ``quantize_per_channel``. Returns ``(q, scales)``: ``q`` int8 with ``w``'s
    shape, ``scales`` float32 with one entry per channel (``w.shape[axis]``).

    Task: for each channel (each index along ``axis``), ``amax`` = largest ``|w|`` in it;
    ``scale = max(amax / 127.5, eps)`` with ``eps = np.finfo(np.float32).eps``. The int8 grid
    ``-128 .. 127`` has 255 steps, so the divisor is 255 / 2 = 127.5, not 127. Then
    ``q = clip(round(w * (1 / scale)), -128, 127)`` with rounding half to even
    (``np.rint``), in float32: compute ``1 / scale`` in float64 and cast it to float32.
    """
    raise NotImplementedError("quantize_symmetric_per_channel: your code here")


def softplus(x: edutorch.Tensor) -> edutorch.Tensor:
    """``softplus(x) = log(1 + exp(x))`` as a custom ``edutorch.autograd.Function``.

    Task: define a ``Function`` subclass whose ``forward(ctx, x)`` computes softplus stably
    (``exp(800)`` overflows: use ``max(x, 0) + log1p(exp(-|x|))``) and saves what backward
    needs; whose ``backward(ctx, grad)`` returns ``grad * sigmoid(x)`` (the derivative); then
    return ``YourFunction.apply(x)``. The grader checks it with ``gradcheck`` (finite
    differences) and at large ``|x|``.
    """
    raise NotImplementedError("softplus: your code here")
