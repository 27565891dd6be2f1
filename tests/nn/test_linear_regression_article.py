"""The article's linear-regression example (its section 4), run on edutorch.

The article's program never creates ``model``; the only change made here is the missing line
``model = LinearRegression()``. For edutorch, only the three import lines change. Both programs
start from the same weights (torch's, loaded through ``load_state_dict``) and must produce the
same loss at every one of the 1000 epochs (float32, rtol 1e-4) and print the same progress.
"""
from __future__ import annotations

import contextlib
import io
import re

import pytest

ARTICLE = '''\
import torch
import torch.nn as nn
import torch.optim as optim

# 定义数据集
x_data = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]], dtype=torch.float32)
y_data = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]], dtype=torch.float32)

# 定义模型
class LinearRegression(nn.Module):
    def __init__(self):
        super(LinearRegression, self).__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)

# 定义损失函数
criterion = nn.MSELoss()

# 定义优化器
optimizer = optim.SGD(model.parameters(), lr=0.01)

# 训练模型
for epoch in range(1000):
    # 梯度清零
    optimizer.zero_grad()

    # 前向传播
    outputs = model(x_data)

    # 计算损失
    loss = criterion(outputs, y_data)

    # 反向传播
    loss.backward()

    # 更新模型参数
    optimizer.step()

    # 打印训练进度
    if epoch % 100 == 0:
        print(f'Epoch [{epoch+1}/1000], Loss: {loss.item():.4f}')
'''

EDUTORCH_IMPORTS = ("import edutorch as torch\nimport edutorch.nn as nn\n"
                    "import edutorch.optim as optim\n")
TORCH_IMPORTS = "import torch\nimport torch.nn as nn\nimport torch.optim as optim\n"


def fixed_program(imports: str) -> tuple[str, str, str]:
    """The article's program with ``model = LinearRegression()`` added, cut in three stages:
    (data + model, criterion + optimizer, training loop), so a test can act in between."""
    assert ARTICLE.startswith(TORCH_IMPORTS)
    body = imports + ARTICLE[len(TORCH_IMPORTS):]
    setup, rest = body.split("# 定义损失函数\n")
    setup += "model = LinearRegression()\n\n"
    define, loop = rest.split("# 训练模型\n")
    return setup, "# 定义损失函数\n" + define, "# 训练模型\n" + loop


def run(imports: str, state_dict=None):
    """Run the program; returns (namespace, per-epoch losses, printed text)."""
    setup, define, loop = fixed_program(imports)
    ns: dict = {"__name__": "article"}
    exec(compile(setup, "article-setup", "exec"), ns)
    if state_dict is not None:
        ns["model"].load_state_dict(state_dict)
    exec(compile(define, "article-define", "exec"), ns)
    losses = []
    ns["criterion"].register_forward_hook(lambda mod, args, out: losses.append(out.item()))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(loop, "article-loop", "exec"), ns)
    return ns, losses, out.getvalue()


def _printed_losses(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"Loss: ([0-9.]+)", text)]


def test_article_program_trains_on_edutorch():
    """Runs without torch: the fixed program trains, and the loss falls."""
    ns, losses, text = run(EDUTORCH_IMPORTS)
    assert len(losses) == 1000
    assert losses[-1] < 0.05 * losses[0]
    assert all(b <= a * (1 + 1e-6) for a, b in zip(losses[100:], losses[101:]))
    lines = text.strip().splitlines()
    assert len(lines) == 10 and lines[0].startswith("Epoch [1/1000], Loss: ")
    assert lines[-1].startswith("Epoch [901/1000], Loss: ")
    w, b = ns["model"].linear.weight.item(), ns["model"].linear.bias.item()
    # y = x is the best fit: the loss is (w-1)^2 * mean(x^2) + ..., so w is already close to 1
    assert abs(w - 1) < 0.1 and abs(w * 3 + b - 3) < 0.1


def test_article_program_matches_pytorch():
    pytest.importorskip("torch")
    import numpy as np

    import edutorch
    # the same starting weights: torch's initial ones (the same seed gives the torch run the
    # same model), loaded into edutorch's model
    setup, _, _ = fixed_program(TORCH_IMPORTS)
    torch_mod = __import__("torch")
    torch_mod.manual_seed(1234)
    ns0: dict = {}
    exec(compile(setup, "article-setup", "exec"), ns0)
    start = {k: edutorch.tensor(v.detach().numpy()) for k, v in ns0["model"].state_dict().items()}
    torch_mod.manual_seed(1234)
    t_ns, t_losses, t_text = run(TORCH_IMPORTS)
    e_ns, e_losses, e_text = run(EDUTORCH_IMPORTS, state_dict=start)
    assert len(e_losses) == len(t_losses) == 1000
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-4)
    assert t_losses[-1] < t_losses[0]
    np.testing.assert_allclose(_printed_losses(e_text), _printed_losses(t_text), atol=1.5e-4)
    assert [line.split(", Loss")[0] for line in e_text.splitlines()] == \
        [line.split(", Loss")[0] for line in t_text.splitlines()]
    np.testing.assert_allclose(e_ns["model"].linear.weight.item(),
                               t_ns["model"].linear.weight.item(), rtol=1e-4)
