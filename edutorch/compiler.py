"""``edutorch.compile``: PyTorch's ``torch.compile`` call, answered by running eagerly.

PyTorch users put ``model = torch.compile(model)`` in front of their training loops; here that
line must work, and the model must learn exactly as before. ``compile`` therefore accepts every
keyword PyTorch's does, checks the ones PyTorch checks, and returns something that runs the
same Python eagerly: for a ``Module``, an :class:`OptimizedModule` wrapping it (as in PyTorch,
its ``state_dict`` keys carry the ``_orig_mod.`` prefix), for a function, a wrapper of it.

edutorch's real compiler is chapter 7's tracing JIT (``edutorch.jit``: ``jit.trace`` records
the ops of one call and replays them fused); it is opt-in because a trace fixes control flow,
while ``torch.compile`` promises to handle any Python.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .nn import Module  # the compiler sits above nn, like chapter 7's jit

_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def _check(mode, options, backend) -> None:
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(m for m in _MODES if m)}")
    if backend is not None and not isinstance(backend, str) and not callable(backend):
        raise TypeError(f"compile(): backend must be a string or a callable, got "
                        f"{type(backend).__name__}")


def compile(model: Callable | None = None, *, fullgraph: bool = False,
            dynamic: bool | None = None, backend: str | Callable | None = None,
            mode: str | None = None, options: dict[str, Any] | None = None,
            name: str | None = None, disable: bool = False, **kwargs) -> Callable:
    """Return ``model`` (a Module or a function) ready to run eagerly, as ``torch.compile``.

    Without ``model`` it returns a decorator (``@edutorch.compile(mode="max-autotune")``).
    ``disable=True`` returns ``model`` itself, as in PyTorch.
    """
    _check(mode, options, backend)
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, name=name, disable=disable,
                                 **kwargs)
    if not callable(model):
        raise RuntimeError("compile(): model must be a callable (a Module or a function), got "
                           f"{type(model).__name__}")
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model)

    @functools.wraps(model)
    def compiled(*args, **kw):
        return model(*args, **kw)
    compiled._torchdynamo_orig_callable = model
    return compiled


class OptimizedModule(Module):
    """A compiled ``Module`` (PyTorch's ``torch._dynamo.eval_frame.OptimizedModule``): holds
    the original as ``_orig_mod`` and forwards calls and attributes to it."""

    def __init__(self, mod: Module) -> None:
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)

    def __repr__(self) -> str:
        return f"OptimizedModule({self._orig_mod!r})"


def disable(fn: Callable | None = None, recursive: bool = True, *, reason: str | None = None):
    """``torch.compiler.disable``: nothing is compiled here, so ``fn`` comes back unchanged."""
    if fn is None:
        return lambda f: f
    return fn


def is_compiling() -> bool:
    """False: edutorch never traces user code behind ``compile``."""
    return False


is_dynamo_compiling = is_compiling


def reset() -> None:
    """Nothing is cached, so there is nothing to clear."""


def list_backends(exclude_tags=("debug", "experimental")) -> list[str]:
    return ["eager"]


__all__ = ["compile", "disable", "is_compiling", "reset", "list_backends"]
