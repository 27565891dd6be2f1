"""The ``Optimizer`` base class: parameter groups, per-parameter state, and saving both.

An optimizer holds

- ``param_groups``: a list of dicts. Each has ``"params"`` (a list of tensors) and the
  hyper-parameters for those tensors (``"lr"``, ``"momentum"``, ...). A value missing from a group
  comes from ``defaults``, so ``SGD([{"params": a}, {"params": b, "lr": 0.1}], lr=0.01)`` trains
  ``a`` with lr 0.01 and ``b`` with lr 0.1.
- ``state``: a dict from each parameter tensor to what the algorithm remembers about it between
  steps (a momentum buffer, running averages, a step count). It starts empty and each optimizer
  fills it the first time it updates a parameter.

Subclasses implement ``step``: read each parameter's ``.grad`` and change the parameter in place,
under ``no_grad`` (an update is not part of the model's computation, so autograd must not record
it).

``state_dict()`` turns tensors into integer indices (their position across all groups), so the
dict holds no references to the model and can be saved to a file; ``load_state_dict`` maps the
indices back onto this optimizer's parameters, in the same order.
"""
from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from typing import Any, Callable, Iterable

from ..autograd import enable_grad
from ..autograd._grad import zero_grads
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must be given (e.g. an ``lr``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, or of dicts (parameter groups) each with a ``"params"``
            entry and optional per-group hyper-parameters. ``model.named_parameters()`` (pairs of
            name and tensor) is accepted too; the names are then kept in ``"param_names"``.
        defaults: the hyper-parameters used where a group does not set its own.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor (wrap it in a list: [tensor])")
        if isinstance(params, (set, frozenset)):
            # PyTorch accepts a top-level set; its order changes between runs, which silently
            # breaks load_state_dict (state is matched by position), so edutorch refuses it.
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs) -> None:
        # Every subclass's step() records that it ran, so a learning-rate scheduler can warn
        # when scheduler.step() is called before optimizer.step() (which skips the first lr).
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_counts_calls", False):
            def counted_step(self, *args, **kwargs):
                self._opt_called = True
                return step(self, *args, **kwargs)
            counted_step.__name__ = step.__name__
            counted_step.__qualname__ = step.__qualname__
            counted_step.__doc__ = step.__doc__
            counted_step.__wrapped__ = step  # inspect.signature/getsource see the real step
            counted_step._counts_calls = True
            cls.step = counted_step

    # -- parameter groups --------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with their own hyper-parameters (e.g. when unfreezing
        layers during fine-tuning). Missing hyper-parameters come from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("a parameter group must have a 'params' entry")
        names, tensors = _names_and_tensors(params)
        if names:
            group["param_names"] = names
        group["params"] = tensors

        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)

        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each would be updated more than once per step", stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in group) != \
                ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names; this "
                             "group's params are " +
                             ("named" if "param_names" in group else "unnamed") +
                             " but the existing groups' are not")
        self.param_groups.append(group)

    # -- the training loop's calls -------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of the last backward, before the next one accumulates.

        ``set_to_none=True`` (the default) sets ``p.grad = None``, which frees the memory and
        lets ``step`` skip parameters that got no gradient; ``False`` fills them with zeros.
        """
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient. ``closure`` (optional) re-evaluates the
        model and returns the loss; it runs with gradients enabled."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _gradients(self, group: dict):
        """``(p, g, state)`` for each parameter of ``group`` that has a gradient: ``g`` is the
        gradient, negated with ``maximize=True`` (so every update rule descends), and ``state``
        is ``self.state[p]``."""
        for p in group["params"]:
            if p.grad is not None:
                yield p, (-p.grad if group["maximize"] else p.grad), self.state[p]

    @staticmethod
    def _evaluate(closure):
        """Run the optional closure with autograd on (``step`` itself runs under no_grad)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- saving and restoring --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are replaced by their index in the order they appear across the groups, so
        the dict can be saved (``edutorch.save``) and loaded into a new optimizer built over
        the same parameters in the same order. The state's tensors are the optimizer's own (not
        copies), as in PyTorch: deep-copy or save the dict before training on.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = len(index)
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) and id(p) in index else p
            state[key] = s
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyper-parameters and per-parameter state saved by :meth:`state_dict`.

        The saved groups must have the same sizes as this optimizer's; floating-point state
        tensors are converted to their parameter's dtype and device (``"step"`` counters are
        kept as saved).
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError("load_state_dict expects a dict with 'state' and 'param_groups' "
                             "entries, as returned by Optimizer.state_dict()")
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}) than the optimizer ({len(groups)})")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group: group {i} has "
                                 f"{len(s['params'])} saved parameters but the optimizer's has "
                                 f"{len(g['params'])}")
        by_index = {}
        for g, s in zip(groups, saved_groups):
            for p, i in zip(g["params"], s["params"]):
                by_index[i] = p

        state: defaultdict = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in by_index:
                param = by_index[key]
                state[param] = _cast_state(param, value)
            else:
                state[key] = copy.deepcopy(value)
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups

    # -- printing -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)


