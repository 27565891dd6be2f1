"""Attention: ``scaled_dot_product_attention`` and multi-head attention, with Tensor ops.

Scaled dot-product attention, for queries Q (..., L, E), keys K (..., S, E), values V (..., S, Ev):

    A = softmax(Q K^T * scale + bias)    (..., L, S), each row sums to 1 over the keys
    out = A V                            (..., L, Ev)

``scale`` defaults to 1/sqrt(E) (it keeps the logits' variance near 1 when Q and K have unit
entries). ``bias`` comes from the mask: -inf where a query may not look at a key (its weight
becomes exactly 0), or any float added to the logits.

Multi-head attention projects the inputs ``num_heads`` times into head_dim = E / num_heads
dims (one matrix product for all heads: the heads are just a reshape), attends in every head
independently, concatenates the heads and projects back.

Masks, as in PyTorch (beware: the two functions use opposite bool conventions):
- ``scaled_dot_product_attention``: bool ``attn_mask`` True = "may attend" (take part);
- ``multi_head_attention_forward`` / ``nn.MultiheadAttention``: bool ``attn_mask`` and
  ``key_padding_mask`` True = "may NOT attend" (masked out).
Float masks are added to the logits in both.
"""
from __future__ import annotations

import math

from ... import _ops
from ...tensor import Tensor
from .activation import softmax
from .dropout import dropout as _dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _shape(t) -> list:
    return list(t.shape)


