"""The recurrent layers' time loop: one layer, one direction, a whole sequence, as one Function.

The maths of one time step (PyTorch's equations and gate order):

- RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)        (or relu)
- LSTM: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh, 4)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g);   h' = sigmoid(o) * tanh(c')
- GRU:  r, z, n from W_ih x + b_ih (split in 3) and W_hh h + b_hh (split in 3):
        r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r * h_n)
        h' = (1 - z) * n + z * h

Two implementations of the same maths live here:

1. ``rnn_cell``/``lstm_cell``/``gru_cell``, written with Tensor ops: short, readable, and
   differentiable to any order by autograd. The ``*Cell`` modules use them.
2. ``Recurrence``, one Function for one layer in one direction over the whole sequence: the
   input projection of all time steps is ONE matrix product, then a loop over time steps does
   a (B, H) @ (H, G*H) product and a few in-place array operations; its backward is
   backpropagation through time written out by hand (one loop back over the steps, then one
   matrix product per weight gradient). The layers use it: recording ~15 autograd nodes per
   time step would cost more than the arithmetic itself. When a graph of the gradient is asked
   for (``create_graph=True``), its backward re-runs the sequence with the Tensor-op cells and
   differentiates that, so higher derivatives stay exact.
"""
from __future__ import annotations

from ..._ops.common import wrap, xp_of
from ..._ops.registry import builtin
from ..._ops.shape import stack
from ...autograd import grad as _autograd_grad
from ...autograd.function import Function
from ...backend.memory import scratch as _scratch
from ...tensor import Tensor
from .linear import linear

__all__: list = []  # PyTorch's nn.functional has no recurrent functions: the layers use these

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_INPUTS = ("x", "w_ih", "w_hh", "b_ih", "b_hh", "h0", "c0")  # Recurrence's operands, in order


# ---------------------------------------------------------------------------------------------
# one time step, with Tensor ops
# ---------------------------------------------------------------------------------------------

def rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, relu: bool = False):
    pre = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return h, c


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    x_r, x_z, x_n = linear(x, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)  # = (1 - z) * n + z * h


def composed_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
    """One layer, one direction, with the Tensor-op cells: (output, h_n, c_n)."""
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    h, c, outs = h0, c0, []
    for t in steps:
        if mode == "LSTM":
            h, c = lstm_cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        elif mode == "GRU":
            h = gru_cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
        else:
            h = rnn_cell(x[t], h, w_ih, w_hh, b_ih, b_hh, relu=mode == "RNN_RELU")
        outs.append(h)
    if reverse:
        outs.reverse()
    return stack(outs, 0), h, c


# ---------------------------------------------------------------------------------------------
# one layer, one direction, the whole sequence: a single Function
# ---------------------------------------------------------------------------------------------

