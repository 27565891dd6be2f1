import edutorch as torch
import edutorch.distributed as dist
from edutorch import nn
from edutorch.nn.parallel import DistributedDataParallel as DDP


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 3))

def train(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(100):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()

g = torch.Generator().manual_seed(1)
x, y = torch.randn(16, 8, generator=g), torch.randn(16, 3, generator=g)
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
net = mlp()
share = slice(rank * 8, rank * 8 + 8)
train(DDP(net), x[share], y[share])
w = net[0].weight.detach()
gathered = [torch.zeros_like(w) for _ in range(world)]
dist.all_gather(gathered, w)
if rank == 0:
    alone = mlp()
    train(alone, x, y)
    print("ranks bit-identical:", torch.equal(gathered[0], gathered[1]))
    print("max |DDP - one process| below 1e-6:", (w - alone[0].weight).abs().max().item() < 1e-6)
dist.destroy_process_group()
