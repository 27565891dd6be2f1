"""Every registered op, Tensor method and in-place variant is tested (CONTRIBUTING's op recipe).

The names come from the registry (``edutorch._ops.registry``), not from the table, so an op
registered without a row in ``tests/op_table.py`` fails here. Each row's cases go through
``check_op``: values and dtypes against PyTorch where it is installed, the gradients of every
float input against PyTorch's, and ``gradcheck`` in float64 (which needs no PyTorch).
"""
from __future__ import annotations

import numpy as np
import pytest
from helpers import check_op
from op_table import TABLE, calls

from edutorch._ops import registry

FORMS = {
    "function": sorted(registry.FUNCTIONS),
    "method": sorted(registry.METHODS),
    "inplace": sorted(registry.INPLACE),
}
REGISTERED = set().union(*FORMS.values())
PARAMS = [pytest.param(form, name, id=f"{form}:{name}{'_' if form == 'inplace' else ''}")
          for form, names in FORMS.items() for name in names]


def test_every_registered_name_has_a_row_in_the_table():
    missing = sorted(REGISTERED - set(TABLE))
    assert not missing, (f"registered ops without a row in tests/op_table.py: {missing}. Add "
                         f"sample inputs for each (see CONTRIBUTING.md, 'A new op').")


def test_the_table_holds_no_name_that_is_not_registered():
    stale = sorted(set(TABLE) - REGISTERED)
    assert not stale, f"tests/op_table.py rows for names the registry does not hold: {stale}"


def test_registry_sizes_are_consistent():
    # the in-place list derives ``name_`` from an op that is also a method
    assert set(registry.INPLACE) <= set(registry.METHODS)
    assert len(registry.INPLACE) == len(set(registry.INPLACE)), "an op registered twice"
    assert len(FORMS["function"]) > 100 and len(FORMS["method"]) > 100


@pytest.mark.parametrize("form, name", PARAMS)
def test_op(form, name):
    cases = TABLE.get(name)
    assert cases, f"{name!r} is registered but has no row in tests/op_table.py"
    for k, case in enumerate(cases):
        if form == "inplace" and k:
            break  # the in-place spelling shares the op's formula: its first case suffices
        fn = calls(name, case, form)
        if case.helper:
            _check_helper(name, fn, case)
            continue
        custom = case.call if form == "function" else case.method if form == "method" else None
        expected = case.ref if custom is None else None  # NumPy's value, used without torch
        try:
            check_op(fn, *case.inputs, dtypes=case.dtypes, grad=case.grad, rtol=case.rtol,
                     atol=case.atol, expected=expected)
        except AssertionError as e:
            raise AssertionError(f"{form} {name}, case {k} ({_describe(case)}): {e}") from None


def _check_helper(name, fn, case):
    import edutorch
    got = fn(edutorch, *case.inputs)
    try:
        import torch
    except ImportError:
        torch = None
    want = fn(torch, *case.inputs) if torch is not None else case.ref(*case.inputs)
    assert tuple(got) == tuple(want), f"{name}: {tuple(got)} != {tuple(want)}"


def _describe(case) -> str:
    parts = [f"array{a.shape} {a.dtype}" if isinstance(a, np.ndarray) else repr(a)
             for a in case.inputs]
    parts += [f"{k}={v!r}" for k, v in case.kwargs.items()]
    return ", ".join(parts)
