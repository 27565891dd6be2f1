"""Graders for chapter 4 (exercises/ch04_training.py): compared with edutorch.utils.data,
edutorch.nn losses and state dicts, and by training on synthetic data."""
from __future__ import annotations

import math

import numpy as np
import pytest
from gradelib import assert_close

import edutorch
from edutorch import nn
from edutorch.utils.data import DataLoader, TensorDataset, random_split


def numbered_data(n: int, d: int = 3):
    """Row i of X is [i, i + 0.1, i + 0.2, ...] and y[i] = i: a row's origin is visible."""
    X = edutorch.arange(n, dtype=edutorch.float32).unsqueeze(1) + \
        0.1 * edutorch.arange(d, dtype=edutorch.float32)
    y = edutorch.arange(n)
    return X, y


def batches_of(result, what):
    try:
        batches = list(result)
    except TypeError:
        raise AssertionError(f"{what} must return an iterable of (X_batch, y_batch)") from None
    for b in batches:
        assert isinstance(b, (tuple, list)) and len(b) == 2, \
            f"{what}: each batch must be a pair (X_batch, y_batch)"
    return batches


def assert_rows_aligned(Xb, yb, what):
    # in numbered_data, X[i, 0] == y[i]
    assert_close(Xb[:, 0], yb.to(edutorch.float32), f"{what}: X rows and y rows do not match",
                 rtol=0, atol=0)


# -- minibatches -------------------------------------------------------------------------------

BATCH_CASES = [(10, 4, False), (10, 4, True), (12, 4, False), (12, 4, True), (5, 1, False),
               (10, 16, False), (10, 16, True), (7, 3, True)]


@pytest.mark.grades("minibatches")
@pytest.mark.parametrize("n, batch_size, drop_last", BATCH_CASES, ids=str)
def test_minibatches_in_order_match_dataloader(ex, n, batch_size, drop_last):
    X, y = numbered_data(n)
    expected = list(DataLoader(TensorDataset(X, y), batch_size=batch_size, drop_last=drop_last))
    got = batches_of(ex.minibatches(X, y, batch_size, shuffle=False, drop_last=drop_last),
                     "minibatches")
    assert len(got) == len(expected), (f"minibatches(N={n}, batch_size={batch_size}, "
                                       f"drop_last={drop_last}) gave {len(got)} batches, "
                                       f"DataLoader gives {len(expected)}")
    for k, ((xb, yb), (ex_x, ex_y)) in enumerate(zip(got, expected)):
        assert_close(xb, ex_x, f"X of batch {k}", rtol=0, atol=0)
        assert_close(yb, ex_y, f"y of batch {k}", rtol=0, atol=0)


@pytest.mark.grades("minibatches")
@pytest.mark.parametrize("n, batch_size, drop_last", [(20, 6, False), (20, 6, True),
                                                      (16, 4, False)], ids=str)
def test_minibatches_shuffled_cover_the_data_in_a_new_order(ex, n, batch_size, drop_last):
    X, y = numbered_data(n)
    sizes = [len(xb) for xb, _ in DataLoader(TensorDataset(X, y), batch_size=batch_size,
                                             drop_last=drop_last)]
    orders = []
    for _ in range(2):
        got = batches_of(ex.minibatches(X, y, batch_size, shuffle=True, drop_last=drop_last),
                         "minibatches")
        assert [len(xb) for xb, _ in got] == sizes, \
            f"batch sizes {[len(xb) for xb, _ in got]}, expected {sizes} (as DataLoader)"
        for xb, yb in got:
            assert_rows_aligned(xb, yb, "shuffled batch")
        order = [int(v) for _, yb in got for v in yb.tolist()]
        assert len(set(order)) == len(order) == sum(sizes), "a row is repeated in one epoch"
        if not drop_last:
            assert sorted(order) == list(range(n)), "shuffled batches must cover every row"
        orders.append(order)
    assert orders[0] != sorted(orders[0]), "shuffle=True gave the rows in their original order"
    assert orders[0] != orders[1], "two shuffled epochs gave the same order (shuffle each call)"


@pytest.mark.grades("minibatches")
def test_minibatches_follow_the_generator(ex):
    X, y = numbered_data(15)

    def order(seed):
        g = edutorch.Generator().manual_seed(seed)
        return [int(v) for _, yb in ex.minibatches(X, y, 4, shuffle=True, generator=g)
                for v in yb.tolist()]

    assert order(3) == order(3), "the same seeded generator must give the same order"
    assert order(3) != order(4), "different seeds gave the same order: is generator used?"


# -- train/validation split --------------------------------------------------------------------

@pytest.mark.grades("train_val_split")
@pytest.mark.parametrize("n, fraction", [(10, 0.2), (11, 0.2), (50, 0.3), (7, 0.5), (20, 0.25)],
                         ids=str)
def test_train_val_split_is_a_random_partition(ex, n, fraction):
    X, y = numbered_data(n)
    g = edutorch.Generator().manual_seed(0)
    train_ref, val_ref = random_split(TensorDataset(X, y), [1 - fraction, fraction],
                                      generator=g)
    got = ex.train_val_split(X, y, fraction, generator=edutorch.Generator().manual_seed(1))
    assert isinstance(got, tuple) and len(got) == 4, \
        "train_val_split must return (X_train, y_train, X_val, y_val)"
    X_tr, y_tr, X_val, y_val = got
    assert (len(X_tr), len(X_val)) == (len(train_ref), len(val_ref)), \
        (f"sizes (train {len(X_tr)}, val {len(X_val)}); random_split gives "
         f"({len(train_ref)}, {len(val_ref)})")
    assert len(y_tr) == len(X_tr) and len(y_val) == len(X_val), "X and y sizes differ"
    assert_rows_aligned(X_tr, y_tr, "training part")
    assert_rows_aligned(X_val, y_val, "validation part")
    train_rows, val_rows = [int(v) for v in y_tr.tolist()], [int(v) for v in y_val.tolist()]
    assert not set(train_rows) & set(val_rows), "a row is in both parts"
    assert sorted(train_rows + val_rows) == list(range(n)), "the parts must cover every row once"


