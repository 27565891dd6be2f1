"""``DistributedDataParallel``: one model per process, gradients averaged across processes.

Every rank holds a full copy of the model and runs forward and backward on its own share of
the batch. Training stays in step because (1) at construction rank 0's parameters and buffers
are broadcast, so every copy starts equal, and (2) after each backward every gradient is
replaced by its average over the ranks, so every optimizer takes the same step.

The averaging overlaps with backward. Parameters are grouped into *buckets* in reverse
registration order (the order their gradients are usually produced, the last layer's first);
the first bucket holds about 1 MiB, the others ``bucket_cap_mb`` (25 MiB by default). A hook
on each parameter (``register_post_accumulate_grad_hook``) counts arriving gradients; when a
bucket is complete its gradients are flattened into one tensor and an *asynchronous*
``all_reduce`` is started on it, while backward goes on computing earlier layers' gradients.
When the last bucket has been started, every handle is waited for and each gradient is set to
its slice of the reduced bucket divided by the world size. Buckets are always started in the
same order (0, 1, 2, ...) on every rank, as MPI requires of collectives.
"""
from __future__ import annotations

from contextlib import contextmanager

from ...autograd import is_grad_enabled, no_grad
from ...tensor import Tensor
from ..modules.module import Module

__all__ = ["DistributedDataParallel", "compute_bucket_assignment"]

MiB = 1024 * 1024
DEFAULT_FIRST_BUCKET_BYTES = 1 * MiB
DEFAULT_BUCKET_CAP_MB = 25


def compute_bucket_assignment(sizes: list[int], limits: list[int]) -> list[list[int]]:
    """Group tensors (given by their sizes in bytes, in the order they are expected to be
    ready) into buckets: the i-th bucket closes as soon as it holds at least ``limits[i]``
    bytes (the last limit repeats). Returns each bucket's tensor indices.

    >>> compute_bucket_assignment([4, 4, 4, 4, 4], [4, 8])
    [[0], [1, 2], [3, 4]]
    """
    buckets, current, filled = [], [], 0
    for i, size in enumerate(sizes):
        current.append(i)
        filled += size
        if filled >= limits[min(len(buckets), len(limits) - 1)]:
            buckets.append(current)
            current, filled = [], 0
    if current:
        buckets.append(current)
    return buckets


class _Bucket:
    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        self.pending = len(params)  # gradients still to arrive in this backward
        self.flat = None            # the flattened gradients being reduced
        self.work = None


