"""softplus computes log(1 + exp(x)) directly: inf at x = 800."""
import edutorch
from edutorch.autograd import Function
from solutions.ch08_faq import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch08_faq", "softplus"
BUG = "overflow for large x"


class _Softplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return edutorch.log(1 + edutorch.exp(x))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * edutorch.sigmoid(x)


def softplus(x):
    return _Softplus.apply(x)
