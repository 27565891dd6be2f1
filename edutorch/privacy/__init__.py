"""``edutorch.privacy``: differentially private training (DP-SGD) with Opacus's API and numbers
(chapter 7).

    engine = PrivacyEngine()
    model, optimizer, loader = engine.make_private(
        module=model, optimizer=optimizer, data_loader=loader,
        noise_multiplier=1.1, max_grad_norm=1.0)
    ...train as usual...
    engine.get_epsilon(delta=1e-5)
"""
from .accountant import RDPAccountant, get_noise_multiplier
from .data_loader import DPDataLoader, UniformWithReplacementSampler
from .grad_sample import GradSampleModule
from .optimizer import DPOptimizer
from .privacy_engine import PrivacyEngine

__all__ = ["DPDataLoader", "DPOptimizer", "GradSampleModule", "PrivacyEngine",
           "RDPAccountant", "UniformWithReplacementSampler", "get_noise_multiplier"]
