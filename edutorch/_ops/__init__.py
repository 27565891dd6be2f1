"""The operations on tensors, one module per family, each op with its backward formula.

Every op follows one pattern: compute the result's array with the backend, wrap it in a Tensor,
and, only if grad mode is on and an input requires grad, record a ``Node`` whose ``backward``
applies the chain rule. Backward formulas use Tensor ops, so they can be recorded too
(``create_graph=True``).
"""
