"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step ``*Cell`` versions.

The maths lives in ``nn/functional/rnn.py``: the layers run each layer and direction through
``Recurrence``, one Function for the whole time loop; the cells use the Tensor-op steps
``rnn_cell``/``lstm_cell``/``gru_cell``. This module holds the Modules: parameters, argument
checks, and the stacking of layers and directions.
"""
from __future__ import annotations

import math

from ... import _ops
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional.rnn import GATES, gru_cell, lstm_cell, recurrence, rnn_cell
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


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
        G = GATES[mode]
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

    def _hx_with_batch_dim(self, hx, batched: bool):
        """``hx`` (for an LSTM the pair (h_0, c_0)) checked to have as many dims as the input
        (3 batched, 2 unbatched); unbatched states get a batch dim of 1, like the input."""
        if hx is None:
            return None
        is_lstm = self.mode == "LSTM"
        dims = 3 if batched else 2
        for h in (hx if is_lstm else (hx,)):
            if h.dim() != dims:
                raise RuntimeError(f"For {'batched 3-D' if batched else 'unbatched 2-D'} input, "
                                   f"hx and cx should also be {dims}-D but got ({h.dim()}-D) "
                                   f"tensor")
        if batched:
            return hx
        return tuple(h.unsqueeze(1) for h in hx) if is_lstm else hx.unsqueeze(1)

    def _initial_states(self, hx, expected: tuple):
        """(h_0, c_0) from ``hx``, each checked to be ``expected`` = (layers * directions, B, H);
        None for a state not given (zeros). c_0 is None unless this is an LSTM."""
        if hx is None:
            return None, None
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
            h0, c0 = hx
            self._check_hidden(h0, expected)
            self._check_hidden(c0, expected, "cell")
            return h0, c0
        if isinstance(hx, (tuple, list)):
            raise RuntimeError(f"{type(self).__name__}: hx must be a Tensor, not a tuple")
        self._check_hidden(hx, expected)
        return hx, None

    # -- the stack of layers --------------------------------------------------------------
    def forward(self, input: Tensor, hx=None):
        self._check_input(input)
        is_lstm = self.mode == "LSTM"
        batched = input.dim() == 3
        hx = self._hx_with_batch_dim(hx, batched)
        # unbatched input is (T, I) whatever batch_first says; it becomes (T, 1, I)
        if not batched:
            input = input.unsqueeze(1)
        batch_major = self.batch_first and batched
        x = input.transpose(0, 1) if batch_major else input  # (T, B, I)
        D = 2 if self.bidirectional else 1
        h0, c0 = self._initial_states(hx, (self.num_layers * D, x.shape[1], self.hidden_size))
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(D):
                k = layer * D + direction
                ws = [getattr(self, n) for n in self._all_weights[k]]
                w_ih, w_hh = ws[0], ws[1]
                b_ih, b_hh = (ws[2], ws[3]) if self.bias else (None, None)
                y, hn, cn = recurrence(self.mode, x, None if h0 is None else h0[k],
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
        h = rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                      relu=self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h', c') = cell(x, (h, c))`` (gate order i, f, g, o)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: ``h' = cell(x, h)`` (gate order r, z, n)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        h = gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)
