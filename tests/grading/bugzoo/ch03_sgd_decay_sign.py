"""sgd_momentum_step subtracts the weight decay term from the gradient."""
from solutions.ch03_algorithms import *  # noqa: F401,F403
from solutions.ch03_algorithms import sgd_momentum_step as _right

CHAPTER, BREAKS = "ch03_algorithms", "sgd_momentum_step"
BUG = "g - lambda * theta instead of g + lambda * theta"


def sgd_momentum_step(param, grad, buf, lr, momentum, weight_decay=0.0, nesterov=False):
    return _right(param, grad - 2 * weight_decay * param, buf, lr, momentum, weight_decay,
                  nesterov)
