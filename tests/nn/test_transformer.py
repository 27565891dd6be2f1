"""TransformerEncoderLayer and TransformerEncoder against PyTorch (same weights, float64):
post-norm and pre-norm, relu / gelu / a callable activation, in train mode (dropout=0.0) and in
eval mode, with a causal mask and a key padding mask; outputs, every parameter's gradient and
the input's. Without PyTorch: gradcheck of a tiny layer.
"""
from __future__ import annotations

import numpy as np
import pytest
from nn_compare import assert_close, copy_weights

import edutorch
import edutorch.nn.functional as F
from edutorch import nn
from edutorch.autograd import gradcheck

RNG = np.random.default_rng(9)

# PyTorch warns when the two masks have different types (bool and float); edutorch accepts it
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched")

D_MODEL, NHEAD, FF, S, N = 8, 2, 16, 5, 3


def randn(*shape):
    return RNG.standard_normal(shape)


def compare(torch, e_mod, t_mod, x, train, **masks):
    """Forward (and, in train mode, backward) of the same encoder in both libraries."""
    e_mod.double().train(train)
    t_mod.double().train(train)
    copy_weights(e_mod, t_mod)
    e_masks = {k: (edutorch.tensor(v) if v is not None else None) for k, v in masks.items()}
    t_masks = {k: (torch.tensor(v) if v is not None else None) for k, v in masks.items()}
    xe, xt = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    if train:
        e_out, t_out = e_mod(xe, **e_masks), t_mod(xt, **t_masks)
    else:
        with torch.no_grad():
            t_out = t_mod(xt, **t_masks)
        e_out = e_mod(xe, **e_masks)
    assert_close(e_out, t_out, rtol=1e-6, atol=1e-10, what="encoder output")
    if not train:
        return
    go = randn(*t_out.shape)
    e_out.backward(edutorch.tensor(go))
    t_out.backward(torch.tensor(go))
    assert_close(xe.grad, xt.grad, rtol=1e-6, atol=1e-10, what="input grad")
    t_params = dict(t_mod.named_parameters())
    for name, p in e_mod.named_parameters():
        assert_close(p.grad, t_params[name].grad, rtol=1e-6, atol=1e-10, what=f"grad of {name}")


def causal(n):
    return np.triu(np.ones((n, n), dtype=bool), 1)  # True = may not attend (the future)


def padding():
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, -2:] = True
    kpm[2, -1] = True
    return kpm


LAYER_CASES = [
    ("post-norm", dict(norm_first=False), {}),
    ("pre-norm", dict(norm_first=True), {}),
    ("gelu-batch_first", dict(activation="gelu", batch_first=True), {}),
    ("callable-act-nobias", dict(activation=F.silu, bias=False), {}),
    ("masks-post-norm", {}, dict(src_mask="causal", src_key_padding_mask="pad")),
    ("masks-pre-norm", dict(norm_first=True), dict(src_mask="float", src_key_padding_mask="pad")),
]


def _make_masks(spec):
    out = {}
    for k, v in spec.items():
        out[k] = {"causal": causal(S), "pad": padding(), "float": randn(S, S)}[v]
    return out


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("kw,mask_spec", [c[1:] for c in LAYER_CASES],
                         ids=[c[0] for c in LAYER_CASES])
def test_encoder_layer_matches_torch(torch, kw, mask_spec, train):
    def build(lib):
        act = kw.get("activation", "relu")
        if callable(act):
            act = torch.nn.functional.silu if lib is torch.nn else F.silu
        return lib.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.0,
                                           **dict(kw, activation=act))
    e_mod, t_mod = build(nn), build(torch.nn)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    shape = (N, S, D_MODEL) if kw.get("batch_first") else (S, N, D_MODEL)
    compare(torch, e_mod, t_mod, randn(*shape), train, **_make_masks(mask_spec))


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_stack_matches_torch(torch, norm_first, train):
    def build(lib):
        layer = lib.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.0,
                                            norm_first=norm_first, batch_first=True)
        return lib.TransformerEncoder(layer, 2, norm=lib.LayerNorm(D_MODEL),
                                      enable_nested_tensor=False)
    e_mod, t_mod = build(nn), build(torch.nn)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    assert "layers.0.self_attn.in_proj_weight" in e_mod.state_dict()
    assert repr(e_mod) == repr(t_mod)
    compare(torch, e_mod, t_mod, randn(N, S, D_MODEL), train, mask=causal(S),
            src_key_padding_mask=padding())


def test_encoder_copies_are_independent():
    layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF)
    enc = nn.TransformerEncoder(layer, 3)
    w = [enc.layers[i].linear1.weight for i in range(3)]
    assert w[0] is not w[1] and w[0] is not layer.linear1.weight
    assert_close(w[0], w[1])  # deep copies start equal...
    with edutorch.no_grad():
        w[0].add_(1.0)  # ...and change independently
    assert not np.allclose(w[0].detach().numpy(), w[1].detach().numpy())
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))


def test_encoder_dropout_only_in_training():
    layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.5)
    x = edutorch.randn(S, N, D_MODEL)
    layer.eval()
    assert_close(layer(x), layer(x))
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_encoder_layer_gradcheck():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    x = edutorch.tensor(randn(3, 2, 4), requires_grad=True)
    mask = edutorch.tensor(causal(3))
    assert gradcheck(lambda x, w: layer(x, src_mask=mask), (x, layer.linear1.weight))


def test_bad_activation():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation="tanh")
