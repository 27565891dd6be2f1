"""fit_linear_regression computes gradients but never updates the model."""
import edutorch
from edutorch import nn
from edutorch.utils.data import DataLoader, TensorDataset
from solutions.ch04_training import *  # noqa: F401,F403

CHAPTER, BREAKS = "ch04_training", "fit_linear_regression"
BUG = "optimizer.step() is missing"


def fit_linear_regression(X, y):
    model = nn.Linear(X.shape[1], 1)
    loss_fn = nn.MSELoss()
    optimizer = edutorch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(20):
        for xb, yb in DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True):
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
    return model