def _cast_state(param: Tensor, value, key=None):
    """A copy of one parameter's saved state with tensors moved to the parameter's device (and,
    when floating point, its dtype), as PyTorch does on load."""
    if isinstance(value, Tensor):
        if key == "step":
            return value.clone()
        if param.is_floating_point() and value.is_floating_point():
            return value.to(device=param.device, dtype=param.dtype, copy=True)
        return value.to(device=param.device, copy=True)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return copy.deepcopy(value)


def _new_step_counter() -> Tensor:
    """A zero-dim tensor counting a parameter's updates (``state[p]["step"]``), as in PyTorch:
    float64 when that is the default dtype, else float32 (exact up to 2**24 steps)."""
    from .. import _dtype as dt
    from .._ops.creation import tensor
    kind = dt.float64 if dt.get_default_dtype() is dt.float64 else dt.float32
    return tensor(0.0, dtype=kind)


def check_hyperparameters(lr: float, eps: float, betas=(), **nonnegative: float) -> None:
    """PyTorch's checks, in its order: ``lr`` and ``eps`` not negative, each beta in [0, 1),
    then every other named value (``weight_decay=...``) not negative."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i, b in enumerate(betas):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")
    for name, value in nonnegative.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")


def count_step(state: dict) -> int:
    """One more update of this parameter: its step counter (a tensor, as PyTorch keeps it)
    goes up by one; the new count is returned."""
    state["step"].add_(1)
    return int(state["step"].item())


def with_weight_decay(p: Tensor, g: Tensor, group: dict) -> Tensor:
    """Weight decay of strength ``wd``: the L2 penalty's gradient added, ``g + wd * p``; or,
    with ``decoupled_weight_decay=True`` (AdamW's rule), ``p`` shrunk in place by
    ``1 - lr * wd`` and ``g`` left as it is."""
    wd = group["weight_decay"]
    if wd == 0:
        return g
    if group.get("decoupled_weight_decay"):
        p.mul_(1 - group["lr"] * wd)
        return g
    return g.add(p, alpha=wd)


def implementation_flags(name: str, **flags) -> dict:
    """PyTorch's kernel-choice flags, accepted for compatibility and kept in the param groups.

    ``foreach``, ``fused`` and ``capturable`` choose how PyTorch runs the same update (batched
    kernels, one fused kernel, CUDA-graph safe); edutorch has one implementation, so they change
    nothing. ``differentiable=True`` would record the update in the autograd graph, which
    edutorch does not do: it is refused rather than ignored.
    """
    if flags.get("differentiable"):
        raise NotImplementedError(f"{name}: differentiable=True (backpropagating through the "
                                  f"optimizer step) is not supported by edutorch")
    return flags


def _names_and_tensors(params) -> tuple[list[str], list[Tensor]]:
    """A group's ``params`` entry (a Tensor, an ordered collection of Tensors, or of
    ``(name, Tensor)`` pairs as ``named_parameters()`` gives) as its names (empty without
    names) and its tensors, which must be leaves (or retain their grad)."""
    if isinstance(params, Tensor):
        params = [params]
    elif isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters need to be organized in ordered collections, "
                        "but the ordering of tensors in sets will change between runs. "
                        "Please use a list instead.")
    names, tensors = [], []
    for p in params:
        if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
            names.append(p[0])  # from named_parameters()
            p = p[1]
        tensors.append(p)
    if names and len(names) != len(tensors):
        raise ValueError("all optimizer params should be with/without names. Some param "
                         "names are missing")
    for p in tensors:
        if not isinstance(p, Tensor):
            raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                            f"{type(p).__module__}.{type(p).__name__}")
        if not (p.is_leaf or p.retains_grad):
            raise ValueError("can't optimize a non-leaf Tensor (it was computed from other "
                             "tensors; optimize the leaves it came from, or .detach() it "
                             "and set requires_grad=True to make a new leaf)")
    return names, tensors
