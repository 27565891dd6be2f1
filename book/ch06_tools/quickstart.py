"""A small image classifier written for PyTorch, in the style of PyTorch's beginner tutorials
(data, a model class, a training loop, a test loop). The book runs this file unchanged on both
libraries (see 05_resources.ipynb)."""
import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def stripes(first, n):
    """Images ``first .. first+n-1`` of a fixed set: 1x8x8 pictures of horizontal (label 0),
    vertical (1) or diagonal (2) stripes, shifted and blurred by a formula of the index.
    (A formula, not random numbers: the two libraries draw different random streams.)"""
    k = torch.arange(first, first + n)
    labels = k % 3
    shift = ((k // 3) * 0.7).float().reshape(-1, 1, 1)
    rows = torch.arange(8).float().reshape(1, 8, 1)
    cols = torch.arange(8).float().reshape(1, 1, 8)
    pictures = torch.stack([torch.cos(rows * math.pi / 2 + shift + 0 * cols),
                            torch.cos(cols * math.pi / 2 + shift + 0 * rows),
                            torch.cos((rows + cols) * math.pi / 2 + shift)], dim=1)
    images = pictures[torch.arange(n), labels]
    clutter = 0.8 * torch.sin(1.7 * k.float().reshape(-1, 1, 1) + 0.9 * rows * cols)
    return (images + clutter).unsqueeze(1), labels


training_data = TensorDataset(*stripes(0, 300))
test_data = TensorDataset(*stripes(300, 90))
train_dataloader = DataLoader(training_data, batch_size=32)
test_dataloader = DataLoader(test_data, batch_size=32)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, x):
        return self.layers(self.flatten(x))


def init_weights(module):
    """The same starting weights in both libraries: a formula, scaled like PyTorch's default."""
    if isinstance(module, nn.Linear):
        with torch.no_grad():
            i = torch.arange(module.weight.numel()).float()
            module.weight.copy_(torch.sin(i).reshape(module.weight.shape)
                                / math.sqrt(module.in_features))
            module.bias.zero_()


model = NeuralNetwork()
model.apply(init_weights)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def train(dataloader, model, loss_fn, optimizer):
    model.train()
    total = 0.0
    for X, y in dataloader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item() * len(X)
    return total / len(dataloader.dataset)


def test(dataloader, model, loss_fn):
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            total += loss_fn(pred, y).item() * len(X)
            correct += (pred.argmax(1) == y).sum().item()
    n = len(dataloader.dataset)
    return total / n, correct / n


for epoch in range(6):
    train_loss = train(train_dataloader, model, loss_fn, optimizer)
    test_loss, accuracy = test(test_dataloader, model, loss_fn)
    print(f"epoch {epoch + 1}: train loss {train_loss:.6f}, test loss {test_loss:.6f}, "
          f"test accuracy {100 * accuracy:.1f}%")
