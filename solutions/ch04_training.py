"""Chapter 4 solutions: the pieces of a training script, on edutorch tensors and modules."""
from __future__ import annotations

import math
from typing import Callable, Iterator

import edutorch
from edutorch import nn
from edutorch.utils.data import DataLoader, TensorDataset


def minibatches(X: edutorch.Tensor, y: edutorch.Tensor, batch_size: int,
                shuffle: bool = False, drop_last: bool = False,
                generator: edutorch.Generator | None = None
                ) -> Iterator[tuple[edutorch.Tensor, edutorch.Tensor]]:
    """Yield ``(X_batch, y_batch)`` pairs covering the data once."""
    n = len(X)
    order = edutorch.randperm(n, generator=generator) if shuffle else edutorch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def train_val_split(X: edutorch.Tensor, y: edutorch.Tensor, val_fraction: float,
                    generator: edutorch.Generator | None = None
                    ) -> tuple[edutorch.Tensor, edutorch.Tensor, edutorch.Tensor,
                               edutorch.Tensor]:
    """Split a data set at random into a training and a validation part."""
    n = len(X)
    n_val = math.floor(n * val_fraction)
    order = edutorch.randperm(n, generator=generator)
    train, val = order[:n - n_val], order[n - n_val:]
    return X[train], y[train], X[val], y[val]


def fit_linear_regression(X: edutorch.Tensor, y: edutorch.Tensor) -> nn.Module:
    """Train a linear model on ``(X, y)`` with the usual loop, and return it."""
    model = nn.Linear(X.shape[1], 1)
    loss_fn = nn.MSELoss()
    optimizer = edutorch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    model.train()
    for _ in range(20):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    return model


def evaluate(model: nn.Module, loader, loss_fn: Callable[[edutorch.Tensor, edutorch.Tensor],
                                                         edutorch.Tensor]) -> float:
    """The model's mean loss per sample over a whole data set."""
    model.eval()
    total, count = 0.0, 0
    with edutorch.no_grad():
        for xb, yb in loader:
            total += loss_fn(model(xb), yb).item() * len(xb)
            count += len(xb)
    return total / count


def save_checkpoint(path: str, model: nn.Module, optimizer: edutorch.optim.Optimizer,
                    epoch: int) -> None:
    """Save everything needed to resume training later into the file ``path``."""
    edutorch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                   "epoch": epoch}, path)


def load_checkpoint(path: str, model: nn.Module, optimizer: edutorch.optim.Optimizer) -> int:
    """Restore a model and an optimizer from a file ``save_checkpoint`` wrote."""
    checkpoint = edutorch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]
