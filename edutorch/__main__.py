"""``python -m edutorch``: the article's linear regression (x = y = 1..5), fitted by edutorch.

The article's example never creates ``model``; here it does. Until ``edutorch.nn`` lands this
uses tensors and autograd directly: y = w x + b, mean squared error, plain gradient descent.
"""
from __future__ import annotations

import edutorch as torch


def main(epochs: int = 1000, lr: float = 0.01) -> tuple[float, float]:
    torch.manual_seed(0)
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
    y = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
    w = torch.randn(1, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for epoch in range(epochs):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None
        b.grad = None
        if epoch % 100 == 0:
            print(f"Epoch [{epoch + 1}/{epochs}], Loss: {loss.item():.4f}")
    print(f"learned weight {w.item():.4f} (true 1), bias {b.item():.4f} (true 0)")
    return w.item(), b.item()


if __name__ == "__main__":
    main()