def _float_mask(mask: Tensor | None, dtype, name: str, true_means_masked: bool):
    """A mask as an additive float bias: bool -> 0 / -inf; float -> itself."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a Tensor or None, got {type(mask).__name__}")
    if mask.dtype.name == "bool":
        blocked = mask if true_means_masked else mask.logical_not()
        return _ops.creation.zeros(tuple(mask.shape), dtype=dtype,
                                   device=mask.device).masked_fill(blocked, -math.inf)
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported, got "
                             f"{mask.dtype}")
    return mask.to(dtype)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T * scale + mask) V.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). ``attn_mask``
    broadcasts to (..., L, S): bool True = take part, float = added to the logits.
    ``is_causal=True`` lets query i see keys 0..i only (no ``attn_mask`` then). ``dropout_p`` is
    applied to the attention weights (always: pass 0.0 when evaluating). ``enable_gqa`` lets
    key/value have fewer heads (dim -3) than query, each shared by a group of query heads.
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
        if t.dim() < 2:
            raise RuntimeError(f"{op}: {name} must be at least 2-D (..., seq, features), got "
                               f"shape {_shape(t)}")
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError(f"{op}: Expected query, key, and value to have the same dtype, but "
                           f"got query.dtype: {query.dtype} key.dtype: {key.dtype} and "
                           f"value.dtype: {value.dtype} instead.")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"{op}: query and key must have the same last dim (embedding), got "
                           f"query {_shape(query)} and key {_shape(key)}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: key and value must have the same sequence length, got key "
                           f"{_shape(key)} and value {_shape(value)}")
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk or value.shape[-3] != hk:
            raise RuntimeError(f"{op}: with enable_gqa, the query heads ({hq}) must be a "
                               f"multiple of the key/value heads ({hk}, {value.shape[-3]})")
        key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hk)
    L, S = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    bias = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: Explicit attn_mask should not be set when "
                               f"is_causal=True")
        allowed = _ops.creation.ones(L, S, dtype=_bool(), device=query.device).tril()
        bias = _float_mask(allowed, query.dtype, "attn_mask", true_means_masked=False)
    elif attn_mask is not None:
        bias = _float_mask(attn_mask, query.dtype, "attn_mask", true_means_masked=False)
    scores = query.matmul(key.transpose(-2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p, training=True)
    return weights.matmul(value)


def _bool():
    from ... import _dtype
    return _dtype.bool_


def _repeat_heads(t: Tensor, times: int) -> Tensor:
    """(..., H, S, E) -> (..., H*times, S, E), each head repeated ``times`` times in a row."""
    shape = tuple(t.shape)
    lead, (h, s, e) = shape[:-3], shape[-3:]
    return t.unsqueeze(-3).expand(lead + (h, times, s, e)).reshape(lead + (h * times, s, e))


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False):
    """Multi-head attention (what ``nn.MultiheadAttention`` computes), sequence first.

    query (L, N, E) (or (L, E) unbatched), key (S, N, E_k), value (S, N, E_v).
    Returns ``(out (L, N, E), weights)`` where weights are (N, L, S) averaged over heads, or
    (N, num_heads, L, S) with ``average_attn_weights=False``, or None when not
    ``need_weights``. Bool masks: True = masked out.
    """
    op = "multi_head_attention_forward"
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{op}: static_k / static_v are not supported by edutorch")
    batched = query.dim() == 3
    query, key, value, key_padding_mask = _as_batched(query, key, value, key_padding_mask,
                                                      attn_mask)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    head_dim = _head_dim(query, key, value, embed_dim_to_check, num_heads)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    dtype = query.dtype
    key_padding_mask = _float_mask(key_padding_mask, dtype, "key_padding_mask", True)
    attn_mask = _float_mask(attn_mask, dtype, "attn_mask", True)

    if use_separate_proj_weight:
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, in_proj_bias)
    else:
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    attn_mask = _attn_mask_3d(attn_mask, bsz * num_heads, tgt_len, src_len)

    # -- optional extra key/value: a learnt one (bias_k, bias_v) and/or a zero one -----------
    if bias_k is not None or bias_v is not None:
        k, v = _append_bias_kv(k, v, bias_k, bias_v)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)

    # -- split the heads: (seq, N, E) -> (N * heads, seq, head_dim) ---------------------------
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        zeros = _ops.creation.zeros(bsz * num_heads, 1, head_dim, dtype=dtype, device=q.device)
        k = _ops.shape.cat([k, zeros], dim=1)
        v = _ops.shape.cat([v, zeros], dim=1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]
    attn_mask = _merge_masks(attn_mask, key_padding_mask, bsz, num_heads, src_len)

    if not training:
        dropout_p = 0.0
    # -- attention in every head at once ------------------------------------------------------
    scores = (q * (1.0 / math.sqrt(head_dim))).matmul(k.transpose(1, 2))  # (N*h, L, S)
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p, training=True)
    out = weights.matmul(v)  # (N*h, L, head_dim)
    # -- merge the heads and project back -----------------------------------------------------
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        weights = weights.squeeze(0)
    return out, weights


def _as_batched(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                attn_mask: Tensor | None):
    """Check the inputs' dims agree and give unbatched ones (L, E) a batch dim of 1:
    ``(query, key, value, key_padding_mask)`` with query (L, N, E) and key_padding_mask (N, S).
    """
    batched = query.dim() == 3
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {'batched (3-D)' if batched else 'unbatched (2-D)'} "
                             f"`query`, expected `key` and `value` to be "
                             f"{query.dim()}-D but found {key.dim()}-D and {value.dim()}-D "
                             f"tensors respectively")
    if batched:
        return query, key, value, key_padding_mask
    if key_padding_mask is not None:
        if key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected "
                                 f"`key_padding_mask` to be `None` or 1-D but found "
                                 f"{key_padding_mask.dim()}-D tensor instead")
        key_padding_mask = key_padding_mask.unsqueeze(0)
    if attn_mask is not None and attn_mask.dim() == 3:
        raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                             "`None` or 2-D but found 3-D tensor instead")
    return query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1), key_padding_mask


def _head_dim(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
              num_heads: int) -> int:
    """E / num_heads, once the query's width E is checked and key and value agree in
    (S, N)."""
    embed_dim = query.shape[-1]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    if embed_dim % num_heads:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key shape {_shape(key)} does not match value shape "
                             f"{_shape(value)}")
    return embed_dim // num_heads


def _append_bias_kv(k: Tensor, v: Tensor, bias_k: Tensor | None,
                    bias_v: Tensor | None) -> tuple[Tensor, Tensor]:
    """k (S, N, E) and v with one more, learnt, position: bias_k and bias_v (1, 1, E)."""
    if bias_k is None or bias_v is None:
        raise AssertionError("bias_k and bias_v must both be given or both be None")
    _, bsz, embed_dim = k.shape
    return (_ops.shape.cat([k, bias_k.expand(1, bsz, embed_dim)]),
            _ops.shape.cat([v, bias_v.expand(1, bsz, embed_dim)]))


def _in_projection_packed(query: Tensor, key: Tensor, value: Tensor, weight: Tensor | None,
                          bias: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v from one (3E, E) weight holding the three projections one above the other: one
    matrix product when query, key and value are the same tensor (self-attention), two when
    only key and value are."""
    if weight is None:
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    if query is key and key is value:
        return linear(query, weight, bias).chunk(3, dim=-1)
    w_q, w_k, w_v = weight.chunk(3)
    b_q, b_k, b_v = (None,) * 3 if bias is None else bias.chunk(3)
    if key is value:
        k, v = linear(key, _ops.shape.cat([w_k, w_v]),
                      None if b_k is None else _ops.shape.cat([b_k, b_v])).chunk(2, -1)
        return linear(query, w_q, b_q), k, v
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def _in_projection(query: Tensor, key: Tensor, value: Tensor, w_q: Tensor | None,
                   w_k: Tensor | None, w_v: Tensor | None,
                   bias: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v from three separate weights (key and value may have other widths than E)."""
    for name, w in (("q", w_q), ("k", w_k), ("v", w_v)):
        if w is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                 f"is None")
    b_q, b_k, b_v = (None,) * 3 if bias is None else bias.chunk(3)
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def _attn_mask_3d(attn_mask: Tensor | None, batch_heads: int, tgt_len: int,
                  src_len: int) -> Tensor | None:
    """An additive attn_mask checked against (L, S) or (N * heads, L, S), as 3-D."""
    if attn_mask is None:
        return None
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {_shape(attn_mask)}, but "
                               f"should be {[tgt_len, src_len]}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (batch_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {_shape(attn_mask)}, but "
                               f"should be {[batch_heads, tgt_len, src_len]}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _merge_masks(attn_mask: Tensor | None, key_padding_mask: Tensor | None, bsz: int,
                 num_heads: int, src_len: int) -> Tensor | None:
    """One additive bias from both masks, (N * heads, L, S) or broadcastable to it: the key
    padding mask (N, S) is the same for every head and every query."""
    if key_padding_mask is None:
        return attn_mask
    if tuple(key_padding_mask.shape) != (bsz, src_len):
        raise AssertionError(f"expecting key_padding_mask shape of {[bsz, src_len]}, but "
                             f"got {_shape(key_padding_mask)}")
    kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
    kpm = kpm.reshape(bsz * num_heads, 1, src_len)
    return kpm if attn_mask is None else attn_mask + kpm


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more (allowed) key column for an additive mask."""
    if mask is None:
        return None
    pad = _ops.creation.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype,
                              device=mask.device)
    return _ops.shape.cat([mask, pad], dim=-1)
