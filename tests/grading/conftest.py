"""The graders' fixture: ``ex``, the implementation of this chapter's exercises being graded.

A grader file ``test_chNN_topic.py`` grades the module ``chNN_topic`` of whichever
implementation ``--impl`` names (see the root ``conftest.py``):

- ``exercises`` (default): ``exercises/chNN_topic.py``, the reader's work;
- ``solutions``: ``solutions/chNN_topic.py``, the reference answers;
- ``bugzoo:NAME``: ``tests/grading/bugzoo/NAME.py``, the solutions with one planted bug (its
  ``CHAPTER`` says which chapter it belongs to; other chapters' graders skip it).

Each grader is marked ``@pytest.mark.grades("exercise_name", ...)``; the mark and the
implementation are recorded as the test's user properties (``exercise``, ``impl``) so reports
(``python -m edutorch.grade``, JUnit XML) can group results by exercise.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUGZOO = os.path.join(HERE, "bugzoo")
PACKAGES = ("exercises", "solutions")

for _path in (ROOT, HERE):  # exercises/, solutions/ and gradelib.py, whatever the import mode
    if _path not in sys.path:
        sys.path.insert(0, _path)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "grades(*exercises): the exercises (function names in exercises/chNN_*.py) "
                   "this grader grades")


def chosen_impls(config) -> list[str]:
    """The implementations named by ``--impl`` (``["exercises"]`` when none), checked."""
    try:
        impls = config.getoption("--impl")
    except ValueError:  # the root conftest.py was not loaded (pytest run from elsewhere)
        impls = None
    impls = list(dict.fromkeys(impls or ["exercises"]))  # no duplicates, order kept
    for impl in impls:
        if impl in PACKAGES:
            continue
        if impl.startswith("bugzoo:") and os.path.isfile(bugzoo_path(impl[len("bugzoo:"):])):
            continue
        known = ", ".join(list(PACKAGES) + [f"bugzoo:{n}" for n in bugzoo_names()])
        raise pytest.UsageError(f"--impl {impl!r}: expected one of {known}")
    return impls


def bugzoo_path(name: str) -> str:
    return os.path.join(BUGZOO, name + ".py")


def bugzoo_names() -> list[str]:
    return sorted(f[:-3] for f in os.listdir(BUGZOO)
                  if f.endswith(".py") and not f.startswith("_"))


def load_bugzoo(name: str):
    """Import ``tests/grading/bugzoo/NAME.py`` (a plain file, not a package)."""
    modname = f"_edutorch_bugzoo_{name}"
    if modname in sys.modules:
        return sys.modules[modname]
    spec = importlib.util.spec_from_file_location(modname, bugzoo_path(name))
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[modname]  # no half-imported module for the next grader
        raise
    return module


def chapter_of(module) -> str:
    """``test_ch02_autograd.py`` -> ``ch02_autograd``."""
    base = os.path.splitext(os.path.basename(module.__file__))[0]
    if not base.startswith("test_ch"):
        raise RuntimeError(f"{module.__file__}: grader files are named test_chNN_topic.py")
    return base[len("test_"):]


def load_impl(impl: str, chapter: str):
    """The module holding ``chapter``'s exercises in implementation ``impl``."""
    if impl in PACKAGES:
        return importlib.import_module(f"{impl}.{chapter}")
    module = load_bugzoo(impl[len("bugzoo:"):])
    if module.CHAPTER != chapter:
        pytest.skip(f"{impl} plants a bug in {module.CHAPTER}, not {chapter}")
    return module


def pytest_generate_tests(metafunc):
    # every grader runs once per chosen implementation
    if "ex" in metafunc.fixturenames:
        impls = chosen_impls(metafunc.config)
        metafunc.parametrize("impl_name", impls, ids=impls)


def pytest_collection_modifyitems(config, items):
    # recorded at collection, so that even a grader whose setup fails is attributed
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "impl_name" not in callspec.params:
            continue
        mark = item.get_closest_marker("grades")
        for name in mark.args if mark else ():  # a grader may grade several (save + load)
            item.user_properties.append(("exercise", name))
        item.user_properties.append(("impl", callspec.params["impl_name"]))


@pytest.fixture
def ex(request, impl_name):
    """The graded module of this file's chapter (``exercises``, ``solutions`` or a bug-zoo
    variant)."""
    if request.node.get_closest_marker("grades") is None:
        raise RuntimeError(f"{request.node.nodeid}: a grader needs @pytest.mark.grades(name)")
    return load_impl(impl_name, chapter_of(request.module))


@pytest.fixture(autouse=True)
def _seed():
    """Each grader starts from the same random state. (Overrides tests/conftest.py's fixture,
    which also seeds PyTorch: graders never use PyTorch, and importing it costs seconds.)"""
    import edutorch
    edutorch.manual_seed(0)
    yield
