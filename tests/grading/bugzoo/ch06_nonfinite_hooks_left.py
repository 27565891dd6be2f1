"""first_nonfinite_module leaves its hooks on the model."""
import edutorch
from solutions.ch06_tools import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch06_tools", "first_nonfinite_module"
BUG = "the forward hooks are never removed"


def first_nonfinite_module(model, x):
    bad = []

    def watch(name):
        def hook(module, args, output):
            if not bool(edutorch.isfinite(output).all()):
                bad.append(name)
        return hook
    for n, m in model.named_modules():
        m.register_forward_hook(watch(n))
    model(x)
    return bad[0] if bad else None