class DistributedDataParallel(Module):
    """Wrap ``module`` so that its gradients are averaged across all ranks after backward.

    ``dist.init_process_group`` must have been called. Call the wrapper as the module; call
    ``backward`` on the loss as usual; gradients arrive averaged. ``no_sync()`` skips the
    averaging (gradients accumulate locally until the next synchronised backward).
    ``find_unused_parameters=True`` lets a forward leave some parameters out of the graph (found
    by walking the output's graph); otherwise every parameter must get a gradient.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False) -> None:
        super().__init__()
        from ... import distributed as dist
        if not dist.is_initialized():
            raise ValueError("DistributedDataParallel: Default process group has not been "
                             "initialized, please make sure to call init_process_group.")
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self.module = module
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self._dist = dist
        self._world_size = dist.get_world_size()
        self._sync_module_states()

        first = DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else bucket_cap_mb * MiB
        cap = (DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * MiB
        params = [p for p in module.parameters() if p.requires_grad][::-1]  # reverse order
        assignment = compute_bucket_assignment(
            [p.numel() * p.element_size() for p in params], [int(first), int(cap)])
        self._buckets = [_Bucket([params[i] for i in idx]) for idx in assignment]
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._expect_reduction = False  # a synchronised forward ran; its backward has not
        self._next_bucket = 0
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready)
                         for p in params]

    # -- keeping the copies equal --------------------------------------------------------------
    def _sync_module_states(self) -> None:
        """Every rank takes rank 0's parameters and buffers."""
        with no_grad():
            for t in list(self.module.parameters()) + list(self.module.buffers()):
                self._dist.broadcast(t.detach(), src=0)

    def forward(self, *inputs, **kwargs):
        if self._expect_reduction:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss. You can enable unused parameter detection by passing "
                "the keyword argument `find_unused_parameters=True` to "
                "DistributedDataParallel, or make sure all forward outputs participate in "
                "calculating loss.")
        if self.broadcast_buffers:
            with no_grad():
                for b in self.module.buffers():
                    self._dist.broadcast(b.detach(), src=0)
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(output)
        return output

    def _prepare_for_backward(self, output) -> None:
        for b in self._buckets:
            b.pending, b.flat, b.work = len(b.params), None, None
        self._next_bucket = 0
        self._unused = set()
        if self.find_unused_parameters:
            used = _leaves_reached(output)
            self._unused = {id(p) for b in self._buckets for p in b.params if id(p) not in used}
            for b in self._buckets:
                b.pending -= sum(id(p) in self._unused for p in b.params)
        self._expect_reduction = True
        self._launch_ready_buckets()  # buckets whose parameters all went unused

    # -- the hooks that overlap communication with backward --------------------------------
    def _grad_ready(self, param: Tensor) -> None:
        if not self.require_backward_grad_sync or not self._expect_reduction:
            return  # inside no_sync(), or a backward that no synchronised forward prepared
        bucket = self._bucket_of[id(param)]
        bucket.pending -= 1
        self._launch_ready_buckets()

    def _launch_ready_buckets(self) -> None:
        # in bucket order only: every rank must start the same collectives in the same order
        while self._next_bucket < len(self._buckets) and \
                self._buckets[self._next_bucket].pending == 0:
            bucket = self._buckets[self._next_bucket]
            with no_grad():
                bucket.flat = _cat([_grad_or_zeros(p) for p in bucket.params])
            bucket.work = self._dist.all_reduce(bucket.flat, async_op=True)
            self._next_bucket += 1
        if self._expect_reduction and self._next_bucket == len(self._buckets):
            self._finish_reduction()

    def _finish_reduction(self) -> None:
        """Wait for every bucket, then give each parameter its averaged gradient."""
        unused_everywhere = self._globally_unused()
        with no_grad():
            for bucket in self._buckets:
                bucket.work.wait()
                offset = 0
                for p in bucket.params:
                    n = p.numel()
                    if id(p) not in unused_everywhere:
                        avg = bucket.flat[offset:offset + n].reshape(p.shape) / self._world_size
                        p.grad = avg.to(p.dtype)
                    offset += n
                bucket.flat = bucket.work = None
        self._expect_reduction = False

    def _globally_unused(self) -> set:
        """Parameters no rank used: PyTorch leaves their ``.grad`` as it was."""
        if not self.find_unused_parameters:
            return set()
        params = [p for b in self._buckets for p in b.params]
        from ..._ops.creation import tensor
        used = tensor([0 if id(p) in self._unused else 1 for p in params])
        self._dist.all_reduce(used)
        return {id(p) for p, u in zip(params, used.tolist()) if u == 0}

    @contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without averaging them; the first
        synchronised backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def bucket_sizes(self) -> list[int]:
        """How many parameters each bucket holds, in launch order (for inspection)."""
        return [len(b.params) for b in self._buckets]

    def extra_repr(self) -> str:
        return f"world_size={self._world_size}, buckets={self.bucket_sizes()}"


def _grad_or_zeros(p: Tensor) -> Tensor:
    from ..._ops.creation import zeros
    return (p.grad if p.grad is not None else zeros(p.shape, dtype=p.dtype)).reshape(-1)


def _cat(flat: list[Tensor]) -> Tensor:
    from ..._ops.shape import cat
    return cat(flat)


def _leaves_reached(output) -> set:
    """The ids of the leaf tensors whose gradient a backward from ``output`` would reach."""
    roots = []

    def collect(o):
        if isinstance(o, Tensor):
            if o.grad_fn is not None:
                roots.append(o.grad_fn)
        elif isinstance(o, (list, tuple)):
            for x in o:
                collect(x)
        elif isinstance(o, dict):
            for x in o.values():
                collect(x)
    collect(output)
    seen, stack, leaves = set(), list(roots), set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.add(id(variable))
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return leaves