@pytest.mark.grades("train_val_split")
def test_train_val_split_is_random_and_seeded(ex):
    X, y = numbered_data(40)

    def val_rows(seed):
        g = edutorch.Generator().manual_seed(seed)
        return sorted(int(v) for v in ex.train_val_split(X, y, 0.25, generator=g)[3].tolist())

    rows = val_rows(0)
    assert rows not in (list(range(30, 40)), list(range(10))), \
        "the validation rows are a block at one end: shuffle before splitting"
    assert val_rows(0) == rows, "the same seeded generator must give the same split"
    assert val_rows(1) != rows, "different seeds gave the same split: is generator used?"


# -- the training loop -------------------------------------------------------------------------

@pytest.mark.grades("fit_linear_regression")
@pytest.mark.parametrize("seed, d", [(0, 3), (1, 1)])
def test_fit_linear_regression_reaches_the_target_loss(ex, seed, d):
    rng = np.random.default_rng(40 + seed)
    n = 256
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal((d, 1)) + 2.0 + 0.1 * rng.standard_normal((n, 1))
    Xt = edutorch.tensor(X, dtype=edutorch.float32)
    yt = edutorch.tensor(y, dtype=edutorch.float32)
    model = ex.fit_linear_regression(Xt.clone(), yt.clone())
    assert isinstance(model, nn.Module), f"return the model (an nn.Module), not {type(model)}"
    with edutorch.no_grad():
        pred = model(Xt)
        assert tuple(pred.shape) == (n, 1), f"model(X) has shape {tuple(pred.shape)}, " \
                                            f"expected ({n}, 1)"
        loss = nn.functional.mse_loss(pred, yt).item()
    assert math.isfinite(loss) and loss <= 0.02, \
        f"mean squared error {loss:.4g} after training; the target is 0.02"


# -- evaluation --------------------------------------------------------------------------------

def _dropout_model():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))


@pytest.mark.grades("evaluate")
@pytest.mark.parametrize("n, batch_size, loss_name, shuffle",
                         [(10, 4, "MSELoss", False), (10, 3, "L1Loss", True),
                          (8, 8, "MSELoss", False), (9, 2, "MSELoss", True)], ids=str)
def test_evaluate_matches_the_full_batch_loss(ex, n, batch_size, loss_name, shuffle):
    X, y = edutorch.randn(n, 4), edutorch.randn(n, 1)
    model = _dropout_model()
    model.train()  # evaluate must switch dropout off itself
    loss_fn = getattr(nn, loss_name)()
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=shuffle)
    got = ex.evaluate(model, loader, loss_fn)
    assert isinstance(got, float), f"evaluate must return a Python float, not {type(got)}"
    model.eval()
    with edutorch.no_grad():
        expected = loss_fn(model(X), y).item()
    assert_close(got, expected, f"evaluate with {loss_name}, N={n}, batch_size={batch_size}",
                 rtol=1e-5, atol=1e-7)
    assert all(p.grad is None for p in model.parameters()), \
        "evaluate computed gradients (it needs no backward)"


# -- checkpoints -------------------------------------------------------------------------------

def _mlp():
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))


def _train_step(model, optimizer, X, y):
    optimizer.zero_grad()
    nn.functional.mse_loss(model(X), y).backward()
    optimizer.step()


@pytest.mark.grades("save_checkpoint", "load_checkpoint")
@pytest.mark.parametrize("make_optimizer", [
    lambda ps: edutorch.optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: edutorch.optim.Adam(ps, lr=0.01),
], ids=["SGD-momentum", "Adam"])
def test_checkpoint_resumes_training_exactly(ex, tmp_path, make_optimizer):
    X, y = edutorch.randn(16, 3), edutorch.randn(16, 2)
    model = _mlp()
    optimizer = make_optimizer(model.parameters())
    for _ in range(3):
        _train_step(model, optimizer, X, y)
    path = str(tmp_path / "checkpoint.pt")
    ex.save_checkpoint(path, model, optimizer, 7)

    edutorch.manual_seed(123)  # a fresh model starts from other weights
    resumed = _mlp()
    resumed_opt = make_optimizer(resumed.parameters())
    epoch = ex.load_checkpoint(path, resumed, resumed_opt)
    assert epoch == 7, f"load_checkpoint returned epoch {epoch!r}, saved 7"
    for (name, p), q in zip(model.state_dict().items(), resumed.state_dict().values()):
        assert_close(q, p, f"restored parameter {name}", rtol=0, atol=0)
    # one more step on both: identical only if the optimizer state came back too
    _train_step(model, optimizer, X, y)
    _train_step(resumed, resumed_opt, X, y)
    for (name, p), q in zip(model.state_dict().items(), resumed.state_dict().values()):
        assert_close(q, p, f"parameter {name} one step after resuming (was the optimizer's "
                           f"state saved and restored?)", rtol=1e-6, atol=1e-7)
