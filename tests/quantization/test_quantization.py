"""edutorch.quantization against torch.ao.quantization: quantized integers bit-equal,
observers' parameters bit-equal, quantized layers within one quantization step, and int8
weights on disk."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import edutorch
import edutorch.quantization as eq
from edutorch import nn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*")
warnings.filterwarnings("ignore", category=DeprecationWarning)

TQ = {eq.qint8: torch.qint8, eq.quint8: torch.quint8}


def inputs():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 300)) * 3).astype(np.float32)
    x[0, :200] = (np.arange(200) - 100) * 0.25  # exact ties at scale 0.5: x / 0.5 = k + 0.5
    return x


@pytest.mark.parametrize("scale, zero_point, dtype", [(0.5, 0, eq.qint8), (0.0137, 3, eq.quint8),
                                                      (1 / 3, 128, eq.quint8),
                                                      (0.02345678, -5, eq.qint8),
                                                      (0.001, 0, eq.qint8)])
def test_quantize_per_tensor_int_repr_bit_equal(scale, zero_point, dtype):
    x = inputs()
    ours = eq.quantize_per_tensor(edutorch.tensor(x), scale, zero_point, dtype)
    theirs = torch.quantize_per_tensor(torch.tensor(x), scale, zero_point, TQ[dtype])
    assert ours.int_repr().dtype == edutorch.int8 if dtype is eq.qint8 else edutorch.uint8
    np.testing.assert_array_equal(ours.int_repr().numpy(), theirs.int_repr().numpy())
    np.testing.assert_array_equal(ours.dequantize().numpy(), theirs.dequantize().numpy())
    assert ours.q_scale() == theirs.q_scale() and ours.q_zero_point() == theirs.q_zero_point()


def test_rounding_is_half_to_even():
    q = eq.quantize_per_tensor(edutorch.tensor([0.25, 0.75, -0.25, -0.75, 1.25]), 0.5, 0,
                               eq.qint8)
    assert q.int_repr().tolist() == [0, 2, 0, -2, 2]


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("dtype", [eq.qint8, eq.quint8])
def test_quantize_per_channel_int_repr_bit_equal(axis, dtype):
    x = inputs()[:, :40]
    n = x.shape[axis]
    rng = np.random.default_rng(1)
    scales = rng.uniform(0.005, 0.6, n)
    scales[:4] = [0.5, 1 / 3, 0.0137, 0.25]
    zps = rng.integers(-4, 4, n) + (128 if dtype is eq.quint8 else 0)
    ours = eq.quantize_per_channel(edutorch.tensor(x), edutorch.tensor(scales),
                                   edutorch.tensor(zps), axis, dtype)
    theirs = torch.quantize_per_channel(torch.tensor(x), torch.tensor(scales), torch.tensor(zps),
                                        axis, TQ[dtype])
    np.testing.assert_array_equal(ours.int_repr().numpy(), theirs.int_repr().numpy())
    np.testing.assert_array_equal(ours.dequantize().numpy(), theirs.dequantize().numpy())
    assert ours.q_per_channel_axis() == axis


def test_quantize_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="4 channels along axis 0 but 3 scales"):
        eq.quantize_per_channel(edutorch.zeros(4, 2), edutorch.ones(3), edutorch.zeros(3,
                                dtype=edutorch.int64), 0, eq.qint8)
    with pytest.raises(RuntimeError, match="quantized dtype"):
        eq.quantize_per_tensor(edutorch.zeros(2), 0.1, 0, edutorch.int8)
    with pytest.raises(RuntimeError, match="per-channel"):
        eq.quantize_per_tensor(edutorch.zeros(2), 0.1, 0, eq.qint8).q_per_channel_scales()


OBSERVERS = [
    ("MinMaxObserver", {}, {}),
    ("MinMaxObserver", {"dtype": eq.qint8, "qscheme": eq.per_tensor_symmetric},
     {"dtype": torch.qint8, "qscheme": torch.per_tensor_symmetric}),
    ("MinMaxObserver", {"reduce_range": True}, {"reduce_range": True}),
    ("MovingAverageMinMaxObserver", {"averaging_constant": 0.1}, {"averaging_constant": 0.1}),
    ("PerChannelMinMaxObserver", {"ch_axis": 1}, {"ch_axis": 1}),
    ("PerChannelMinMaxObserver", {"dtype": eq.qint8, "qscheme": eq.per_channel_symmetric},
     {"dtype": torch.qint8, "qscheme": torch.per_channel_symmetric}),
]


@pytest.mark.parametrize("name, ours_kw, theirs_kw", OBSERVERS)
def test_observer_qparams_bit_equal(name, ours_kw, theirs_kw):
    from torch.ao.quantization import observer as tobs
    ours, theirs = getattr(eq, name)(**ours_kw), getattr(tobs, name)(**theirs_kw)
    rng = np.random.default_rng(2)
    for i in range(3):
        x = (rng.standard_normal((6, 7)) * (i + 1) + 0.3).astype(np.float32)
        ours(edutorch.tensor(x))
        theirs(torch.tensor(x))
    (s, z), (ts, tz) = ours.calculate_qparams(), theirs.calculate_qparams()
    np.testing.assert_array_equal(s.numpy(), ts.numpy())
    np.testing.assert_array_equal(z.numpy(), tz.numpy().astype(np.int64))


def mlp_pair():
    edutorch.manual_seed(0)
    ours = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5))
    theirs = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(),
                                 torch.nn.Linear(32, 5))
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy())
                            for k, v in ours.state_dict().items()})
    return ours, theirs


def test_quantize_dynamic_matches_torch(tmp_path):
    ours, theirs = mlp_pair()
    x = np.random.default_rng(3).standard_normal((8, 20)).astype(np.float32)
    qo = eq.quantize_dynamic(ours, {nn.Linear}, dtype=eq.qint8)
    qt = torch.ao.quantization.quantize_dynamic(theirs, {torch.nn.Linear}, dtype=torch.qint8)
    assert isinstance(ours[0], nn.Linear), "the float model must be left as it was"
    np.testing.assert_array_equal(qo[0].weight().int_repr().numpy(),
                                  qt[0].weight().int_repr().numpy())
    np.testing.assert_allclose(qo(edutorch.tensor(x)).numpy(),
                               qt(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    edutorch.save(qo.state_dict(), tmp_path / "q.safetensors")
    back = edutorch.load(tmp_path / "q.safetensors")
    assert back["0.weight_int8"].dtype == edutorch.int8
    fresh = eq.quantize_dynamic(mlp_pair()[0])
    fresh.load_state_dict(back)
    assert edutorch.equal(fresh(edutorch.tensor(x)), qo(edutorch.tensor(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant, self.dequant = eq.QuantStub(), eq.DeQuantStub()
        self.conv, self.relu = nn.Conv2d(2, 4, 3, padding=1), nn.ReLU()
        self.flat, self.fc = nn.Flatten(), nn.Linear(4 * 36, 3)

    def forward(self, x):
        return self.dequant(self.fc(self.flat(self.relu(self.conv(self.quant(x))))))


def test_static_ptq_matches_torch_with_the_same_observers():
    edutorch.manual_seed(0)
    ours = Net().eval()
    tq = torch.ao.quantization
    theirs = torch.nn.Sequential()  # the same network in torch: stubs, conv, relu, fc

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
            self.conv, self.relu = torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.ReLU()
            self.flat, self.fc = torch.nn.Flatten(), torch.nn.Linear(4 * 36, 3)

        def forward(self, x):
            return self.dequant(self.fc(self.flat(self.relu(self.conv(self.quant(x))))))
    theirs = TNet().eval()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.qconfig = eq.get_default_qconfig("x86")
    theirs.qconfig = tq.QConfig(activation=tq.MinMaxObserver.with_args(reduce_range=True),
                                weight=tq.default_per_channel_weight_observer)
    x = np.random.default_rng(4).standard_normal((16, 2, 6, 6)).astype(np.float32)
    po, pt = eq.prepare(ours), tq.prepare(theirs)
    po(edutorch.tensor(x))
    pt(torch.tensor(x))
    qo, qt = eq.convert(po), tq.convert(pt)
    assert type(qo.conv).__name__ == "Conv2d" and qo.conv.weight_int8.dtype == edutorch.int8
    np.testing.assert_array_equal(qo.conv.weight().int_repr().numpy(),
                                  qt.conv.weight().int_repr().numpy())
    assert qo.fc.scale.item() == pytest.approx(qt.fc.scale, rel=1e-6)
    out_o, out_t = qo(edutorch.tensor(x)).numpy(), qt(torch.tensor(x)).numpy()
    # requantization may round a value the other way: at most one output step apart
    assert np.abs(out_o - out_t).max() <= qt.fc.scale * 1.001
    assert (out_o == out_t).mean() > 0.9


def test_convert_needs_calibration():
    net = Net().eval()
    net.qconfig = eq.get_default_qconfig()
    with pytest.raises(RuntimeError, match="has not been calibrated"):
        eq.convert(eq.prepare(net))
    with pytest.raises(RuntimeError, match="no qconfig"):
        eq.prepare(Net())
