"""Chapter 2 solutions: broadcasting, the backward of mul and matmul, the graph, and checking
gradients numerically."""
from __future__ import annotations

from typing import Callable

import numpy as np

import edutorch


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back down to the shape of the tensor that was broadcast."""
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra > 0:  # dimensions broadcasting added in front
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, (s, g) in enumerate(zip(shape, grad.shape)) if s == 1 and g != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def mul_backward(grad: np.ndarray, a: np.ndarray, b: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The backward of the broadcasting product ``out = a * b``."""
    return sum_to_shape(grad * b, a.shape), sum_to_shape(grad * a, b.shape)


def matmul_backward(grad: np.ndarray, a: np.ndarray, b: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The backward of the (batched, broadcasting) matrix product ``out = a @ b``."""
    grad_a = grad @ np.swapaxes(b, -1, -2)  # (..., n, m) @ (..., m, k)
    grad_b = np.swapaxes(a, -1, -2) @ grad  # (..., k, n) @ (..., n, m)
    return sum_to_shape(grad_a, a.shape), sum_to_shape(grad_b, b.shape)


def topological_sort(root: edutorch.Tensor) -> list:
    """The nodes of ``root``'s graph, each before every node it sends gradient to."""
    post_order, seen = [], set()
    # (node, children_done): a node is appended once everything below it is
    stack = [(root.grad_fn, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            post_order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                stack.append((child, False))
    return post_order[::-1]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar function by central finite differences."""
    g = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old  # put it back
        g[i] = (up - down) / (2 * eps)
    return g


def check_gradient(fn: Callable[[edutorch.Tensor], edutorch.Tensor], x: np.ndarray,
                   eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Does autograd's gradient of ``fn`` at ``x`` agree with finite differences?"""
    x = np.array(x, dtype=np.float64)
    t = edutorch.tensor(x, requires_grad=True)
    fn(t).backward()
    analytic = t.grad.numpy()
    numeric = numerical_gradient(lambda a: fn(edutorch.from_numpy(a)).item(), x.copy(), eps)
    return bool(np.allclose(analytic, numeric, rtol=rtol, atol=atol))
