"""edutorch.distributed over MPI: the collectives on two ranks, the launcher, and errors."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from mpi_run import mpiexec, run_ranks

import edutorch.distributed as dist


def test_collectives_on_two_ranks():
    res = run_ranks(2, "collectives_worker.py")
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(res.stdout.split("\n")[:2]) == ["ok 0", "ok 1"], res.stdout


def test_launcher_sets_torchrun_variables(tmp_path):
    mpiexec()
    script = tmp_path / "show_env.py"
    script.write_text("import os, sys\n"
                      "import edutorch.distributed as dist\n"
                      "dist.init_process_group('mpi')\n"
                      "line = ' '.join(map(str, (dist.get_rank(), os.environ['RANK'], "
                      "os.environ['LOCAL_RANK'], os.environ['WORLD_SIZE'], sys.argv[1:])))\n"
                      "sys.stdout.write(line + '\\n')  # one write: ranks share the pipe\n"
                      "sys.stdout.flush()\n")
    res = subprocess.run([sys.executable, "-m", "edutorch.distributed.run", "--nproc-per-node",
                          "2", str(script), "--lr", "0.1"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    lines = sorted(res.stdout.strip().splitlines())
    assert lines == ["0 0 0 2 ['--lr', '0.1']", "1 1 1 2 ['--lr', '0.1']"], res.stdout


def test_launcher_dry_run_prints_the_mpiexec_command():
    res = subprocess.run([sys.executable, "-m", "edutorch.distributed.run", "--nproc-per-node",
                          "3", "--dry-run", "train.py", "-x"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    words = res.stdout.split()
    assert words[0].endswith("mpiexec") and words[1:3] == ["-n", "3"]
    assert words[-4:] == ["edutorch.distributed.run", "--worker", "train.py", "-x"]


def test_launcher_failing_script_returns_nonzero(tmp_path):
    mpiexec()
    script = tmp_path / "fail.py"
    script.write_text("import sys\nimport edutorch.distributed as dist\n"
                      "dist.init_process_group('mpi')\n"
                      "if dist.get_rank() == 1:\n    sys.exit(3)\n"
                      "dist.barrier()\n")  # rank 0 would wait here for ever
    res = subprocess.run([sys.executable, "-m", "edutorch.distributed.run", "--nproc-per-node",
                          "2", str(script)], capture_output=True, text=True, timeout=60)
    assert res.returncode != 0


def test_single_process_group_without_mpiexec():
    pytest.importorskip("mpi4py")
    code = ("import edutorch as torch, edutorch.distributed as dist\n"
            "dist.init_process_group('mpi')\n"
            "t = torch.ones(2); dist.all_reduce(t, op=dist.ReduceOp.AVG)\n"
            "print(dist.get_rank(), dist.get_world_size(), t.tolist())\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "RANK": "0", "WORLD_SIZE": "1"})
    assert res.stdout.strip() == "0 1 [1.0, 1.0]", res.stderr


def test_world_size_from_env_must_match_mpi():
    pytest.importorskip("mpi4py")
    code = "import edutorch.distributed as dist\ndist.init_process_group('mpi')\n"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "WORLD_SIZE": "2"})
    assert res.returncode != 0
    assert "WORLD_SIZE=2 but MPI's world_size is 1" in res.stderr


def test_errors_without_a_group():
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="get_rank.*has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group("nccl")
