"""Attention: F.scaled_dot_product_attention, F.multi_head_attention_forward and
nn.MultiheadAttention, against PyTorch (same weights, float64): outputs, attention weights and
the gradients of every parameter and input. Without PyTorch: gradcheck, and the maths checked
by hand on a small case.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from nn_compare import assert_close, copy_weights

import edutorch
import edutorch.nn.functional as F
from edutorch import nn
from edutorch.autograd import gradcheck

RNG = np.random.default_rng(5)

# PyTorch warns when the two masks have different types (bool and float); edutorch accepts it
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")


def randn(*shape):
    return RNG.standard_normal(shape)


def _lib_tensor(lib, a, grad):
    if a is None or not isinstance(a, np.ndarray):
        return a
    t = lib.tensor(a)
    return t.requires_grad_() if grad and a.dtype.kind == "f" else t


def compare_outputs(torch, e_outs, t_outs, e_leaves, t_leaves, what):
    """Outputs equal; then the gradients of a random weighting of all of them."""
    e_loss = t_loss = 0
    for k, (e, t) in enumerate(zip(e_outs, t_outs)):
        if t is None:
            assert e is None, f"{what}: output {k} should be None"
            continue
        assert_close(e, t, rtol=1e-6, atol=1e-10, what=f"{what} output {k}")
        w = randn(*t.shape)
        e_loss = e_loss + (e * edutorch.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    e_loss.backward()
    t_loss.backward()
    for name in t_leaves:
        e, t = e_leaves[name], t_leaves[name]
        if t.grad is None:
            assert e.grad is None or not e.grad.abs().sum().item(), name
        else:
            assert_close(e.grad, t.grad, rtol=1e-6, atol=1e-10, what=f"{what} grad of {name}")


# -- scaled_dot_product_attention ---------------------------------------------------------------

SDPA_CASES = [
    ("plain", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {}, None),
    ("bool-mask", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {}, "bool"),
    ("float-mask", (2, 4, 5), (2, 6, 5), (2, 6, 3), dict(scale=0.3), "float"),
    ("causal", (2, 5, 4), (2, 5, 4), (2, 5, 4), dict(is_causal=True), None),
    ("causal-rect", (1, 3, 4), (1, 5, 4), (1, 5, 2), dict(is_causal=True), None),
    ("gqa", (1, 4, 3, 5), (1, 2, 6, 5), (1, 2, 6, 5), dict(enable_gqa=True), None),
    ("2d", (3, 4), (5, 4), (5, 2), {}, None),
]


@pytest.mark.parametrize("qs,ks,vs,kw,mask", [c[1:] for c in SDPA_CASES],
                         ids=[c[0] for c in SDPA_CASES])
def test_sdpa_matches_torch(torch, qs, ks, vs, kw, mask):
    arrays = {"q": randn(*qs), "k": randn(*ks), "v": randn(*vs)}
    L, S = qs[-2], ks[-2]
    m = None
    if mask == "bool":
        m = RNG.random((L, S)) < 0.7
        m[:, 0] = True  # every query sees at least one key (else the row is NaN in both)
    elif mask == "float":
        m = randn(qs[0], L, S)
    e = {k: _lib_tensor(edutorch, a, True) for k, a in arrays.items()}
    t = {k: _lib_tensor(torch, a, True) for k, a in arrays.items()}
    e_out = F.scaled_dot_product_attention(e["q"], e["k"], e["v"],
                                           attn_mask=_lib_tensor(edutorch, m, False), **kw)
    t_out = torch.nn.functional.scaled_dot_product_attention(
        t["q"], t["k"], t["v"], attn_mask=_lib_tensor(torch, m, False), **kw)
    compare_outputs(torch, [e_out], [t_out], e, t, "sdpa")


def test_sdpa_by_hand():
    # one query, two keys: weights softmax([q.k1, q.k2] / sqrt(2))
    q = edutorch.tensor([[1.0, 0.0]], dtype=edutorch.float64)
    k = edutorch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=edutorch.float64)
    v = edutorch.tensor([[10.0], [20.0]], dtype=edutorch.float64)
    a = math.exp(1 / math.sqrt(2))
    w1 = a / (a + 1)
    out = F.scaled_dot_product_attention(q, k, v)
    assert abs(out.item() - (10 * w1 + 20 * (1 - w1))) < 1e-12
    # a bool mask that forbids key 2 (False = may not attend) leaves only v1
    mask = edutorch.tensor([[True, False]])
    assert abs(F.scaled_dot_product_attention(q, k, v, attn_mask=mask).item() - 10) < 1e-12


def test_sdpa_gradcheck():
    q = edutorch.tensor(randn(2, 3, 4), requires_grad=True)
    k = edutorch.tensor(randn(2, 5, 4), requires_grad=True)
    v = edutorch.tensor(randn(2, 5, 2), requires_grad=True)
    m = edutorch.tensor(randn(3, 5))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                     (q, k, v))
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(
        q, k[:, :3], v[:, :3], is_causal=True), (q, k, v))


def test_sdpa_errors():
    q = edutorch.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="attn_mask should not be set when is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=edutorch.ones(3, 3), is_causal=True)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)


# -- MultiheadAttention ----------------------------------------------------------------------------

E, HEADS, L, S, N = 8, 2, 4, 5, 3


def _masks(kind_attn, kind_kpm, batched=True):
    attn = kpm = None
    if kind_attn == "bool":
        attn = RNG.random((L, S)) < 0.3
        attn[:, 0] = False  # key 0 always visible
    elif kind_attn == "float":
        attn = randn(L, S)
    elif kind_attn == "float3d":
        attn = randn(N * HEADS, L, S)
    if kind_kpm == "bool":
        kpm = np.zeros((N, S) if batched else (S,), dtype=bool)
        kpm[..., -2:] = True
    elif kind_kpm == "float":
        kpm = randn(N, S) if batched else randn(S)
    return attn, kpm


MHA_CASES = [
    # id, constructor kwargs, self-attention?, attn mask, key padding mask, forward kwargs
    ("self", {}, True, None, None, {}),
    ("self-batch_first-bool-masks", dict(batch_first=True), True, "bool", "bool", {}),
    ("cross-float-masks", {}, False, "float", "float", {}),
    ("cross-3d-mask-per-head", dict(batch_first=True), False, "float3d", None,
     dict(average_attn_weights=False)),
    ("kdim-vdim", dict(kdim=6, vdim=3), False, "bool", "bool", {}),
    ("no-weights", {}, True, "float", "bool", dict(need_weights=False)),
    ("no-bias", dict(bias=False), True, None, "bool", {}),
    ("bias-kv-zero-attn", dict(add_bias_kv=True, add_zero_attn=True), False, "bool", "bool",
     {}),
    ("causal-hint", {}, True, "causal", None, dict(is_causal=True)),
]


@pytest.mark.parametrize("ctor,self_attn,attn_kind,kpm_kind,fwd",
                         [c[1:] for c in MHA_CASES], ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_matches_torch(torch, ctor, self_attn, attn_kind, kpm_kind, fwd):
    t_mod = torch.nn.MultiheadAttention(E, HEADS, **ctor).double()
    e_mod = nn.MultiheadAttention(E, HEADS, **ctor).double()
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    assert repr(e_mod) == repr(t_mod)
    copy_weights(e_mod, t_mod)
    bf = ctor.get("batch_first", False)
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    shape = (lambda n, s, d: (n, s, d) if bf else (s, n, d))
    q = randn(*shape(N, L, E))
    arrays = {"query": q} if self_attn else {
        "query": q, "key": randn(*shape(N, S, kdim)), "value": randn(*shape(N, S, vdim))}
    if attn_kind == "causal":
        attn, kpm = np.triu(np.ones((L, L), dtype=bool), 1), None
    else:
        attn, kpm = _masks(attn_kind, kpm_kind)
        if self_attn and attn is not None and attn.shape[-1] == S:
            attn = attn[..., :L] if attn.ndim == 2 else attn[..., :L]
        if self_attn and kpm is not None:
            kpm = kpm[..., :L]

    def run(lib, mod):
        ins = {k: _lib_tensor(lib, a, True) for k, a in arrays.items()}
        qq = ins["query"]
        kk, vv = (qq, qq) if self_attn else (ins["key"], ins["value"])
        out = mod(qq, kk, vv, key_padding_mask=_lib_tensor(lib, kpm, False),
                  attn_mask=_lib_tensor(lib, attn, False), **fwd)
        return out, ins
    (e_out, e_w), e_ins = run(edutorch, e_mod)
    (t_out, t_w), t_ins = run(torch, t_mod)
    leaves_e = dict(e_mod.named_parameters(), **e_ins)
    leaves_t = dict(t_mod.named_parameters(), **t_ins)
    compare_outputs(torch, [e_out, e_w], [t_out, t_w], leaves_e, leaves_t, "mha")


def test_multihead_attention_unbatched_matches_torch(torch):
    t_mod, e_mod = torch.nn.MultiheadAttention(E, HEADS).double(), \
        nn.MultiheadAttention(E, HEADS).double()
    copy_weights(e_mod, t_mod)
    q, k = randn(L, E), randn(S, E)
    kpm = np.array([False, False, True, False, True])
    e_ins = {"q": edutorch.tensor(q, requires_grad=True), "k": edutorch.tensor(k,
                                                                              requires_grad=True)}
    t_ins = {"q": torch.tensor(q, requires_grad=True), "k": torch.tensor(k, requires_grad=True)}
    e = e_mod(e_ins["q"], e_ins["k"], e_ins["k"], key_padding_mask=edutorch.tensor(kpm))
    t = t_mod(t_ins["q"], t_ins["k"], t_ins["k"], key_padding_mask=torch.tensor(kpm))
    compare_outputs(torch, list(e), list(t), e_ins, t_ins, "mha unbatched")


def test_multihead_attention_in_eval_and_init():
    mha = nn.MultiheadAttention(6, 3, dropout=0.5)
    assert mha.head_dim == 2 and tuple(mha.in_proj_weight.shape) == (18, 6)
    assert not mha.in_proj_bias.detach().numpy().any()  # biases start at zero
    assert mha.q_proj_weight is None
    x = edutorch.randn(4, 2, 6)
    mha.eval()  # no dropout in eval: deterministic
    a, wa = mha(x, x, x)
    b, wb = mha(x, x, x)
    assert_close(a, b)
    assert_close(wa.sum(-1), edutorch.ones(2, 4))  # attention rows sum to 1
    with pytest.raises(AssertionError, match="divisible by num_heads"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="The shape of the 2D attn_mask"):
        mha(x, x, x, attn_mask=edutorch.zeros(3, 3))


def test_multihead_attention_gradcheck():
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2).double()
    q = edutorch.tensor(randn(3, 2, 4), requires_grad=True)
    k = edutorch.tensor(randn(5, 2, 3), requires_grad=True)
    v = edutorch.tensor(randn(5, 2, 2), requires_grad=True)
    kpm = edutorch.tensor(np.array([[False] * 4 + [True], [False] * 5]))
    assert gradcheck(lambda q, k, v, w: mha(q, k, v, key_padding_mask=kpm),
                     (q, k, v, mha.k_proj_weight))
