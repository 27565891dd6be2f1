"""sum_to_shape averages the broadcast copies instead of adding them."""
from solutions.ch02_autograd import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch02_autograd", "sum_to_shape"
BUG = "mean instead of sum over the broadcast dimensions"


def sum_to_shape(grad, shape):
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.mean(axis=tuple(range(extra)))
    stretched = tuple(i for i, (s, g) in enumerate(zip(shape, grad.shape)) if s == 1 and g != 1)
    if stretched:
        grad = grad.mean(axis=stretched, keepdims=True)
    return grad.reshape(shape)
