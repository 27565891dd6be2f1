"""Run under ``mpiexec -n 2`` by test_collectives.py: checks each collective on both ranks and
prints ``ok RANK`` at the end (an AssertionError aborts every rank)."""
import sys

import edutorch as torch
import edutorch.distributed as dist

assert not dist.is_initialized()
dist.init_process_group(backend="mpi", init_method="env://")
assert dist.is_initialized() and dist.get_backend() == "mpi"
r, n = dist.get_rank(), dist.get_world_size()
assert n == 2

base = torch.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=torch.float64)
mine = base * (r + 1)                         # rank 0: base, rank 1: 2 * base
expect = {dist.ReduceOp.SUM: base * 3, dist.ReduceOp.AVG: base * 1.5,
          dist.ReduceOp.PRODUCT: base * base * 2, dist.ReduceOp.MAX: torch.maximum(base, base * 2),
          dist.ReduceOp.MIN: torch.minimum(base, base * 2)}
for op, want in expect.items():
    t = mine.clone()
    assert dist.all_reduce(t, op=op) is None
    assert torch.equal(t, want), (op, t, want)

t = mine.clone()
work = dist.all_reduce(t, async_op=True)       # async: a handle, result after wait()
assert work.wait() and work.is_completed()
assert torch.equal(t, base * 3)

col = mine.clone()[:, 1]                        # a strided view: reduced through a copy
dist.all_reduce(col)
assert torch.equal(col, base[:, 1] * 3)

ints = torch.tensor([r, 10 - r])
dist.all_reduce(ints, op=dist.ReduceOp.MAX)
assert ints.tolist() == [1, 10] and ints.dtype == torch.int64

t = torch.full((3,), float(r))
dist.broadcast(t, src=1)
assert t.tolist() == [1.0, 1.0, 1.0]
t = torch.full((3,), float(r) + 5)
dist.broadcast(t, src=0, async_op=True).wait()
assert t.tolist() == [5.0, 5.0, 5.0]

out = [torch.zeros(2, 2) for _ in range(n)]
dist.all_gather(out, torch.full((2, 2), r + 0.5))
assert [o[0, 0].item() for o in out] == [0.5, 1.5]

for bad, msg in ((lambda: dist.broadcast(t, src=2), "src=2"),
                 (lambda: dist.all_gather([torch.zeros(2)], torch.zeros(2)), "one per rank"),
                 (lambda: dist.all_reduce(torch.tensor([1, 2]), op=dist.ReduceOp.AVG),
                  "floating-point")):
    try:
        bad()
    except (ValueError, TypeError) as e:
        assert msg in str(e), e
    else:
        raise AssertionError(f"no error for {msg}")

dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
# one write per line: with two ranks on one pipe, print's separate pieces could interleave
sys.stdout.write(f"ok {r}\n")
sys.stdout.flush()
