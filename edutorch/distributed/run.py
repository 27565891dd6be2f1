"""``python -m edutorch.distributed.run``: start a training script on several processes, in the
manner of ``torchrun``, through MPI's own launcher.

::

    python -m edutorch.distributed.run --nproc-per-node 2 train.py --epochs 3

runs (``--dry-run`` prints it)::

    mpiexec -n 2 python -m edutorch.distributed.run --worker train.py --epochs 3

Each worker sets the variables torchrun sets (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) from MPI's (``PMI_RANK``,
``PMI_SIZE``, ``MPI_LOCALRANKID``), then runs the script as ``__main__``. If the script raises
or exits with a non-zero status, the worker calls ``MPI_Abort``, so that no other rank waits
forever in a collective; ``mpiexec`` then ends them all and returns non-zero. Across machines,
pass ``--hostfile FILE`` (MPICH's host file: one host per line) and ``--nnodes``.
"""
from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys


def mpiexec_command(nproc_per_node: int, script: list[str], nnodes: int = 1,
                    hostfile: str | None = None, module: bool = False) -> list[str]:
    """The ``mpiexec`` command line that starts ``nnodes * nproc_per_node`` workers."""
    mpiexec = shutil.which("mpiexec") or os.path.join(os.path.dirname(sys.executable),
                                                      "mpiexec")
    cmd = [mpiexec, "-n", str(nnodes * nproc_per_node)]
    if hostfile:
        cmd += ["-f", hostfile, "-ppn", str(nproc_per_node)]
    cmd += [sys.executable, "-m", "edutorch.distributed.run", "--worker"]
    return cmd + (["-m"] if module else []) + script


def _worker(script: list[str], module: bool) -> int:
    env = os.environ
    rank, size = env.get("PMI_RANK", "0"), env.get("PMI_SIZE", "1")
    env.setdefault("RANK", rank)
    env.setdefault("WORLD_SIZE", size)
    env.setdefault("LOCAL_RANK", env.get("MPI_LOCALRANKID", rank))
    env.setdefault("LOCAL_WORLD_SIZE", env.get("MPI_LOCALNRANKS", size))
    env.setdefault("MASTER_ADDR", "127.0.0.1")
    env.setdefault("MASTER_PORT", "29500")
    sys.argv = list(script)
    try:
        if module:
            runpy.run_module(script[0], run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(script[0])))
            runpy.run_path(script[0], run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if code != 0:
            _abort(code)
        return 0
    except BaseException:
        import traceback
        traceback.print_exc()
        _abort(1)
    return 0


def _abort(code: int) -> None:
    """End every rank now: this one failed, and the others may be waiting for it."""
    sys.stderr.flush()
    if int(os.environ.get("PMI_SIZE", "1")) > 1:
        from mpi4py import MPI
        MPI.COMM_WORLD.Abort(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m edutorch.distributed.run",
                                description="Start a training script on several processes "
                                            "through mpiexec (like torchrun).")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1,
                   help="processes on this machine (default 1)")
    p.add_argument("--nnodes", type=int, default=1, help="machines (default 1)")
    p.add_argument("--hostfile", help="MPICH host file for several machines")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the script as a module (python -m)")
    p.add_argument("--dry-run", action="store_true", help="print the mpiexec command and stop")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("script", help="the training script (or module with -m)")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    script = [args.script] + args.script_args
    if args.worker:
        return _worker(script, args.module)
    if args.nproc_per_node < 1 or args.nnodes < 1:
        p.error("--nproc-per-node and --nnodes must be at least 1")
    if args.nnodes > 1 and not args.hostfile:
        p.error("--nnodes > 1 needs --hostfile (the machines to start the processes on)")
    cmd = mpiexec_command(args.nproc_per_node, script, args.nnodes, args.hostfile, args.module)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    if not os.path.exists(cmd[0]):
        print("edutorch.distributed.run: mpiexec not found; pip install 'edutorch[mpi]'",
              file=sys.stderr)
        return 127
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
