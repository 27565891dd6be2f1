"""What every attribution method shares (as Captum's ``_utils``): tuple-or-tensor inputs,
baselines, picking the target output, and the gradient of that output."""
from __future__ import annotations

from numbers import Number

from ..autograd import enable_grad
from ..autograd import grad as autograd_grad
from ..tensor import Tensor


def format_inputs(inputs) -> tuple[tuple[Tensor, ...], bool]:
    """``inputs`` as a tuple of tensors, and whether the caller passed a tuple."""
    if isinstance(inputs, Tensor):
        return (inputs,), False
    if isinstance(inputs, tuple) and all(isinstance(t, Tensor) for t in inputs):
        return inputs, True
    raise TypeError(f"attribute: inputs must be a Tensor or a tuple of Tensors, got "
                    f"{type(inputs).__name__}")


def format_output(is_tuple: bool, values: tuple):
    return tuple(values) if is_tuple else values[0]


def format_baselines(baselines, inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """One baseline per input, each with the input's shape: None means zeros; a number fills
    the shape; a tensor of the input's shape, or of its shape without the batch, broadcasts."""
    if baselines is None:
        baselines = (0,) * len(inputs)
    elif not isinstance(baselines, tuple):
        baselines = (baselines,)
    if len(baselines) != len(inputs):
        raise ValueError(f"attribute: got {len(baselines)} baselines for {len(inputs)} inputs")
    out = []
    for i, (b, x) in enumerate(zip(baselines, inputs)):
        if isinstance(b, Number):
            out.append(x.new_full(x.shape, b))
            continue
        if not isinstance(b, Tensor):
            raise TypeError(f"attribute: baseline {i} must be None, a number or a Tensor, got "
                            f"{type(b).__name__}")
        if b.shape != x.shape and not (b.shape[0] == 1 and b.shape[1:] == x.shape[1:]) \
                and b.shape != x.shape[1:]:
            raise ValueError(f"attribute: baseline {i} has shape {list(b.shape)}, which does not "
                             f"match input shape {list(x.shape)} (expected the same shape, or "
                             f"[1, *input.shape[1:]])")
        out.append(b.to(x.dtype).expand(x.shape))
    return tuple(out)


def run_forward(forward_func, inputs: tuple, target=None, additional_forward_args=None):
    """``forward_func(*inputs, *additional_forward_args)``, then the ``target`` outputs."""
    extra = () if additional_forward_args is None else (
        additional_forward_args if isinstance(additional_forward_args, tuple)
        else (additional_forward_args,))
    return select_targets(forward_func(*inputs, *extra), target)


def select_targets(output: Tensor, target) -> Tensor:
    """Captum's target rules: None keeps the output; an int (or a tuple) indexes every
    example's output the same way; a list or a tensor of per-example indices picks one each."""
    if target is None:
        return output
    n = output.shape[0]
    if isinstance(target, Tensor):
        target = target.item() if target.numel() == 1 else target.tolist()
    if isinstance(target, int):
        return output[:, target]
    if isinstance(target, tuple):
        return output[(slice(None), *target)]
    if isinstance(target, list):
        if len(target) != n:
            raise ValueError(f"attribute: target has {len(target)} entries but the output has "
                             f"a batch of {n}")
        rows = [output[i][t if isinstance(t, tuple) else (t,)] for i, t in enumerate(target)]
        from .. import stack
        return stack(rows)
    raise TypeError(f"attribute: target must be None, an int, a tuple, a list or a Tensor, "
                    f"got {type(target).__name__}")


def expand_target(target, n_steps: int):
    """A per-example target list repeated for each of the n_steps copies of the batch."""
    if isinstance(target, Tensor) and target.numel() > 1:
        target = target.tolist()
    if isinstance(target, list):
        return target * n_steps
    return target


def expand_additional_args(args, n_steps: int):
    """Tensor extra arguments with a batch dimension are repeated like the inputs."""
    if args is None:
        return None
    args = args if isinstance(args, tuple) else (args,)
    from .. import cat
    return tuple(cat([a] * n_steps, 0) if isinstance(a, Tensor) and a.dim() > 0 else a
                 for a in args)


def compute_gradients(forward_func, inputs: tuple[Tensor, ...], target=None,
                      additional_forward_args=None) -> tuple[Tensor, ...]:
    """d(sum over the batch of the target output) / d inputs: one scalar output per example."""
    with enable_grad():
        inputs = tuple(x.detach().requires_grad_() for x in inputs)
        out = run_forward(forward_func, inputs, target, additional_forward_args)
        if out.dim() > 1 and out[0].numel() != 1:
            raise AssertionError(
                f"Target not provided when necessary, cannot take gradient with respect to "
                f"multiple outputs (each example's output has shape {list(out.shape[1:])}).")
        return autograd_grad(out.sum(), inputs)


def sum_rows(t: Tensor) -> Tensor:
    """Per-example sum over every dimension but the batch."""
    return t.reshape(t.shape[0], -1).sum(1)
