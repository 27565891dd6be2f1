"""The process group and its collectives, over MPI (``mpi4py``), with ``torch.distributed``'s API.

A *process group* is the set of processes (ranks ``0 .. world_size - 1``) that train together.
Each rank runs the same script on its own share of the data; a *collective* is a call that
every rank makes, in the same order, and that combines their tensors:

=================  =====================================================================
``all_reduce``     every rank ends with ``op(x_0, ..., x_{n-1})`` (elementwise), in place
``broadcast``      every rank ends with rank ``src``'s tensor, in place
``all_gather``     every rank ends with the list ``[x_0, ..., x_{n-1}]``
``barrier``        no rank leaves until every rank has arrived
=================  =====================================================================

MPI (here MPICH, started by ``mpiexec``) already does all of this, on one machine or across
many; this module only translates tensors to MPI buffers and PyTorch's names to MPI's. With
``async_op=True`` a collective returns a :class:`Work` handle at once (an MPI request) and
``handle.wait()`` finishes it: the overlap ``DistributedDataParallel`` builds on.

Failures: MPICH's ``mpiexec`` ends every rank when one of them dies, and a rank that raises an
uncaught exception calls ``MPI_Abort`` (installed by :func:`init_process_group`), so the others
stop with an error instead of waiting forever inside a collective.
"""
from __future__ import annotations

import enum
import os
import sys
from datetime import timedelta

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["ReduceOp", "Work", "GroupMember", "is_available", "is_mpi_available",
           "init_process_group", "is_initialized", "destroy_process_group", "get_rank",
           "get_world_size", "get_backend", "all_reduce", "broadcast", "all_gather",
           "barrier", "DistBackendError"]

default_pg_timeout = timedelta(minutes=30)


class DistBackendError(RuntimeError):
    """A collective failed inside the communication library."""


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' tensors (elementwise)."""
    SUM = "sum"
    AVG = "avg"          # a SUM, then a division by the world size
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {list(ReduceOp).index(self)}>"


class _World:
    """The one process group this module supports (PyTorch's default group, ``WORLD``)."""

    def __repr__(self) -> str:
        return "<edutorch.distributed.ProcessGroup WORLD>"


class GroupMember:
    WORLD = _World()
    NON_GROUP_MEMBER = None


_state: dict = {"comm": None, "backend": None, "timeout": None, "excepthook": None}


def _mpi():
    from mpi4py import MPI  # importing it initialises MPI: only when a group is made
    return MPI


def is_available() -> bool:
    """True: the API is always importable (``is_mpi_available`` says whether it can run)."""
    return True


def is_mpi_available() -> bool:
    """Whether ``mpi4py`` is installed (``pip install "edutorch[mpi]"``)."""
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


# ----------------------------------------------------------------------------------------------
# the group's life
# ----------------------------------------------------------------------------------------------

