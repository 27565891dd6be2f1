"""sgd_momentum_step ignores nesterov."""
from solutions.ch03_algorithms import *  # noqa: F401,F403
from solutions.ch03_algorithms import sgd_momentum_step as _right

CHAPTER, BREAKS = "ch03_algorithms", "sgd_momentum_step"
BUG = "nesterov=True steps along the buffer, not g + momentum * buffer"


def sgd_momentum_step(param, grad, buf, lr, momentum, weight_decay=0.0, nesterov=False):
    return _right(param, grad, buf, lr, momentum, weight_decay, nesterov=False)
