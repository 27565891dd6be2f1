"""Chapter 2 exercises: broadcasting, the backward of mul and matmul, the graph, and checking
gradients numerically.

The first three work on NumPy arrays: you write by hand what autograd does for you. The grader
compares your gradients with edutorch's autograd on the same inputs.

Grade them with ``python -m edutorch.grade ch02``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

import edutorch


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back down to the shape of the tensor that was broadcast.

    Task: if ``x`` of shape ``shape`` was broadcast to ``grad.shape`` in the forward pass, every
    element of ``x`` was used in several places, so its gradient is the *sum* of the gradients
    of all its copies. Return that sum, of shape exactly ``shape``.

    Shapes: ``shape`` broadcasts to ``grad.shape`` (NumPy's rules: align on the right; ``shape``
    may have fewer dimensions, and its size-1 dimensions may have been stretched). Examples:
    ``(3, 1) -> (2, 3, 4)`` sums over axis 0 (the added one) and axis 2 (keeping it as size 1);
    ``() -> (2, 3)`` sums everything to a 0-d array.

    Maths: :math:`\\frac{\\partial L}{\\partial x_j} = \\sum_{i:\\, j \\text{ broadcast to } i}
    \\frac{\\partial L}{\\partial y_i}`.

    Hint: first sum away the leading dimensions ``shape`` lacks, then sum with
    ``keepdims=True`` over each axis where ``shape`` has 1 but ``grad`` has more.
    """
    raise NotImplementedError("sum_to_shape: your code here")


def mul_backward(grad: np.ndarray, a: np.ndarray, b: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The backward of the broadcasting product ``out = a * b``.

    Task: given ``grad`` = dL/d(out), return ``(grad_a, grad_b)`` = (dL/da, dL/db).

    Shapes: ``a`` and ``b`` broadcast together to ``out.shape == grad.shape``;
    ``grad_a.shape == a.shape`` and ``grad_b.shape == b.shape``.

    Maths: elementwise :math:`\\partial out / \\partial a = b`, so
    :math:`dL/da = \\text{sum\\_to\\_shape}(g \\cdot b, a.\\text{shape})` and the same for ``b``
    with ``a``.

    Hint: use your ``sum_to_shape``.
    """
    raise NotImplementedError("mul_backward: your code here")


def matmul_backward(grad: np.ndarray, a: np.ndarray, b: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The backward of the (batched, broadcasting) matrix product ``out = a @ b``.

    Task: given ``grad`` = dL/d(out), return ``(grad_a, grad_b)``.

    Shapes: ``a`` is ``(..., n, k)`` and ``b`` is ``(..., k, m)``, both at least 2-D; their batch
    dimensions ``...`` broadcast (e.g. ``(2, 1, n, k) @ (5, k, m) -> (2, 5, n, m)``); ``grad``
    has the shape of ``out``. ``grad_a.shape == a.shape``, ``grad_b.shape == b.shape``.

    Maths: for one matrix product :math:`O = AB`,
    :math:`dL/dA = G B^\\top` and :math:`dL/dB = A^\\top G`. With batch dimensions, do it per
    batch element (``@`` does), then sum over the batch dimensions that were broadcast.

    Hint: ``np.swapaxes(x, -1, -2)`` transposes the last two axes; then ``sum_to_shape``.
    """
    raise NotImplementedError("matmul_backward: your code here")


def topological_sort(root: edutorch.Tensor) -> list:
    """The nodes of ``root``'s graph, in an order in which backward can run them.

    Task: start at ``root.grad_fn`` and follow ``node.next_functions`` (a tuple of
    ``(next_node, output_index)`` pairs; ``next_node`` may be ``None``, skip those). Return every
    node reachable from ``root.grad_fn`` (leaves show up as ``AccumulateGrad`` nodes), each
    exactly once, ordered so that every node comes *before* all the nodes it sends gradient to
    (its ``next_functions``): the first element is ``root.grad_fn``. Then, when backward reaches
    a node, all the gradient flowing into it has already arrived.

    Shapes: ``root`` is any tensor with a ``grad_fn``; the graph may share nodes (``y = a * a``,
    diamonds) and may be thousands of nodes deep.

    Hint: a depth-first search that appends a node after all of its ``next_functions`` (post
    order), then reversed. Python's recursion limit (about 1000) breaks a recursive search on a
    deep graph: keep your own stack.
    """
    raise NotImplementedError("topological_sort: your code here")


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar function by central finite differences.

    Task: return ``g`` with ``g[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every
    index ``i`` of ``x`` (``e_i`` is 1 at ``i``, 0 elsewhere). ``x`` must be unchanged when you
    return (``f`` may read it in place, so perturb one element, evaluate, and put it back).

    Shapes: ``x`` is a float64 array of any shape; ``g.shape == x.shape``; ``f(x)`` is a Python
    float.

    Maths: the central difference has error :math:`O(\\epsilon^2)`; the one-sided
    :math:`(f(x+\\epsilon e_i) - f(x))/\\epsilon` only :math:`O(\\epsilon)`, which the grader
    notices.

    Hint: ``np.ndindex(x.shape)`` walks every index.
    """
    raise NotImplementedError("numerical_gradient: your code here")


def check_gradient(fn: Callable[[edutorch.Tensor], edutorch.Tensor], x: np.ndarray,
                   eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Does autograd's gradient of ``fn`` at ``x`` agree with finite differences?

    Task: ``fn`` maps an edutorch tensor to a scalar (0-d) tensor. Compute autograd's gradient
    of ``fn`` at ``x`` (a float64 tensor with ``requires_grad=True``, then ``backward``), the
    numerical gradient (your ``numerical_gradient`` with this ``eps``), and return whether they
    agree: ``True`` when :math:`|a - n| \\le atol + rtol \\cdot |n|` everywhere (``np.allclose``),
    ``False`` otherwise. This is what ``edutorch.autograd.gradcheck`` does for one input and a
    scalar output: the grader compares your verdict with it, on correct functions and on
    ``autograd.Function``\\ s whose ``backward`` is wrong.

    Shapes: ``x`` is a float64 array of any shape.

    Hint: ``edutorch.from_numpy(a)`` wraps an array without copying, and ``.item()`` turns a 0-d
    tensor into a float.
    """
    raise NotImplementedError("check_gradient: your code here")