def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the default process group.

    ``backend`` must be ``"mpi"`` (or None, meaning MPI). With MPI the rank and world size come
    from the MPI communicator that ``mpiexec`` (or ``python -m edutorch.distributed.run``)
    set up. ``init_method`` may be None or ``"env://"``: the environment variables launchers
    set (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) are then read, and a
    ``RANK``/``WORLD_SIZE`` (or an explicit ``rank``/``world_size``) that disagrees with MPI's
    is an error, as is a script started with plain ``python`` when ``WORLD_SIZE`` asks for
    more than one process.
    """
    if _state["comm"] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    backend = "mpi" if backend is None else str(backend).lower()
    if backend != "mpi":
        raise ValueError(f"init_process_group(): backend {backend!r} is not available in "
                         f"edutorch; its collectives run over MPI: use backend='mpi' and start "
                         f"the ranks with mpiexec or python -m edutorch.distributed.run")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group(): init_method {init_method!r} is not supported "
                         f"with the MPI backend (MPI's launcher connects the ranks); use None "
                         f"or 'env://'")
    if store is not None:
        raise ValueError("init_process_group(): a store is not used by the MPI backend")
    if not is_mpi_available():
        raise RuntimeError("init_process_group(backend='mpi'): mpi4py is not installed; "
                           "pip install 'edutorch[mpi]' (installs mpi4py and mpich)")
    comm = _mpi().COMM_WORLD
    mpi_rank, mpi_size = comm.Get_rank(), comm.Get_size()
    for what, given, env, actual in (("rank", rank, "RANK", mpi_rank),
                                     ("world_size", world_size, "WORLD_SIZE", mpi_size)):
        if given not in (-1, None) and int(given) != actual:
            raise ValueError(f"init_process_group(): {what}={given} but MPI started this "
                             f"process as {what} {actual} (with the MPI backend, mpiexec "
                             f"decides ranks)")
        if env in os.environ and int(os.environ[env]) != actual:
            hint = (" (was the script started with plain python? start it with "
                    f"python -m edutorch.distributed.run --nproc-per-node "
                    f"{os.environ[env]} or mpiexec -n {os.environ[env]})"
                    if env == "WORLD_SIZE" else "")
            raise ValueError(f"init_process_group(): environment variable {env}="
                             f"{os.environ[env]} but MPI's {what} is {actual}{hint}")
    _state.update(comm=comm, backend="mpi", timeout=timeout or default_pg_timeout)
    if mpi_size > 1:
        _abort_on_uncaught_exception(comm)


def _abort_on_uncaught_exception(comm) -> None:
    """A rank that dies of an exception must not leave the others waiting in a collective: it
    prints its traceback and calls MPI_Abort, and mpiexec then ends every rank."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        sys.stderr.flush()
        comm.Abort(1)

    _state["excepthook"] = previous
    sys.excepthook = hook


def is_initialized() -> bool:
    """Whether :func:`init_process_group` has been called (and not undone)."""
    return _state["comm"] is not None


def destroy_process_group(group=None) -> None:
    """Leave the default group (MPI itself is finalised when the process exits)."""
    _check_group(group, "destroy_process_group")
    _require("destroy_process_group")
    if _state["excepthook"] is not None:
        sys.excepthook = _state["excepthook"]
    _state.update(comm=None, backend=None, timeout=None, excepthook=None)


def _require(op: str):
    if _state["comm"] is None:
        raise ValueError(f"{op}(): Default process group has not been initialized, please make "
                         f"sure to call init_process_group.")
    return _state["comm"]


def _check_group(group, op: str) -> None:
    if group is not None and group is not GroupMember.WORLD:
        raise ValueError(f"{op}(): only the default group (group=None) is supported, "
                         f"got {group!r}")


def get_rank(group=None) -> int:
    """This process's rank, 0 .. world_size - 1."""
    _check_group(group, "get_rank")
    return _require("get_rank").Get_rank()


def get_world_size(group=None) -> int:
    """How many processes are in the group."""
    _check_group(group, "get_world_size")
    return _require("get_world_size").Get_size()


def get_backend(group=None) -> str:
    _check_group(group, "get_backend")
    _require("get_backend")
    return _state["backend"]


# ----------------------------------------------------------------------------------------------
# tensors as MPI buffers
# ----------------------------------------------------------------------------------------------

class _Buffer:
    """A contiguous host array holding ``tensor``'s values, and how to put results back.

    A contiguous CPU tensor is its own buffer (MPI writes straight into it); a strided view
    or a GPU tensor is copied to a host array first and copied back by ``write_back``.
    """

    def __init__(self, tensor: Tensor, op: str) -> None:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}(): expected a Tensor, got {type(tensor).__name__}")
        self.tensor = tensor
        array = tensor.detach().numpy(force=True)
        self.direct = tensor.device.type == "cpu" and array.flags.c_contiguous
        self.array = array if self.direct else array.copy(order="C")

    def write_back(self, array=None) -> None:
        array = self.array if array is None else array
        if self.direct and array is self.array:
            return  # MPI wrote into the tensor's own memory
        with no_grad():
            self.tensor.copy_(Tensor._wrap(array).to(self.tensor.device))


