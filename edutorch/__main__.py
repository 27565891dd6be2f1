"""``python -m edutorch``: the article's linear regression (x = y = 1..5), fitted by edutorch.

This is the article's code (section 4) with the import lines changed and the one line it
forgets, ``model = LinearRegression()``, added. It prints the loss every 100 epochs, then the
learned weight (near 1) and bias (near 0) of y = w x + b.
"""
from __future__ import annotations

import edutorch as torch
import edutorch.nn as nn
import edutorch.optim as optim


class LinearRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


def main(epochs: int = 1000, lr: float = 0.01) -> tuple[float, float]:
    torch.manual_seed(0)
    x_data = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]], dtype=torch.float32)
    y_data = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]], dtype=torch.float32)
    model = LinearRegression()  # the line the article leaves out
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for epoch in range(epochs):
        optimizer.zero_grad()
        outputs = model(x_data)
        loss = criterion(outputs, y_data)
        loss.backward()
        optimizer.step()
        if epoch % 100 == 0:
            print(f"Epoch [{epoch + 1}/{epochs}], Loss: {loss.item():.4f}")
    w, b = model.linear.weight.item(), model.linear.bias.item()
    print(f"learned weight {w:.4f} (true 1), bias {b:.4f} (true 0)")
    return w, b


if __name__ == "__main__":
    main()
