"""``RDPAccountant``: remembers the (noise, sampling rate, steps) of training and turns them
into epsilon; ``get_noise_multiplier`` searches the noise that spends a given budget. Opacus's
API and numbers."""
from __future__ import annotations

from .rdp import DEFAULT_ALPHAS, compute_rdp, get_privacy_spent

MAX_SIGMA = 1e6


class RDPAccountant:
    DEFAULT_ALPHAS = DEFAULT_ALPHAS

    def __init__(self) -> None:
        self.history: list[tuple[float, float, int]] = []  # (noise_multiplier, q, steps)

    def step(self, *, noise_multiplier: float, sample_rate: float) -> None:
        """One more step; consecutive steps with the same settings share one entry."""
        if self.history and self.history[-1][:2] == (noise_multiplier, sample_rate):
            sigma, q, n = self.history[-1]
            self.history[-1] = (sigma, q, n + 1)
        else:
            self.history.append((noise_multiplier, sample_rate, 1))

    def get_privacy_spent(self, *, delta: float, alphas=None) -> tuple[float, float]:
        if not self.history:
            return 0, 0
        alphas = self.DEFAULT_ALPHAS if alphas is None else alphas
        rdp = [0.0] * len(alphas)
        for sigma, q, steps in self.history:
            rdp = [r + s for r, s in zip(rdp, compute_rdp(q=q, noise_multiplier=sigma,
                                                          steps=steps, orders=alphas))]
        eps, best_alpha = get_privacy_spent(orders=alphas, rdp=rdp, delta=delta)
        return float(eps), float(best_alpha)

    def get_epsilon(self, delta: float, alphas=None, **kwargs) -> float:
        """The epsilon spent so far, for this ``delta``."""
        return self.get_privacy_spent(delta=delta, alphas=alphas)[0]

    def get_optimizer_hook_fn(self, sample_rate: float):
        """What ``DPOptimizer`` calls after each noisy step."""
        def hook_fn(optim) -> None:
            self.step(noise_multiplier=optim.noise_multiplier, sample_rate=sample_rate)
        return hook_fn

    def __len__(self) -> int:
        return len(self.history)

    @classmethod
    def mechanism(cls) -> str:
        return "rdp"


def get_noise_multiplier(*, target_epsilon: float, target_delta: float, sample_rate: float,
                         epochs: int | None = None, steps: int | None = None,
                         accountant: str = "rdp", epsilon_tolerance: float = 0.01,
                         **kwargs) -> float:
    """The smallest noise (to within the tolerance) whose epsilon after ``steps`` (or
    ``epochs / sample_rate``) steps is at most ``target_epsilon``: double sigma until the
    budget holds, then bisect."""
    if (steps is None) == (epochs is None):
        raise ValueError("get_noise_multiplier takes as input EITHER a number of steps or a "
                         "number of epochs")
    if accountant != "rdp":
        raise ValueError(f"get_noise_multiplier: only accountant='rdp' is implemented, got "
                         f"{accountant!r}")
    if steps is None:
        steps = int(epochs / sample_rate)
    acc = RDPAccountant()

    def epsilon(sigma: float) -> float:
        acc.history = [(sigma, sample_rate, steps)]
        return acc.get_epsilon(delta=target_delta, **kwargs)

    sigma_low, sigma_high, eps_high = 0, 10, float("inf")
    while eps_high > target_epsilon:
        sigma_high = 2 * sigma_high
        eps_high = epsilon(sigma_high)
        if sigma_high > MAX_SIGMA:
            raise ValueError("The privacy budget is too low.")
    while target_epsilon - eps_high > epsilon_tolerance:
        sigma = (sigma_low + sigma_high) / 2
        eps = epsilon(sigma)
        if eps < target_epsilon:
            sigma_high, eps_high = sigma, eps
        else:
            sigma_low = sigma
    return sigma_high
