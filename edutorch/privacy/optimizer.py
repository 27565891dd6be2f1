"""``DPOptimizer``: DP-SGD's clip, noise and average, around any optimizer (Opacus's API).

Before the wrapped optimizer's step, from the per-sample gradients ``p.grad_sample``:

1. each example's gradient, all parameters together, is scaled to norm at most C:
   factor_n = min(1, C / (||g_n|| + 1e-6));
2. the clipped gradients are summed and Gaussian noise of std sigma * C is added (one clipped
   example moves the sum by at most C, so this noise hides any single example);
3. with ``loss_reduction="mean"`` the result is divided by the *expected* batch size: with
   Poisson sampling the actual size is random, and dividing by it would leak it.
"""
from __future__ import annotations

from .. import einsum, normal, stack, zeros_like


class DPOptimizer:
    def __init__(self, optimizer, *, noise_multiplier: float, max_grad_norm: float,
                 expected_batch_size: int | None, loss_reduction: str = "mean",
                 generator=None, secure_mode: bool = False) -> None:
        if loss_reduction not in ("mean", "sum"):
            raise ValueError(f"DPOptimizer: unexpected value for loss_reduction: "
                             f"{loss_reduction!r} (expected 'mean' or 'sum')")
        if loss_reduction == "mean" and expected_batch_size is None:
            raise ValueError("DPOptimizer: you must provide expected batch size of the loss "
                             "reduction is mean")
        self.original_optimizer = optimizer
        self.noise_multiplier = noise_multiplier
        self.max_grad_norm = max_grad_norm
        self.expected_batch_size = expected_batch_size
        self.loss_reduction = loss_reduction
        self.generator = generator
        self.secure_mode = secure_mode
        self.step_hook = None

    # the wrapped optimizer's face
    @property
    def param_groups(self):
        return self.original_optimizer.param_groups

    @property
    def state(self):
        return self.original_optimizer.state

    @property
    def defaults(self):
        return self.original_optimizer.defaults

    @property
    def params(self) -> list:
        return [p for g in self.param_groups for p in g["params"] if p.requires_grad]

    def state_dict(self):
        return self.original_optimizer.state_dict()

    def load_state_dict(self, state_dict) -> None:
        self.original_optimizer.load_state_dict(state_dict)

    def attach_step_hook(self, fn) -> None:
        """``fn(self)`` runs after each noisy step (the accountant counts it)."""
        self.step_hook = fn

    # DP-SGD
    def clip_and_accumulate(self) -> None:
        params = [p for p in self.params if getattr(p, "grad_sample", None) is not None]
        if not params:
            raise ValueError("DPOptimizer: no per-sample gradients. Wrap the model in "
                             "GradSampleModule (or use PrivacyEngine.make_private) and call "
                             "backward before step().")
        n = params[0].grad_sample.shape[0]
        norms = stack([p.grad_sample.reshape(n, -1).norm(2, dim=-1) for p in params], 1)
        per_sample_norm = norms.norm(2, dim=1)  # over all parameters of each example
        factor = (self.max_grad_norm / (per_sample_norm + 1e-6)).clamp(max=1.0)
        for p in params:
            p.summed_grad = einsum("i,i...", factor.to(p.grad_sample.dtype), p.grad_sample)

    def add_noise(self) -> None:
        std = self.noise_multiplier * self.max_grad_norm
        for p in self.params:
            summed = getattr(p, "summed_grad", None)
            if summed is None:
                summed = zeros_like(p)
            noise = (normal(0.0, std, size=tuple(p.shape), generator=self.generator,
                            dtype=p.dtype, device=p.device) if std > 0 else zeros_like(p))
            p.grad = (summed + noise).view_as(p)

    def scale_grad(self) -> None:
        if self.loss_reduction == "mean":
            for p in self.params:
                p.grad = p.grad / self.expected_batch_size

    def pre_step(self) -> bool:
        self.clip_and_accumulate()
        self.add_noise()
        self.scale_grad()
        if self.step_hook is not None:
            self.step_hook(self)
        return True

    def step(self, closure=None):
        if closure is not None:
            from ..autograd import enable_grad
            with enable_grad():
                closure()
        if self.pre_step():
            return self.original_optimizer.step()
        return None

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad_sample = None
            p.summed_grad = None
        self.original_optimizer.zero_grad(set_to_none)

    def __repr__(self) -> str:
        return f"DPOptimizer({self.original_optimizer!r})"
