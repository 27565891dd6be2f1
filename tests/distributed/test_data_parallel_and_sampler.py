"""nn.DataParallel over CPU replicas (threads) against the plain module, and
DistributedSampler against PyTorch's."""
from __future__ import annotations

import pytest

import edutorch
from edutorch import nn
from edutorch.nn.parallel import gather, replicate, scatter
from edutorch.utils.data import DistributedSampler


def mlp():
    edutorch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))


@pytest.mark.parametrize("devices, rows", [(["cpu", "cpu"], 10), (["cpu"] * 3, 10),
                                           (["cpu"] * 4, 3)])
def test_data_parallel_matches_the_module(devices, rows):
    net = mlp()
    x = edutorch.randn(rows, 5)
    dp = nn.DataParallel(net, device_ids=devices)
    out = dp(x)
    out.pow(2).sum().backward()
    grads = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    ref = net(x)
    ref.pow(2).sum().backward()
    assert edutorch.allclose(out, ref, atol=1e-6)
    for g, p in zip(grads, net.parameters()):
        assert edutorch.allclose(g, p.grad, atol=1e-5)
    assert "module.0.weight" in dp.state_dict()


def test_scatter_replicate_gather():
    x, y = edutorch.arange(10.0).reshape(5, 2), edutorch.ones(5)
    parts = scatter((x, y, "tag"), ["cpu", "cpu"])
    assert [p[0].shape[0] for p in parts] == [3, 2] and parts[1][2] == "tag"
    assert edutorch.equal(gather([p[0] for p in parts], "cpu"), x)
    net = mlp()
    replicas = replicate(net, ["cpu", "cpu"])
    assert replicas[0] is not net and replicas[0][0].weight is net[0].weight


def test_data_parallel_names_the_failing_replica():
    dp = nn.DataParallel(mlp(), device_ids=["cpu", "cpu"])
    with pytest.raises(RuntimeError, match="in replica 0"):
        dp(edutorch.randn(4, 7))


def test_data_parallel_without_devices_calls_the_module():
    net = mlp()
    x = edutorch.randn(2, 5)
    assert edutorch.equal(nn.DataParallel(net, device_ids=[])(x), net(x))


@pytest.mark.torch
@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (2, 5, False),
                                                    (12, 4, False), (7, 2, True)])
def test_distributed_sampler_equals_torchs_without_shuffle(n, replicas, drop_last):
    pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.torch
@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (11, 4, True)])
def test_distributed_sampler_shuffle_pads_and_strides_as_torch(n, replicas, drop_last):
    """edutorch's random generator is NumPy's, not PyTorch's (randperm with the same seed gives
    another permutation), so the indices cannot be equal for a given seed. What must be equal
    is everything else: given PyTorch's permutation for seed + epoch, our padding and striding
    must produce PyTorch's indices exactly; and our own shuffle must be a permutation that
    changes with the epoch and is the same on every rank."""
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    class WithTorchsPermutation(DistributedSampler):
        def permutation(self):
            g = torch.Generator().manual_seed(self.seed + self.epoch)
            return torch.randperm(len(self.dataset), generator=g).tolist()

    data = list(range(n))
    for epoch in (0, 3):
        for rank in range(replicas):
            ours = WithTorchsPermutation(data, replicas, rank, seed=7, drop_last=drop_last)
            theirs = TorchSampler(data, replicas, rank, seed=7, drop_last=drop_last)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)
    own = [DistributedSampler(data, replicas, r, seed=7) for r in range(replicas)]
    assert sorted(own[0].permutation()) == data
    assert set().union(*map(set, own)) == set(data)
    first = own[0].permutation()
    own[0].set_epoch(1)
    assert own[0].permutation() != first
    assert own[1].permutation() == first


def test_distributed_sampler_checks_rank():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(list(range(5)), num_replicas=3, rank=3)
