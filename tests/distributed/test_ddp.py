"""DistributedDataParallel on two MPI ranks against one process (ddp_worker.py does the
training), bucket assignment, and what happens when a rank dies."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from mpi_run import HERE, run_ranks

import edutorch as torch
from edutorch.nn.parallel.distributed import compute_bucket_assignment


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("single") / "params")
    subprocess.run([sys.executable, os.path.join(HERE, "ddp_worker.py"), "single", out],
                   check=True, timeout=120)
    return torch.load(out + "_0")


@pytest.mark.parametrize("mode, buckets", [("ddp", "[6]"), ("no_sync", "[6]"),
                                           ("uneven", "[4, 2]"), ("unused", "[8]")])
def test_two_ranks_train_as_one_process(single, tmp_path, mode, buckets):
    """100 SGD+momentum steps on 2 ranks x 8 rows equal 100 steps on 16 rows in one process;
    both ranks end with bit-identical parameters (rank 1 starts from other weights)."""
    out = str(tmp_path / "params")
    res = run_ranks(2, "ddp_worker.py", mode, out)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"buckets {buckets}" in res.stdout
    r0, r1 = torch.load(out + "_0"), torch.load(out + "_1")
    assert r0.keys() == single.keys()
    for k in single:
        assert torch.equal(r0[k], r1[k]), f"{k}: ranks differ"
        err = (r0[k] - single[k]).abs().max().item()
        assert err <= 1e-6, f"{mode} {k}: differs from one process by {err}"


@pytest.mark.parametrize("how", ["die", "raise"])
def test_a_failing_rank_ends_the_other(tmp_path, how):
    """Rank 1 is killed (SIGKILL) or raises at step 20; rank 0, waiting in its allreduce,
    must end too, with an error, instead of hanging. The time from failure to exit is printed
    (run with -s to see it)."""
    res = run_ranks(2, "ddp_worker.py", how, str(tmp_path / "params"), timeout=60)
    ended = time.time()
    assert res.returncode != 0
    assert not os.path.exists(tmp_path / "params_0"), "rank 0 finished training alone"
    failed = float(re.search(r"(?:dying|raising) (\d+\.\d+)", res.stdout).group(1))
    print(f"\nrank 1 {how}: mpiexec returned {ended - failed:.2f} s later, rc {res.returncode}")


def test_bucket_assignment_closes_each_bucket_at_its_limit():
    assert compute_bucket_assignment([4, 4, 4, 4, 4], [4, 8]) == [[0], [1, 2], [3, 4]]
    assert compute_bucket_assignment([10, 1, 1], [4]) == [[0], [1, 2]]
    assert compute_bucket_assignment([], [4]) == []


def test_ddp_needs_a_process_group():
    with pytest.raises(ValueError, match="init_process_group"):
        torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))
