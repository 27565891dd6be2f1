"""Memory: the graph and its saved arrays are freed after backward, and a training loop does not
grow. NumPy arrays cannot be weak-referenced, so the checks watch graph nodes and Tensors."""
import gc
import tracemalloc
import weakref

import edutorch


def _graph(x, w):
    h = (x @ w).tanh()
    loss = (h * h).mean()
    return h, loss


def test_graph_is_freed_when_the_loss_goes_away():
    x = edutorch.randn(4, 3)
    w = edutorch.randn(3, 5, requires_grad=True)
    h, loss = _graph(x, w)
    node_refs = [weakref.ref(h.grad_fn), weakref.ref(loss.grad_fn)]
    tensor_ref = weakref.ref(h)
    loss.backward()
    del h, loss
    # freed by reference counting alone (no cycles between tensors and nodes)
    assert all(r() is None for r in node_refs)
    assert tensor_ref() is None
    assert w.grad is not None and w.grad.grad_fn is None


def test_saved_tensors_are_released_by_backward_while_the_loss_lives():
    x = edutorch.randn(4, 3)
    w = edutorch.randn(3, 5, requires_grad=True)
    h = (x @ w).tanh()
    saved = weakref.ref(h)  # h is saved by the MulBackward0 below
    loss = (h * h).sum()
    del h
    assert saved() is not None  # still needed for backward
    loss.backward()
    assert saved() is None  # released although `loss` (and its graph) is still referenced
    assert loss.grad_fn is not None


def test_retain_graph_keeps_saved_tensors_until_the_last_backward():
    w = edutorch.randn(3, requires_grad=True)
    h = w.exp()
    saved = weakref.ref(h)
    loss = (h * h).sum()
    del h
    loss.backward(retain_graph=True)
    assert saved() is not None
    loss.backward()
    assert saved() is None


def test_no_graph_is_kept_under_no_grad():
    w = edutorch.randn(3, requires_grad=True)
    with edutorch.no_grad():
        y = w * 2
    assert y.grad_fn is None
    ref = weakref.ref(y)
    del y
    assert ref() is None


def test_leaf_grad_is_not_kept_alive_by_the_graph():
    w = edutorch.randn(3, requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    del loss
    ref = weakref.ref(w)
    del w
    assert ref() is None  # no node kept a reference to the leaf


class _Exp(edutorch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = x.exp()
        ctx.save_for_backward(x, out)  # an input and the output itself
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return g * out


def test_custom_function_graph_is_freed():
    w = edutorch.randn(3, requires_grad=True)
    h = w * 2
    y = _Exp.apply(h)
    refs = [weakref.ref(y.grad_fn), weakref.ref(h), weakref.ref(y)]
    loss = y.sum()
    del h, y
    loss.backward()
    del loss
    assert all(r() is None for r in refs)
    assert w.grad is not None


def _mlp_step(params, x, y, lr=0.05):
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).relu()
    out = h @ w2 + b2
    loss = ((out - y) ** 2).mean()
    loss.backward()
    with edutorch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def test_training_loop_memory_is_stable():
    """1000 steps of a 2-layer MLP with manual SGD: no growth between step 100 and step 1000,
    neither in allocated bytes (tracemalloc) nor in the number of live Python objects."""
    edutorch.manual_seed(0)
    x = edutorch.randn(16, 4)
    y = edutorch.randn(16, 1)
    params = [edutorch.randn(4, 8) * 0.5, edutorch.zeros(8), edutorch.randn(8, 1) * 0.5,
              edutorch.zeros(1)]
    for p in params:
        p.requires_grad_()
    losses = []
    gc.collect()
    tracemalloc.start()
    try:
        for step in range(1, 1001):
            losses.append(_mlp_step(params, x, y))
            if step == 100:
                gc.collect()
                mem_100 = tracemalloc.get_traced_memory()[0]
                objs_100 = len(gc.get_objects())
        gc.collect()
        mem_1000 = tracemalloc.get_traced_memory()[0]
        objs_1000 = len(gc.get_objects())
    finally:
        tracemalloc.stop()
    assert losses[-1] < losses[0]  # it trained
    # the 900 losses kept in `losses` are Python floats (not tracked by gc), ~24 bytes each
    assert mem_1000 - mem_100 < 64 * 1024, (mem_100, mem_1000)
    assert objs_1000 - objs_100 < 50, (objs_100, objs_1000)
