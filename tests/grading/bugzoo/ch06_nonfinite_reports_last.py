"""first_nonfinite_module reports the last module with a non-finite output."""
import edutorch
from solutions.ch06_tools import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch06_tools", "first_nonfinite_module"
BUG = "reports the last non-finite module (where the NaN ends up), not the first"


def first_nonfinite_module(model, x):
    bad = []

    def watch(name):
        def hook(module, args, output):
            if not bool(edutorch.isfinite(output).all()):
                bad.append(name)
        return hook
    handles = [m.register_forward_hook(watch(n)) for n, m in model.named_modules()]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return bad[-1] if bad else None
