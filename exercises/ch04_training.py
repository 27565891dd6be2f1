"""Chapter 4 exercises: the pieces of a training script, on edutorch tensors and modules.

The grader compares yours with ``edutorch.utils.data`` (``DataLoader``, ``random_split``),
trains with your loop on its own synthetic data, and round-trips your checkpoints.

Grade them with ``python -m edutorch.grade ch04``.
"""
from __future__ import annotations

from typing import Callable, Iterator

import edutorch
from edutorch import nn


def minibatches(X: edutorch.Tensor, y: edutorch.Tensor, batch_size: int,
                shuffle: bool = False, drop_last: bool = False,
                generator: edutorch.Generator | None = None
                ) -> Iterator[tuple[edutorch.Tensor, edutorch.Tensor]]:
    """Yield ``(X_batch, y_batch)`` pairs covering the data once: what a DataLoader does.

    Task: without shuffling, the batches are rows ``0..batch_size-1``, then the next
    ``batch_size`` rows, and so on; the last batch is smaller when ``batch_size`` does not
    divide ``N``, and is left out when ``drop_last``. With ``shuffle=True`` the rows come in a
    random order, a new one on every call, drawn from ``generator`` when one is given (the same
    seeded generator gives the same order). The result equals
    ``DataLoader(TensorDataset(X, y), batch_size, drop_last=drop_last)`` when not shuffling.

    Shapes: ``X`` is ``(N, ...)`` and ``y`` is ``(N, ...)``; each ``X_batch`` is
    ``(B, ...)`` with the matching rows of ``y`` in ``y_batch``.

    Hint: ``edutorch.randperm(N, generator=generator)`` is a random order; ``X[idx]`` with a
    tensor of indices picks rows. Writing a generator function (``yield``) is easiest.
    """
    raise NotImplementedError("minibatches: your code here")


def train_val_split(X: edutorch.Tensor, y: edutorch.Tensor, val_fraction: float,
                    generator: edutorch.Generator | None = None
                    ) -> tuple[edutorch.Tensor, edutorch.Tensor, edutorch.Tensor,
                               edutorch.Tensor]:
    """Split a data set at random into a training and a validation part.

    Task: return ``(X_train, y_train, X_val, y_val)``: ``n_val = floor(N * val_fraction)``
    rows chosen at random (from ``generator`` when given) go to validation, the rest to
    training. Every row lands in exactly one part, with its own ``y``. (These are the sizes
    ``random_split(dataset, [1 - val_fraction, val_fraction])`` gives.)

    Shapes: ``X`` is ``(N, ...)``, ``y`` is ``(N, ...)``; ``X_val`` is ``(n_val, ...)``,
    ``X_train`` is ``(N - n_val, ...)``.

    Hint: one ``edutorch.randperm``, then slice it in two. Taking the last rows without
    shuffling is a classic bug: real data files are often sorted (by date, by class).
    """
    raise NotImplementedError("train_val_split: your code here")


def fit_linear_regression(X: edutorch.Tensor, y: edutorch.Tensor) -> nn.Module:
    """Train a linear model on ``(X, y)`` with the usual loop, and return it.

    Task: build ``nn.Linear(D, 1)``, a loss (``nn.MSELoss``), an optimizer
    (``edutorch.optim.SGD``) and minibatches (``DataLoader`` or your ``minibatches``); loop
    over epochs: for each batch ``zero_grad``, forward, loss, ``backward``, ``step``. Return the
    trained model. The grader's data is ``y = X w + b + noise`` with noise of variance 0.01; it
    passes when the mean squared error of your model on ``(X, y)`` is at most 0.02 (twice the
    noise: only a well-fitted line gets there).

    Shapes: ``X`` is ``(N, D)`` float32, ``y`` is ``(N, 1)``; the model maps ``(B, D)`` to
    ``(B, 1)``.

    Hint: standardised features train well with ``lr=0.1``, batches of 32, 20 epochs. Forgetting
    ``zero_grad`` adds every old gradient into the new one.
    """
    raise NotImplementedError("fit_linear_regression: your code here")


def evaluate(model: nn.Module, loader, loss_fn: Callable[[edutorch.Tensor, edutorch.Tensor],
                                                         edutorch.Tensor]) -> float:
    """The model's mean loss per sample over a whole data set.

    Task: put the model in evaluation mode (``model.eval()``: dropout off), turn off graph
    recording (``with edutorch.no_grad():``), run every batch ``(xb, yb)`` of ``loader``, and
    return the mean of the loss over all *samples* as a Python float. ``loss_fn`` averages over
    its batch (like ``nn.MSELoss()``), so weight each batch's loss by the batch's size: the last
    batch may be smaller, and the plain mean of the batch losses is then wrong.

    Maths: :math:`\\frac{1}{N} \\sum_{\\text{batches } k} B_k\\, \\mathrm{loss}_k`.

    Hint: ``len(xb)`` is a batch's size; ``.item()`` turns a 0-d tensor into a float.
    """
    raise NotImplementedError("evaluate: your code here")


def save_checkpoint(path: str, model: nn.Module, optimizer: edutorch.optim.Optimizer,
                    epoch: int) -> None:
    """Save everything needed to resume training later into the file ``path``.

    Task: save the model's parameters, the optimizer's state (momentum buffers, Adam's moments,
    the step counts) and the epoch, with ``edutorch.save``. Resuming from your file must
    continue training exactly as if it had never stopped: the grader takes one more step on
    both and compares.

    Hint: ``state_dict()`` of the model and of the optimizer, in one dict.
    """
    raise NotImplementedError("save_checkpoint: your code here")


def load_checkpoint(path: str, model: nn.Module, optimizer: edutorch.optim.Optimizer) -> int:
    """Restore a model and an optimizer from a file ``save_checkpoint`` wrote; return the epoch.

    Task: ``edutorch.load`` the file, ``load_state_dict`` into ``model`` and ``optimizer``
    (created by the caller, with the same architecture and hyperparameters), return the saved
    epoch.
    """
    raise NotImplementedError("load_checkpoint: your code here")
