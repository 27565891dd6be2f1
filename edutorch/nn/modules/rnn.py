"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step ``*Cell`` versions.

The maths of one time step (PyTorch's equations and gate order):

- RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)        (or relu)
- LSTM: i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh, 4)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g);   h' = sigmoid(o) * tanh(c')
- GRU:  r, z, n from W_ih x + b_ih (split in 3) and W_hh h + b_hh (split in 3):
        r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r * h_n)
        h' = (1 - z) * n + z * h

Two implementations of the same maths live here:

1. ``_rnn_cell``/``_lstm_cell``/``_gru_cell``, written with Tensor ops: short, readable, and
   differentiable to any order by autograd. The ``*Cell`` modules use them.
2. ``_Recurrence``, one autograd node for one layer in one direction over the whole sequence:
   the input projection of all time steps is ONE matrix product, then a loop over time steps
   does a (B, H) @ (H, G*H) product and a few in-place array operations; its backward is
   backpropagation through time written out by hand (one loop back over the steps, then one
   matrix product per weight gradient). The layers use it: recording ~15 autograd nodes per
   time step would cost more than the arithmetic itself. When a graph of the gradient is asked
   for (``create_graph=True``), its backward re-runs the sequence with the Tensor-op cells and
   differentiates that, so higher derivatives stay exact.
