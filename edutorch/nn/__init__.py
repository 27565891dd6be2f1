"""``edutorch.nn``: layers, losses and the ``Module`` that holds parameters."""
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import *  # noqa: F401,F403


def __getattr__(name: str):
    # nn.parallel (chapter 8) loads on first use, as torch.nn.DataParallel is reached
    if name in ("parallel", "DataParallel"):
        import importlib
        parallel = importlib.import_module(".parallel", __name__)
        return parallel if name == "parallel" else parallel.DataParallel
    raise AttributeError(f"module 'edutorch.nn' has no attribute '{name}'")