class Work:
    """A collective in flight (``async_op=True``): ``wait()`` blocks until it is done on this
    rank, after which the output tensors hold the result."""

    def __init__(self, request, finish) -> None:
        self._request = request
        self._finish = finish
        self._done = False

    def is_completed(self) -> bool:
        if not self._done and self._request is not None and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout: timedelta | None = None) -> bool:
        if not self._done:
            if self._request is not None:
                self._request.Wait()
            self._complete()
        return True

    def _complete(self) -> None:
        self._done = True
        self._finish()

    def __repr__(self) -> str:
        return f"<edutorch.distributed.Work {'completed' if self._done else 'pending'}>"


def _run(request, finish, async_op: bool):
    work = Work(request, finish)
    if async_op:
        return work
    work.wait()
    return None


_MPI_OPS = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD",
            ReduceOp.MIN: "MIN", ReduceOp.MAX: "MAX", ReduceOp.BAND: "BAND", ReduceOp.BOR: "BOR",
            ReduceOp.BXOR: "BXOR"}


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group=None, async_op: bool = False):
    """Replace ``tensor`` on every rank by ``op`` over all ranks' ``tensor`` (elementwise).

    ``ReduceOp.AVG`` is the sum divided by the world size (only for floating-point tensors).
    """
    _check_group(group, "all_reduce")
    comm = _require("all_reduce")
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce(): op must be a ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and not tensor.is_floating_point():
        raise TypeError(f"all_reduce(): ReduceOp.AVG needs a floating-point tensor, got "
                        f"{tensor.dtype}")
    buf = _Buffer(tensor, "all_reduce")
    MPI = _mpi()
    request = comm.Iallreduce(MPI.IN_PLACE, buf.array, getattr(MPI, _MPI_OPS[op]))
    size = comm.Get_size()

    def finish():
        if op is ReduceOp.AVG:
            buf.array /= size
        buf.write_back()
    return _run(request, finish, async_op)


def broadcast(tensor: Tensor, src: int, group=None, async_op: bool = False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    _check_group(group, "broadcast")
    comm = _require("broadcast")
    _check_rank(src, comm, "broadcast", "src")
    buf = _Buffer(tensor, "broadcast")
    request = comm.Ibcast(buf.array, root=src)
    return _run(request, buf.write_back, async_op)


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor``, on every rank.

    ``tensor_list`` holds ``world_size`` tensors with ``tensor``'s shape and dtype.
    """
    _check_group(group, "all_gather")
    comm = _require("all_gather")
    size = comm.Get_size()
    if len(tensor_list) != size:
        raise ValueError(f"all_gather(): tensor_list has {len(tensor_list)} tensors, expected "
                         f"one per rank ({size})")
    for i, t in enumerate(tensor_list):
        if not isinstance(t, Tensor) or t.shape != tensor.shape or t.dtype != tensor.dtype:
            got = f"{tuple(t.shape)} {t.dtype}" if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"all_gather(): tensor_list[{i}] is {got}, expected shape "
                             f"{tuple(tensor.shape)} and dtype {tensor.dtype} like the input")
    send = _Buffer(tensor, "all_gather").array
    # one receive array of shape (world_size, *shape), then one slice per output tensor
    gathered = send.reshape(1, -1).repeat(size, axis=0)
    request = comm.Iallgather(send, gathered)

    def finish():
        for t, row in zip(tensor_list, gathered):
            out = _Buffer(t, "all_gather")
            out.write_back(row.reshape(send.shape))
    return _run(request, finish, async_op)


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank has called ``barrier``."""
    _check_group(group, "barrier")
    comm = _require("barrier")
    return _run(comm.Ibarrier(), lambda: None, async_op)


def _check_rank(r, comm, op: str, name: str) -> None:
    if not isinstance(r, int) or not 0 <= r < comm.Get_size():
        raise ValueError(f"{op}(): {name}={r!r} is not a rank of the group (0 .. "
                         f"{comm.Get_size() - 1})")