"""
from __future__ import annotations

import math

from ... import _ops
from ...autograd import grad_mode
from ...autograd.graph import Node, run_backward
from ...tensor import Tensor
from ..._ops.common import attach, wrap, xp_of
from .. import functional as F
from .. import init
from ..functional.conv import _scratch
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---------------------------------------------------------------------------------------------
# one time step, with Tensor ops
# ---------------------------------------------------------------------------------------------

def _rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, relu: bool = False):
    pre = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


def _lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return h, c


def _gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    x_r, x_z, x_n = F.linear(x, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)  # = (1 - z) * n + z * h


def _composed_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
    """One layer, one direction, with the Tensor-op cells: (output, h_n, c_n)."""
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    h, c, outs = h0, c0, []
    for t in steps:
        if mode == "LSTM":
            h, c = _lstm_cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        elif mode == "GRU":
            h = _gru_cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
        else:
            h = _rnn_cell(x[t], h, w_ih, w_hh, b_ih, b_hh, relu=mode == "RNN_RELU")
        outs.append(h)
    if reverse:
        outs.reverse()
    return _ops.shape.stack(outs, 0), h, c


# ---------------------------------------------------------------------------------------------
# one layer, one direction, the whole sequence: a single autograd node
# ---------------------------------------------------------------------------------------------

def _sigmoid_(v):
    """In place: sigmoid(v) = (1 + tanh(v/2)) / 2 (no overflow for large |v|)."""
    xp = xp_of(v)
    v *= 0.5
    xp.tanh(v, out=v)
    v += 1
    v *= 0.5


def _relu_(v):
    xp_of(v).maximum(v, 0, out=v)


class _Recurrence(Node):
    """Backward of one recurrent layer (one direction) over a whole sequence.

    Inputs (those present): x (T, B, I), w_ih, w_hh, b_ih, b_hh, h0 (B, H), c0 (B, H).
    Outputs: y (T, B, H), h_n (B, H) and, for LSTM, c_n (B, H).
    """
    __slots__ = ("mode", "reverse", "n_outputs", "slots", "cache")

    def apply(self, grads):
        if grad_mode.state.enabled:
            return self._differentiable_backward(grads)
        return self._bptt(grads)

    # -- the hand-written backpropagation through time ----------------------------------------
    def _bptt(self, grads):
        saved = dict(zip(self.slots, self.saved_tensors))
        X, Wih, Whh = saved["x"]._data, saved["w_ih"]._data, saved["w_hh"]._data
        xp = xp_of(X)
        T, B, _ = X.shape
        H = Whh.shape[1]
        mode, c = self.mode, self.cache
        gy, gh = grads[0], grads[1]
        gc = grads[2] if mode == "LSTM" else None
        dtype = X.dtype
        dh = xp.zeros((B, H), dtype) if gh is None else gh._data.astype(dtype, copy=True)
        order = range(T) if self.reverse else range(T - 1, -1, -1)  # the forward, reversed
        Y = c["h"]  # (T, B, H): hidden state after each step
        h0 = c["h0"]
        H_prev = _shifted(Y, h0, self.reverse)  # the state each step started from
        G = _GATES[mode]
        dX_pre = _scratch((T, B, G * H), dtype, xp)  # gradient of W_ih x + b_ih (per gate)
        dY = None if gy is None else gy._data
        if mode == "LSTM":
            acts, C, TC, c0 = c["acts"], c["c"], c["tc"], c["c0"]
            dc = xp.zeros((B, H), dtype) if gc is None else gc._data.astype(dtype, copy=True)
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
            xp.multiply(_shifted(C, c0, self.reverse), f * (1 - f), out=s_ifg[:, :, 1])
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
        flat_x = dX_pre.reshape(T * B, G * H)
        flat_h = dH_pre.reshape(T * B, G * H)
        result = []
        for k, name in enumerate(self.slots):
            if self.next_functions[k][0] is None:
                result.append(None)
                continue
            if name == "x":
                out = (flat_x @ Wih).reshape(X.shape)
            elif name == "w_ih":
                out = flat_x.T @ X.reshape(T * B, -1)
            elif name == "w_hh":
                out = flat_h.T @ H_prev.reshape(T * B, H)
            elif name == "b_ih":
                out = flat_x.sum(0)
            elif name == "b_hh":
                out = flat_h.sum(0)
            elif name == "h0":
                out = dh
            else:  # c0
                out = dc
            result.append(wrap(out))
        return tuple(result)

    # -- create_graph=True: differentiate the Tensor-op version instead -----------------------
    def _differentiable_backward(self, grads):
        saved = dict(zip(self.slots, self.saved_tensors))
        ins = [saved.get(k) for k in ("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh")]
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = ins
        xp = xp_of(x._data)
        B, H = x.shape[1], w_hh.shape[1]
        if h0 is None:
            h0 = wrap(xp.zeros((B, H), x._data.dtype))
        if self.mode == "LSTM" and c0 is None:
            c0 = wrap(xp.zeros((B, H), x._data.dtype))
        with grad_mode.enable_grad():
            outs = _composed_layer(self.mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, self.reverse)
        pairs = [(o, g) for o, g in zip(outs, grads) if o is not None and g is not None]
        targets = [saved[k] for k in self.slots]
        wanted = [i for i, t in enumerate(targets) if self.next_functions[i][0] is not None]
        found = run_backward([o for o, _ in pairs], [g for _, g in pairs], True, True,
                             inputs=[targets[i] for i in wanted], accumulate=False,
                             allow_unused=True)
        result = [None] * len(targets)
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


def _recurrence(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
    """Run one layer in one direction: x (T, B, I) -> (y (T, B, H), h_n, c_n or None)."""
    X = x._data
    xp = xp_of(X)
    T, B, _ = X.shape
    Wih, Whh = w_ih._data, w_hh._data
    H = Whh.shape[1]
    G = _GATES[mode]
    dtype = X.dtype
    h = xp.zeros((B, H), dtype) if h0 is None else h0._data
    # all time steps' input projections at once: (T*B, I) @ (I, G*H)
    XP = _scratch((T, B, G * H), dtype, xp)
    xp.matmul(X.reshape(T * B, -1), Wih.T, out=XP.reshape(T * B, G * H))
    if b_ih is not None:
        XP += b_ih._data
        if mode != "GRU":  # in a GRU b_hh sits inside r * (W_hn h + b_hn)
            XP += b_hh._data
    WhhT = Whh.T
    Y = _scratch((T, B, H), dtype, xp)
    steps = range(T - 1, -1, -1) if reverse else range(T)
    cache = {"h": Y, "h0": h}
    c_out = None
    if mode == "LSTM":
        c = xp.zeros((B, H), dtype) if c0 is None else c0._data
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
        bhh = None if b_hh is None else b_hh._data
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
    outputs = [wrap(Y), wrap(h.copy())]
    if mode == "LSTM":
        outputs.append(wrap(c_out.copy()))
    present = [(k, t) for k, t in (("x", x), ("w_ih", w_ih), ("w_hh", w_hh), ("b_ih", b_ih),
                                   ("b_hh", b_hh), ("h0", h0), ("c0", c0)) if t is not None]
    if grad_mode.state.enabled and any(t._rg for _, t in present):
        node = _Recurrence([t for _, t in present])
        node.mode, node.reverse = mode, reverse
        node.slots = tuple(k for k, _ in present)
        node.n_outputs = len(outputs)
        node.save_for_backward(*[t for _, t in present])
        node.cache = cache
        for k, o in enumerate(outputs):
            attach(o, node)
            o._output_nr = k
    return outputs[0], outputs[1], (outputs[2] if mode == "LSTM" else None)


# ---------------------------------------------------------------------------------------------
# the layers
# ---------------------------------------------------------------------------------------------

class RNNBase(Module):
    """What RNN, LSTM and GRU share: the stack of layers and directions, and their weights.

    Parameters per layer k and direction (suffix '' or '_reverse'):
    ``weight_ih_l{k}`` (G*H, input) (input = ``input_size`` for k = 0, else D*H),
    ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), with G = 1, 4 or
    3 gates stacked in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n). All start as
    U(-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers}")
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if proj_size:
            raise NotImplementedError("edutorch: LSTM proj_size > 0 is not supported")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        D = 2 if bidirectional else 1
        G = _GATES[mode]
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(D):
                in_size = input_size if layer == 0 else hidden_size * D
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (G * hidden_size, in_size)),
                          ("weight_hh", (G * hidden_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (G * hidden_size,)), ("bias_hh", (G * hidden_size,))]
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(_ops.creation.empty(shape, device=device,
                                                                      dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """PyTorch packs weights for cuDNN here; nothing to do in edutorch."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- checks ---------------------------------------------------------------------------
    def _check_input(self, input: Tensor) -> None:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             f"tensor instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        w = self.weight_ih_l0
        if input.dtype != w.dtype:
            raise ValueError(f"{name}: input must have the type {w.dtype}, got type "
                             f"{input.dtype}")

    def _check_hidden(self, hx: Tensor, expected: tuple, what: str = "hidden") -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(hx.shape)}")

    # -- the stack of layers --------------------------------------------------------------
    def forward(self, input: Tensor, hx=None):
        self._check_input(input)
        is_lstm = self.mode == "LSTM"
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
            if hx is not None:
                for h in (hx if is_lstm else (hx,)):
                    if h.dim() != 2:
                        raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be "
                                           f"2-D but got ({h.dim()}-D) tensor")
                hx = tuple(h.unsqueeze(1) for h in hx) if is_lstm else hx.unsqueeze(1)
        elif hx is not None:
            for h in (hx if is_lstm else (hx,)):
                if h.dim() != 3:
                    raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D "
                                       f"but got ({h.dim()}-D) tensor")
        # unbatched input is (T, I) whatever batch_first says; it is now (T, 1, I)
        batch_major = self.batch_first and batched
        x = input.transpose(0, 1) if batch_major else input  # (T, B, I)
        B = x.shape[1]
        D = 2 if self.bidirectional else 1
        H = self.hidden_size
        expected = (self.num_layers * D, B, H)
        h0 = c0 = None
        if hx is not None:
            if is_lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
                h0, c0 = hx
                self._check_hidden(h0, expected)
                self._check_hidden(c0, expected, "cell")
            else:
                if isinstance(hx, (tuple, list)):
                    raise RuntimeError(f"{type(self).__name__}: hx must be a Tensor, not a "
                                       f"tuple")
                h0 = hx
                self._check_hidden(h0, expected)
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(D):
                k = layer * D + direction
                ws = [getattr(self, n) for n in self._all_weights[k]]
                w_ih, w_hh = ws[0], ws[1]
                b_ih, b_hh = (ws[2], ws[3]) if self.bias else (None, None)
                y, hn, cn = _recurrence(self.mode, x, None if h0 is None else h0[k],
                                        None if c0 is None else c0[k], w_ih, w_hh, b_ih, b_hh,
                                        direction == 1)
                outs.append(y)
                h_n.append(hn)
                c_n.append(cn)
            x = outs[0] if D == 1 else _ops.shape.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        output = x.transpose(0, 1) if batch_major else x
        h_n = _ops.shape.stack(h_n, 0)
        if is_lstm:
            c_n = _ops.shape.stack(c_n, 0)
        if not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            if is_lstm:
                c_n = c_n.squeeze(1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (``nonlinearity='relu'``
    uses relu), stacked ``num_layers`` deep, optionally in both directions.

    input (L, N, H_in) (or (N, L, H_in) with ``batch_first``, or (L, H_in) unbatched);
    hx (D*num_layers, N, H) or None (zeros). Returns output (L, N, D*H) (the last layer's h_t
    for every t) and h_n (D*num_layers, N, H).
    """

    def __init__(self, *args, **kwargs) -> None:
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:  # PyTorch's positional order puts nonlinearity fourth
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory: per step, gates i, f, g, o from W_ih x + b_ih + W_hh h + b_hh;
    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g);  h_t = sigmoid(o) * tanh(c_t).

    ``forward(input, (h_0, c_0))`` -> ``output, (h_n, c_n)``; shapes as in ``RNN``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit: r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z),
    n = tanh(x_n + r * h_n), h_t = (1 - z) * n + z * h_{t-1}, where x_* = W_i* x + b_i* and
    h_* = W_h* h + b_h*.

    ``forward(input, h_0)`` -> ``output, h_n``; shapes as in ``RNN``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("GRU", *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# one step at a time: the cells
# ---------------------------------------------------------------------------------------------

class RNNCellBase(Module):
    """Parameters ``weight_ih`` (G*H, input), ``weight_hh`` (G*H, H), ``bias_ih``,
    ``bias_hh`` (G*H,), initialised U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        empty = _ops.creation.empty
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, device=device,
                                         dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, device=device,
                                         dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _prepare(self, input: Tensor, hx, n_states: int):
        """Batch an unbatched (input_size,) input; zeros for a missing state."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            zeros = _ops.creation.zeros(x.shape[0], self.hidden_size, dtype=input.dtype,
                                        device=input.device)
            states = (zeros,) * n_states
        else:
            states = tuple(hx) if n_states > 1 else (hx,)
            if not batched:
                states = tuple(s.unsqueeze(0) for s in states)
            for s in states:
                if tuple(s.shape) != (x.shape[0], self.hidden_size):
                    raise RuntimeError(f"hidden{'' if n_states == 1 else ' or cell'} state has "
                                       f"inconsistent size: got {list(s.shape)}, expected "
                                       f"{[x.shape[0], self.hidden_size]}")
        return x, states, batched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        h = _rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                      relu=self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h', c') = cell(x, (h, c))`` (gate order i, f, g, o)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = _lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: ``h' = cell(x, h)`` (gate order r, z, n)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        h = _gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