@builtin("recurrence", backward_name="RecurrenceBackward0")
class Recurrence(Function):
    """One recurrent layer (one direction) over a whole sequence.

    Operands: x (T, B, I), w_ih, w_hh, b_ih, b_hh, h0 (B, H), c0 (B, H) (the biases and the
    initial states may be None). Outputs: y (T, B, H), h_n (B, H) and, for LSTM, c_n (B, H).
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, *, mode, reverse):
        Y, h_n, c_n, cache = _run_layer(mode, reverse, x, w_ih, w_hh, b_ih, b_hh, h0, c0)
        ctx.mode, ctx.reverse = mode, reverse
        ctx.save_for_backward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, cache)
        ctx.set_materialize_grads(False)  # an output no gradient reached is skipped, not zeros
        return (Y, h_n, c_n) if mode == "LSTM" else (Y, h_n)

    @staticmethod
    def backward(ctx, *grads):
        *inputs, cache = ctx.saved_tensors
        need = dict(zip(_INPUTS, ctx.needs_input_grad))
        if any(isinstance(g, Tensor) for g in grads):
            return _differentiable_backward(ctx.mode, ctx.reverse, inputs, grads, need)
        X, Wih, Whh = inputs[:3]
        return _bptt(ctx.mode, ctx.reverse, cache, X, Wih, Whh, grads, need)


def recurrence(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
    """Run one layer in one direction: x (T, B, I) -> (y (T, B, H), h_n, c_n or None)."""
    outs = Recurrence.apply(x, w_ih, w_hh, b_ih, b_hh, h0, c0, mode=mode, reverse=reverse)
    return outs if mode == "LSTM" else (outs[0], outs[1], None)


def _sigmoid_(v):
    """In place: sigmoid(v) = (1 + tanh(v/2)) / 2 (no overflow for large |v|)."""
    xp = xp_of(v)
    v *= 0.5
    xp.tanh(v, out=v)
    v += 1
    v *= 0.5


def _relu_(v):
    xp_of(v).maximum(v, 0, out=v)


def _run_layer(mode, reverse, X, Wih, Whh, b_ih, b_hh, h0, c0):
    """One layer in one direction on arrays: X (T, B, I) -> (Y (T, B, H), h_n, c_n or None,
    and what the backward needs)."""
    xp = xp_of(X)
    T, B, _ = X.shape
    H = Whh.shape[1]
    G = GATES[mode]
    dtype = X.dtype
    h = xp.zeros((B, H), dtype) if h0 is None else h0
    # all time steps' input projections at once: (T*B, I) @ (I, G*H)
    XP = _scratch((T, B, G * H), dtype, xp)
    xp.matmul(X.reshape(T * B, -1), Wih.T, out=XP.reshape(T * B, G * H))
    if b_ih is not None:
        XP += b_ih
        if mode != "GRU":  # in a GRU b_hh sits inside r * (W_hn h + b_hn)
            XP += b_hh
    WhhT = Whh.T
    Y = _scratch((T, B, H), dtype, xp)
    steps = range(T - 1, -1, -1) if reverse else range(T)
    cache = {"h": Y, "h0": h}
    c_out = None
    if mode == "LSTM":
        c = xp.zeros((B, H), dtype) if c0 is None else c0
        cache["c0"] = c
        # sigmoid(v) = tanh(v/2) / 2 + 1/2: with the i, f, o pre-activations halved (exactly:
        # a power of 2) one tanh over all four gates serves, then a*scale + shift fixes i, f, o
        half = xp.full(4 * H, 0.5, dtype)
        half[2 * H:3 * H] = 1  # g keeps tanh
        shift = half.copy()
        shift[2 * H:3 * H] = 0
        acts = XP  # the gates are computed in place over the input projections
        acts *= half
        WhhT = WhhT * half
        C, TC = _scratch((T, B, H), dtype, xp), _scratch((T, B, H), dtype, xp)
        ig = xp.empty((B, H), dtype)
        for t in steps:
            a = acts[t]
            a += h @ WhhT
            xp.tanh(a, out=a)
            a *= half
            a += shift  # now i, f, g, o
            xp.multiply(a[:, H:2 * H], c, out=C[t])                # f * c_prev
            C[t] += xp.multiply(a[:, :H], a[:, 2 * H:3 * H], out=ig)  # + i * g
            c = C[t]
            xp.tanh(c, out=TC[t])
            h = xp.multiply(a[:, 3 * H:], TC[t], out=Y[t])
        cache.update(acts=acts, c=C, tc=TC)
        c_out = c
    elif mode == "GRU":
        RZ = _scratch((T, B, 2 * H), dtype, xp)
        N_, HN = _scratch((T, B, H), dtype, xp), _scratch((T, B, H), dtype, xp)
        bhh = b_hh
        for t in steps:
            gh = h @ WhhT
            if bhh is not None:
                gh += bhh
            rz = RZ[t]
            xp.add(XP[t][:, :2 * H], gh[:, :2 * H], out=rz)
            _sigmoid_(rz)
            HN[t] = gh[:, 2 * H:]
            n = N_[t]
            xp.multiply(rz[:, :H], gh[:, 2 * H:], out=n)
            n += XP[t][:, 2 * H:]
            xp.tanh(n, out=n)
            # h' = n + z * (h - n)
            out = Y[t]
            xp.subtract(h, n, out=out)
            out *= rz[:, H:]
            out += n
            h = out
        cache.update(rz=RZ, n=N_, hn=HN)
    else:
        for t in steps:
            out = Y[t]
            xp.matmul(h, WhhT, out=out)
            out += XP[t]
            if mode == "RNN_TANH":
                xp.tanh(out, out=out)
            else:
                _relu_(out)
            h = out
    return Y, h.copy(), (c_out.copy() if mode == "LSTM" else None), cache


def _bptt(mode, reverse, c, X, Wih, Whh, grads, need):
    """Backpropagation through time, by hand, on arrays: one loop back over the steps for the
    recursion of the state gradients, then one matrix product per weight gradient.

    ``c`` is what the forward kept (``_run_layer``); ``grads`` the gradients of (y, h_n, c_n)
    (None where none arrived); ``need`` says which inputs want theirs.
    """
    gy, gh = grads[0], grads[1]
    gc = grads[2] if mode == "LSTM" else None
    dc = None  # the cell state's gradient (LSTM only)
    xp = xp_of(X)
    T, B, _ = X.shape
    H = Whh.shape[1]
    dtype = X.dtype
    dh = xp.zeros((B, H), dtype) if gh is None else gh.astype(dtype, copy=True)
    order = range(T) if reverse else range(T - 1, -1, -1)  # the forward, reversed
    Y = c["h"]  # (T, B, H): hidden state after each step
    h0 = c["h0"]
    H_prev = _shifted(Y, h0, reverse)  # the state each step started from
    G = GATES[mode]
    dX_pre = _scratch((T, B, G * H), dtype, xp)  # gradient of W_ih x + b_ih (per gate)
    dY = gy
    if mode == "LSTM":
        acts, C, TC, c0 = c["acts"], c["c"], c["tc"], c["c0"]
        dc = xp.zeros((B, H), dtype) if gc is None else gc.astype(dtype, copy=True)
        i, f, g, o = (acts[..., k * H:(k + 1) * H] for k in range(4))
        # Every factor that does not depend on the incoming gradient, for all steps at once:
        #   h = o * tanh(c)        -> d(o_pre) = dh * tanh(c) * o(1-o),
        #                             dc      += dh * o * (1 - tanh(c)^2)
        #   c = f * c_prev + i * g -> d(i_pre) = dc * g * i(1-i), d(f_pre) = dc * c_prev *
        #                             f(1-f), d(g_pre) = dc * i * (1-g^2), dc_prev = dc * f
        s_o = TC * o * (1 - o)
        s_c = o * (1 - TC * TC)
        s_ifg = _scratch((T, B, 3, H), dtype, xp)
        xp.multiply(g, i * (1 - i), out=s_ifg[:, :, 0])
        xp.multiply(_shifted(C, c0, reverse), f * (1 - f), out=s_ifg[:, :, 1])
        xp.multiply(i, 1 - g * g, out=s_ifg[:, :, 2])
        tmp = xp.empty((B, H), dtype)
        for t in order:  # the sequential part: the recursion of dh and dc
            if dY is not None:
                dh += dY[t]
            d = dX_pre[t]
            xp.multiply(dh, s_o[t], out=d[:, 3 * H:])
            xp.multiply(dh, s_c[t], out=tmp)
            dc += tmp
            # the i, f, g gates in one product: (B, 1, H) * (B, 3, H)
            xp.multiply(dc[:, None, :], s_ifg[t], out=d[:, :3 * H].reshape(B, 3, H))
            dc *= f[t]
            dh = d @ Whh
        dH_pre = dX_pre  # in an LSTM both products feed the same gate sum
    elif mode == "GRU":
        RZ, N_, HN = c["rz"], c["n"], c["hn"]
        dH_pre = _scratch((T, B, G * H), dtype, xp)
        for t in order:
            if dY is not None:
                dh += dY[t]
            r, z = RZ[t][:, :H], RZ[t][:, H:]
            n = N_[t]
            d, e = dX_pre[t], dH_pre[t]
            # h = n + z * (h_prev - n)
            dn = dh * (1 - z)
            xp.multiply(dn, 1 - n * n, out=d[:, 2 * H:])       # through tanh
            xp.multiply(d[:, 2 * H:], r, out=e[:, 2 * H:])     # n = tanh(x_n + r * h_n)
            xp.multiply(d[:, 2 * H:] * HN[t], r * (1 - r), out=d[:, :H])
            xp.multiply(dh * (H_prev[t] - n), z * (1 - z), out=d[:, H:2 * H])
            e[:, :2 * H] = d[:, :2 * H]
            dh = dh * z + e @ Whh
    else:
        for t in order:
            if dY is not None:
                dh += dY[t]
            d = dX_pre[t]
            if mode == "RNN_TANH":
                xp.multiply(dh, 1 - Y[t] * Y[t], out=d)
            else:
                xp.multiply(dh, Y[t] > 0, out=d)
            dh = d @ Whh
        dH_pre = dX_pre
    return _input_grads(need, X, H_prev, Wih, dX_pre, dH_pre, dh, dc)


def _input_grads(need, X, H_prev, Wih, dX_pre, dH_pre, dh, dc):
    """The gradients of the layer's inputs, in ``_INPUTS`` order (None where ``need`` says
    no), from those of the gate pre-activations for every step: ``dX_pre`` of W_ih x + b_ih and
    ``dH_pre`` of W_hh h + b_hh, both (T, B, G*H); ``dh``, ``dc`` are the state gradients that
    reached the initial state. Each weight gradient is one matrix product over all steps."""
    T, B, GH = dX_pre.shape
    flat_x = dX_pre.reshape(T * B, GH)
    flat_h = dH_pre.reshape(T * B, GH)
    grads_by_name = {}
    if need["x"]:
        grads_by_name["x"] = (flat_x @ Wih).reshape(X.shape)
    if need["w_ih"]:
        grads_by_name["w_ih"] = flat_x.T @ X.reshape(T * B, -1)
    if need["w_hh"]:
        grads_by_name["w_hh"] = flat_h.T @ H_prev.reshape(T * B, H_prev.shape[-1])
    if need["b_ih"]:
        grads_by_name["b_ih"] = flat_x.sum(0)
    if need["b_hh"]:
        grads_by_name["b_hh"] = flat_h.sum(0)
    if need["h0"]:
        grads_by_name["h0"] = dh
    if need["c0"]:
        grads_by_name["c0"] = dc
    return tuple(grads_by_name.get(name) for name in _INPUTS)


def _differentiable_backward(mode, reverse, inputs, grads, need):
    """create_graph=True: differentiate the Tensor-op version of the layer instead."""
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = inputs
    xp = xp_of(x._data)
    B, H = x.shape[1], w_hh.shape[1]
    if h0 is None:
        h0 = wrap(xp.zeros((B, H), x._data.dtype))
    if mode == "LSTM" and c0 is None:
        c0 = wrap(xp.zeros((B, H), x._data.dtype))
    outs = composed_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)
    pairs = [(o, g) for o, g in zip(outs, grads) if o is not None and g is not None]
    wanted = [i for i, name in enumerate(_INPUTS) if need[name]]
    found = _autograd_grad([o for o, _ in pairs], [inputs[i] for i in wanted],
                           grad_outputs=[g for _, g in pairs], create_graph=True,
                           allow_unused=True)
    result = [None] * len(inputs)
    for i, g in zip(wanted, found):
        result[i] = g
    return tuple(result)


def _shifted(S, s0, reverse):
    """The states each step started from, in time order: (s0, S[0], ..., S[T-2]), or
    (S[1], ..., S[T-1], s0) for a layer that runs backwards in time."""
    out = _scratch(S.shape, S.dtype, xp_of(S))
    if reverse:
        out[:-1], out[-1] = S[1:], s0
    else:
        out[0], out[1:] = s0, S[:-1]
    return out
