"""``edutorch.interpret``: attribution methods with Captum's API and numbers (chapter 7).

    from edutorch.interpret import IntegratedGradients
    ig = IntegratedGradients(model)
    attributions, delta = ig.attribute(x, target=3, return_convergence_delta=True)
"""
from .integrated_gradients import IntegratedGradients
from .occlusion import Occlusion
from .saliency import InputXGradient, Saliency

__all__ = ["IntegratedGradients", "InputXGradient", "Occlusion", "Saliency"]
