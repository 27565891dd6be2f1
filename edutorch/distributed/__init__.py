"""``edutorch.distributed``: processes that train together, over MPI (``torch.distributed``'s API).

Start the ranks with ``python -m edutorch.distributed.run --nproc-per-node 2 script.py`` (or
``mpiexec -n 2 python script.py``); in the script::

    import edutorch.distributed as dist
    dist.init_process_group("mpi")
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
"""
from .distributed_c10d import *  # noqa: F401,F403
from .distributed_c10d import default_pg_timeout  # noqa: F401

group = GroupMember  # noqa: F405 - ``dist.group.WORLD`` as in PyTorch
