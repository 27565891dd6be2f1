"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch (same weights
copied by ``load_state_dict``, float64): post-norm and pre-norm, batch_first, a causal target
mask, memory and key-padding masks; outputs, every parameter's gradient and the inputs'
(rtol 1e-6, atol 1e-10). ``generate_square_subsequent_mask`` equals PyTorch's; bad shapes give
PyTorch's errors. Without PyTorch: gradcheck of a tiny decoder layer.
"""
from __future__ import annotations

import numpy as np
import pytest
from nn_compare import assert_close, copy_weights

import edutorch
from edutorch import nn
from edutorch.autograd import gradcheck

pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched",
                                        "ignore:enable_nested_tensor")

E, H, FF, S, T, N = 8, 2, 16, 5, 4, 3
RNG = np.random.default_rng(11)


def randn(*shape):
    return RNG.standard_normal(shape)


def causal(n):
    return np.triu(np.ones((n, n), dtype=bool), 1)


def pad(n, length):
    m = np.zeros((n, length), dtype=bool)
    m[0, -2:] = True
    m[2, -1] = True
    return m


def run_both(torch, e_mod, t_mod, arrays, masks, train=True):
    """Same module in both libraries; forward, then the same grad_output backward."""
    e_mod.double().train(train)
    t_mod.double().train(train)
    copy_weights(e_mod, t_mod)
    e_in = [edutorch.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_masks = {k: edutorch.tensor(v) for k, v in masks.items()}
    t_masks = {k: torch.tensor(v) for k, v in masks.items()}
    e_out, t_out = e_mod(*e_in, **e_masks), t_mod(*t_in, **t_masks)
    assert_close(e_out, t_out, rtol=1e-6, atol=1e-10, what="output")
    go = randn(*t_out.shape)
    e_out.backward(edutorch.tensor(go))
    t_out.backward(torch.tensor(go))
    for i, (a, b) in enumerate(zip(e_in, t_in)):
        assert_close(a.grad, b.grad, rtol=1e-6, atol=1e-10, what=f"grad of input {i}")
    t_params = dict(t_mod.named_parameters())
    e_params = dict(e_mod.named_parameters())
    assert e_params.keys() == t_params.keys()
    for name, p in e_params.items():
        assert_close(p.grad, t_params[name].grad, rtol=1e-6, atol=1e-10, what=f"grad of {name}")


LAYER_CASES = {
    "post-norm": (dict(), dict()),
    "pre-norm-gelu": (dict(norm_first=True, activation="gelu"), dict()),
    "causal+padding": (dict(), dict(tgt_mask="causal", tgt_key_padding_mask="tpad",
                                     memory_key_padding_mask="mpad")),
    "float-memory-mask-pre-norm": (dict(norm_first=True), dict(memory_mask="float")),
}


def make_masks(spec):
    table = {"causal": causal(T), "tpad": pad(N, T), "mpad": pad(N, S),
             "float": randn(T, S)}
    return {k: table[v] for k, v in spec.items()}


@pytest.mark.torch
@pytest.mark.parametrize("case", LAYER_CASES)
def test_decoder_layer_matches_torch(case):
    torch = pytest.importorskip("torch")
    kw, masks = LAYER_CASES[case]
    e = nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, **kw)
    t = torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, **kw)
    run_both(torch, e, t, [randn(T, N, E), randn(S, N, E)], make_masks(masks))


@pytest.mark.torch
def test_decoder_layer_batch_first_and_unbatched():
    torch = pytest.importorskip("torch")
    e = nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, batch_first=True)
    t = torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, batch_first=True)
    run_both(torch, e, t, [randn(N, T, E), randn(N, S, E)], {"tgt_mask": causal(T)})
    run_both(torch, e, t, [randn(T, E), randn(S, E)], {})


@pytest.mark.torch
def test_decoder_stack_with_norm_matches_torch():
    torch = pytest.importorskip("torch")
    e = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0), 2,
                              norm=nn.LayerNorm(E))
    t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.0), 2,
                                    norm=torch.nn.LayerNorm(E))
    run_both(torch, e, t, [randn(T, N, E), randn(S, N, E)],
             {"tgt_mask": causal(T), "memory_key_padding_mask": pad(N, S)})


@pytest.mark.torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    torch = pytest.importorskip("torch")
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=1,
              dim_feedforward=FF, dropout=0.0, batch_first=batch_first)
    e, t = nn.Transformer(**kw), torch.nn.Transformer(**kw)
    src, tgt = ((randn(N, S, E), randn(N, T, E)) if batch_first
                else (randn(S, N, E), randn(T, N, E)))
    mask = nn.Transformer.generate_square_subsequent_mask(T).numpy()
    run_both(torch, e, t, [src, tgt], {"tgt_mask": mask.astype(np.float64),
                                       "src_key_padding_mask": pad(N, S)})


@pytest.mark.torch
def test_square_subsequent_mask_matches_torch():
    torch = pytest.importorskip("torch")
    for n in (1, 4):
        ours = nn.Transformer.generate_square_subsequent_mask(n)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(n)
        assert ours.dtype == edutorch.float32
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_transformer_init_is_xavier_and_names_match_pytorch():
    edutorch.manual_seed(0)
    model = nn.Transformer(d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=FF)
    names = set(dict(model.named_parameters()))
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in names
    assert "decoder.norm.weight" in names and "encoder.norm.weight" in names
    w = model.decoder.layers[0].linear1.weight
    bound = (6 / (E + FF)) ** 0.5
    assert w.abs().max().item() <= bound and w.abs().max().item() > 0.5 * bound


def test_transformer_rejects_mismatched_batch_and_width():
    model = nn.Transformer(d_model=E, nhead=H, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=FF)
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        model(edutorch.randn(S, 2, E), edutorch.randn(T, 3, E))
    with pytest.raises(RuntimeError, match="equal to d_model=8"):
        model(edutorch.randn(S, 2, 6), edutorch.randn(T, 2, 6))


def test_decoder_layer_gradcheck():
    edutorch.manual_seed(0)
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0).double()
    tgt = edutorch.tensor(randn(3, 1, 4), requires_grad=True)
    mem = edutorch.tensor(randn(2, 1, 4), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=edutorch.float64)
    assert gradcheck(lambda a, b: layer(a, b, tgt_mask=mask), (tgt, mem))
