"""Recurrent layers: RNN, LSTM, GRU (fused over the sequence) and the one-step cells.

Against PyTorch (same weights through load_state_dict, float64, rtol 1e-6): every output
(output, h_n, c_n), the gradient of every parameter, of the input and of the initial states;
with 2 layers, batch_first, bidirectional, initial states, no bias, unbatched input. Without
PyTorch: gradcheck, and gradgradcheck (the layers' backward re-runs the Tensor-op cells when a
graph of the gradient is asked for).
"""
from __future__ import annotations

import numpy as np
import pytest
from nn_compare import assert_close, copy_weights

import edutorch
from edutorch import nn
from edutorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(3)


def randn(*shape):
    return RNG.standard_normal(shape)


def outputs(mode, out):
    """(output, h_n[, c_n]) as a flat list."""
    y, h = out
    return [y, h[0], h[1]] if mode == "LSTM" else [y, h]


def compare_recurrent(torch, mode, kw, T=5, B=3, I=4, H=6, batch_first=False, init=True,
                      unbatched=False):
    t_mod = getattr(torch.nn, mode)(I, H, batch_first=batch_first, **kw).double()
    e_mod = getattr(nn, mode)(I, H, batch_first=batch_first, **kw).double()
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    copy_weights(e_mod, t_mod)
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    shape = (T, I) if unbatched else ((B, T, I) if batch_first else (T, B, I))
    arrays = [randn(*shape)]
    if init:
        hshape = (D * L, H) if unbatched else (D * L, B, H)
        arrays += [randn(*hshape)] * (2 if mode == "LSTM" else 1)
    e_in = [edutorch.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]

    def call(mod, ins):
        if not init:
            return mod(ins[0])
        return mod(ins[0], tuple(ins[1:]) if mode == "LSTM" else ins[1])
    e_outs, t_outs = outputs(mode, call(e_mod, e_in)), outputs(mode, call(t_mod, t_in))
    e_loss = t_loss = 0
    for k, (e, t) in enumerate(zip(e_outs, t_outs)):
        assert_close(e, t, rtol=1e-6, atol=1e-10, what=f"{mode} output {k}")
        w = randn(*t.shape)
        e_loss = e_loss + (e * edutorch.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    e_loss.backward()
    t_loss.backward()
    for k, (e, t) in enumerate(zip(e_in, t_in)):
        assert_close(e.grad, t.grad, rtol=1e-6, atol=1e-10, what=f"{mode} grad of input {k}")
    t_params = dict(t_mod.named_parameters())
    for name, p in e_mod.named_parameters():
        assert_close(p.grad, t_params[name].grad, rtol=1e-6, atol=1e-10,
                     what=f"{mode} grad of {name}")


CONFIGS = [
    ("plain", {}, {}),
    ("2layers-bidir-batch_first", dict(num_layers=2, bidirectional=True),
     dict(batch_first=True)),
    ("2layers-nobias-no-h0", dict(num_layers=2, bias=False), dict(init=False)),
    ("bidir-unbatched", dict(bidirectional=True), dict(unbatched=True)),
]


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw,call_kw", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_recurrent_layers_match_torch(torch, mode, kw, call_kw):
    compare_recurrent(torch, mode, kw, **call_kw)


def test_rnn_relu_matches_torch(torch):
    compare_recurrent(torch, "RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True))


def test_only_some_outputs_used(torch):
    # the gradient of h_n alone (output unused) and of output alone must both be right
    t_mod, e_mod = torch.nn.LSTM(3, 4).double(), nn.LSTM(3, 4).double()
    copy_weights(e_mod, t_mod)
    x = randn(6, 2, 3)
    for pick in (lambda o: o[1][1], lambda o: o[0]):
        xe, xt = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        pick(e_mod(xe)).pow(2).sum().backward()
        pick(t_mod(xt)).pow(2).sum().backward()
        assert_close(xe.grad, xt.grad, rtol=1e-6, atol=1e-10)


def test_two_graphs_and_retain_graph(torch):
    # the layer keeps its saved gates in reused buffers: two sequences in flight at once and a
    # retained graph must not overwrite each other
    # gates of 1.3 MB: large enough to be kept for reuse
    t_mod, e_mod = torch.nn.LSTM(3, 64).double(), nn.LSTM(3, 64).double()
    copy_weights(e_mod, t_mod)
    x = randn(40, 16, 3)
    xe, xt = edutorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e1, e2 = e_mod(xe)[0], e_mod(xe.flip(0))[0]
    t1, t2 = t_mod(xt)[0], t_mod(xt.flip(0))[0]
    (e1.pow(2).sum() - e2.sum()).backward(retain_graph=True)
    (t1.pow(2).sum() - t2.sum()).backward(retain_graph=True)
    e1.sum().backward()
    t1.sum().backward()
    assert_close(xe.grad, xt.grad, rtol=1e-6, atol=1e-10)
    for (n, p), tp in zip(e_mod.named_parameters(), t_mod.parameters()):
        assert_close(p.grad, tp.grad, rtol=1e-6, atol=1e-10, what=n)


def test_reprs_and_parameter_names_match_torch(torch):
    for build in (lambda m: m.LSTM(3, 4, 2, batch_first=True, dropout=0.5, bidirectional=True),
                  lambda m: m.RNN(3, 4, 2, "relu", bias=False),
                  lambda m: m.GRU(3, 4),
                  lambda m: m.RNNCell(3, 4, nonlinearity="relu"),
                  lambda m: m.LSTMCell(3, 4, bias=False),
                  lambda m: m.GRUCell(3, 4)):
        e, t = build(nn), build(torch.nn)
        assert repr(e) == repr(t)
        assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in t.named_parameters()]


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(torch, cell):
    t_mod, e_mod = getattr(torch.nn, cell)(4, 5).double(), getattr(nn, cell)(4, 5).double()
    copy_weights(e_mod, t_mod)
    for batched in (True, False):
        x, h, c = (randn(3, 4), randn(3, 5), randn(3, 5)) if batched else \
            (randn(4), randn(5), randn(5))
        ins = [x, (h, c)] if cell == "LSTMCell" else [x, h]
        e_out = e_mod(edutorch.tensor(x), *[tuple(edutorch.tensor(a) for a in ins[1])]
                      if cell == "LSTMCell" else [edutorch.tensor(h)])
        t_out = t_mod(torch.tensor(x), *[tuple(torch.tensor(a) for a in ins[1])]
                      if cell == "LSTMCell" else [torch.tensor(h)])
        e_out = e_out if isinstance(e_out, tuple) else (e_out,)
        t_out = t_out if isinstance(t_out, tuple) else (t_out,)
        e_loss, t_loss = sum(o.sum() for o in e_out), sum(o.sum() for o in t_out)
        for e, t in zip(e_out, t_out):
            assert_close(e, t, rtol=1e-6, atol=1e-10)
        e_mod.zero_grad()
        t_mod.zero_grad()
        e_loss.backward()
        t_loss.backward()
        for (n, p), tp in zip(e_mod.named_parameters(), t_mod.parameters()):
            assert_close(p.grad, tp.grad, rtol=1e-6, atol=1e-10, what=n)
    # no state given: zeros
    x = randn(3, 4)
    e_out, t_out = e_mod(edutorch.tensor(x)), t_mod(torch.tensor(x))
    assert_close(e_out[0] if cell == "LSTMCell" else e_out,
                 t_out[0] if cell == "LSTMCell" else t_out, rtol=1e-6, atol=1e-10)


def test_dropout_between_layers():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=1.0).double()
    x = edutorch.tensor(randn(5, 2, 3))
    out, _ = lstm(x)  # training: the second layer sees only zeros
    second = nn.LSTM(4, 4).double()
    second.load_state_dict({k[:-1] + "0": v for k, v in lstm.state_dict().items()
                            if k.endswith("l1")})
    ref, _ = second(edutorch.zeros(5, 2, 4, dtype=edutorch.float64))
    assert_close(out, ref, rtol=1e-12, atol=1e-12)
    lstm.eval()  # no dropout: the outputs differ from the all-zero second layer
    assert not np.allclose(lstm(x)[0].detach().numpy(), ref.detach().numpy())


