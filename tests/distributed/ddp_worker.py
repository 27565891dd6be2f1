"""Run by tests/distributed/test_ddp.py under ``mpiexec -n 2`` (and once without MPI, as the
single-process reference). Trains a small MLP and writes its final parameters to OUT_rank.

usage: ddp_worker.py MODE OUT  (MODE: ddp | single | no_sync | uneven | unused | die)
"""
import os
import sys
import time

import edutorch as torch
import edutorch.distributed as dist
from edutorch import nn
from edutorch.nn.parallel import DistributedDataParallel as DDP

STEPS, BATCH = 100, 16


def data():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(BATCH, 8, generator=g)
    y = torch.randn(BATCH, 3, generator=g)
    return x, y


def model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                         nn.Linear(32, 3))


class WithSpare(nn.Module):
    """The MLP and a layer that forward never calls."""

    def __init__(self, body):
        super().__init__()
        self.body = body
        self.spare = nn.Linear(3, 3)

    def forward(self, x):
        return self.body(x)


def main(mode: str, out: str) -> None:
    x, y = data()
    if mode == "single":  # the reference: one process, the whole batch
        net, rank = model(), 0
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        for _ in range(STEPS):
            opt.zero_grad()
            nn.functional.mse_loss(net(x), y).backward()
            opt.step()
        torch.save(net.state_dict(), f"{out}_0")
        return
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if rank != 0:
        torch.manual_seed(123)  # a different start: construction must broadcast rank 0's
        net = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                            nn.Linear(32, 3))
    else:
        net = model()
    kwargs = {}
    if mode == "uneven":  # about 1.3 KiB buckets: the parameters split unevenly across them
        kwargs["bucket_cap_mb"] = 1300 / 2 ** 20
    if mode == "unused":
        net = WithSpare(net)
        kwargs["find_unused_parameters"] = True
    ddp = DDP(net, **kwargs)
    if rank == 0:
        print("buckets", ddp.bucket_sizes(), flush=True)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
    share = BATCH // world
    xs, ys = x[rank * share:(rank + 1) * share], y[rank * share:(rank + 1) * share]
    for step in range(STEPS):
        if mode == "die" and step == 20 and rank == 1:
            print(f"dying {time.time():.3f}", flush=True)
            os.kill(os.getpid(), 9)
        if mode == "raise" and step == 20 and rank == 1:
            print(f"raising {time.time():.3f}", flush=True)
            raise RuntimeError("rank 1 fails on purpose")
        opt.zero_grad()
        if mode == "no_sync":  # two half-batches per step: the first without averaging
            half = share // 2
            with ddp.no_sync():
                (nn.functional.mse_loss(ddp(xs[:half]), ys[:half]) / 2).backward()
            (nn.functional.mse_loss(ddp(xs[half:]), ys[half:]) / 2).backward()
        else:
            nn.functional.mse_loss(ddp(xs), ys).backward()
        opt.step()
    if mode == "unused":
        assert all(p.grad is None for p in net.spare.parameters()), "spare got a gradient"
        net = net.body
    torch.save(net.state_dict(), f"{out}_{rank}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
