"""``PrivacyEngine``: turn a model, an optimizer and a data loader into their DP-SGD versions
and keep the privacy account (Opacus's entry point)."""
from __future__ import annotations

import warnings

from .accountant import RDPAccountant, get_noise_multiplier
from .data_loader import DPDataLoader
from .grad_sample import GradSampleModule
from .optimizer import DPOptimizer


class PrivacyEngine:
    def __init__(self, *, accountant: str = "rdp", secure_mode: bool = False) -> None:
        if accountant != "rdp":
            raise ValueError(f"PrivacyEngine: only accountant='rdp' is implemented, got "
                             f"{accountant!r}")
        self.accountant = RDPAccountant()
        self.secure_mode = secure_mode

    def make_private(self, *, module, optimizer, data_loader, noise_multiplier: float,
                     max_grad_norm: float, batch_first: bool = True,
                     loss_reduction: str = "mean", poisson_sampling: bool = True,
                     noise_generator=None, **kwargs):
        """(GradSampleModule, DPOptimizer, DataLoader): per-sample gradients on the model,
        clip-and-noise in the optimizer, Poisson batches from the loader; each step is
        recorded by the accountant."""
        params = {id(p) for p in module.parameters()}
        for group in optimizer.param_groups:
            for p in group["params"]:
                if id(p) not in params:
                    raise ValueError("Module parameters are different than optimizer "
                                     "Parameters")
        if isinstance(max_grad_norm, (list, tuple)):
            raise ValueError("make_private: only flat clipping (one max_grad_norm) is "
                             "implemented")
        module = GradSampleModule(module, batch_first=batch_first,
                                  loss_reduction=loss_reduction)
        if poisson_sampling:
            data_loader = DPDataLoader.from_data_loader(data_loader, generator=noise_generator)
        sample_rate = 1 / len(data_loader)
        expected_batch_size = int(len(data_loader.dataset) * sample_rate)
        optimizer = DPOptimizer(optimizer, noise_multiplier=noise_multiplier,
                                max_grad_norm=max_grad_norm,
                                expected_batch_size=expected_batch_size,
                                loss_reduction=loss_reduction, generator=noise_generator,
                                secure_mode=self.secure_mode)
        optimizer.attach_step_hook(self.accountant.get_optimizer_hook_fn(sample_rate))
        return module, optimizer, data_loader

    def make_private_with_epsilon(self, *, module, optimizer, data_loader,
                                  target_epsilon: float, target_delta: float, epochs: int,
                                  max_grad_norm: float, **kwargs):
        """``make_private`` with the noise multiplier that spends exactly the budget
        (target_epsilon, target_delta) after ``epochs`` epochs."""
        sample_rate = 1 / len(data_loader)
        if len(self.accountant) > 0:
            warnings.warn("You're calling make_private_with_epsilon with non-zero privacy "
                          "budget already spent. Returned noise_multiplier assumes zero "
                          "starting point, so your overall privacy budget will be higher.",
                          stacklevel=2)
        sigma = get_noise_multiplier(target_epsilon=target_epsilon, target_delta=target_delta,
                                     sample_rate=sample_rate, epochs=epochs)
        return self.make_private(module=module, optimizer=optimizer, data_loader=data_loader,
                                 noise_multiplier=sigma, max_grad_norm=max_grad_norm, **kwargs)

    def get_epsilon(self, delta: float) -> float:
        return self.accountant.get_epsilon(delta)