def test_init_range_is_pytorchs():
    H = 16
    gru = nn.GRU(5, H, num_layers=2)
    for name, p in gru.named_parameters():
        a = np.abs(p.detach().numpy())
        assert a.max() <= 1 / np.sqrt(H) and a.max() > 0.8 / np.sqrt(H), name


# -- without PyTorch ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_layers_gradcheck_and_second_order(mode):
    def run(m, x, h, c):
        if mode != "LSTM":
            return m(x, h)
        y, (hn, cn) = m(x, (h, c))
        return y, hn, cn

    # first order through 2 layers in both directions
    m = getattr(nn, mode)(2, 2, num_layers=2, bidirectional=True).double()
    x = edutorch.tensor(randn(3, 2, 2), requires_grad=True)
    h = edutorch.tensor(randn(4, 2, 2), requires_grad=True)
    c = edutorch.tensor(randn(4, 2, 2), requires_grad=True)
    assert gradcheck(lambda x, h, c, w: run(m, x, h, c), (x, h, c, m.weight_hh_l1_reverse))
    # second order (create_graph=True re-runs the Tensor-op cells), one small layer
    m = getattr(nn, mode)(2, 2).double()
    x = edutorch.tensor(randn(2, 1, 2), requires_grad=True)
    h = edutorch.tensor(randn(1, 1, 2), requires_grad=True)
    c = edutorch.tensor(randn(1, 1, 2), requires_grad=True)
    assert gradgradcheck(lambda x, h, c, w: run(m, x, h, c), (x, h, c, m.weight_hh_l0))


def test_fused_layer_equals_composed_cells():
    # the sequence node and a loop of the one-step cells compute the same thing
    lstm, cell = nn.LSTM(3, 4).double(), nn.LSTMCell(3, 4).double()
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = edutorch.tensor(randn(5, 2, 3))
    y, (hn, cn) = lstm(x)
    h = c = edutorch.zeros(2, 4, dtype=edutorch.float64)
    for t in range(5):
        h, c = cell(x[t], (h, c))
        assert_close(y[t], h, rtol=1e-12, atol=1e-12)
    assert_close(hn[0], h, rtol=1e-12, atol=1e-12)
    assert_close(cn[0], c, rtol=1e-12, atol=1e-12)


def test_recurrent_errors_name_the_problem():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        lstm(edutorch.randn(5, 2, 7))
    with pytest.raises(RuntimeError, match="Expected hidden size \\(2, 2, 4\\)"):
        lstm(edutorch.randn(5, 2, 3), (edutorch.randn(1, 2, 4), edutorch.randn(2, 2, 4)))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D"):
        nn.GRU(3, 4)(edutorch.randn(1, 5, 2, 3))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
