"""CONTRIBUTING.md's chapter recipe, enforced: every ``book/chNN_*`` folder has its exercises
module, its solutions, its grader and at least two planted bugs.

Files are matched by the chapter number (``chNN_``): the book folder and the exercise module
may name the topic differently (``book/ch02_core_concepts`` practises ``ch02_autograd``).
Nothing is imported: the checks read the files (with ``ast`` where a name is needed), so a
broken exercise module fails its grader, not this test.
"""
from __future__ import annotations

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOK = os.path.join(ROOT, "book")
BUGZOO = os.path.join(ROOT, "tests", "grading", "bugzoo")
CHAPTER = re.compile(r"^(ch\d\d)_\w+$")


def chapters() -> list[str]:
    """``ch01``, ``ch02``, ...: the numbers of the book's chapter folders."""
    found = [m.group(1) for name in sorted(os.listdir(BOOK))
             if os.path.isdir(os.path.join(BOOK, name)) and (m := CHAPTER.match(name))]
    return found


def modules(folder: str, prefix: str) -> list[str]:
    """Names (without ``.py``) of the modules in ``folder`` starting with ``prefix``."""
    return sorted(f[:-3] for f in os.listdir(folder) if f.startswith(prefix) and f.endswith(".py"))


def public_functions(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
            and not n.name.startswith("_")]


def bug_targets(path: str) -> tuple[str | None, str | None]:
    """``(CHAPTER, BREAKS)`` of a bug-zoo module, read from its source."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    values = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            exprs = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for name, expr in zip(names, exprs):
                if isinstance(name, ast.Name) and isinstance(expr, ast.Constant):
                    values[name.id] = expr.value
    return values.get("CHAPTER"), values.get("BREAKS")


def test_the_book_has_chapters():
    assert len(chapters()) >= 8, chapters()
    assert len(set(chapters())) == len(chapters()), "two book folders share a chapter number"


@pytest.mark.parametrize("ch", chapters())
def test_each_chapter_has_exercises_solutions_grader_and_bugs(ch):
    exercises = modules(os.path.join(ROOT, "exercises"), f"{ch}_")
    assert len(exercises) == 1, f"book/{ch}_*: expected one exercises/{ch}_*.py, got {exercises}"
    topic = exercises[0]
    solution = os.path.join(ROOT, "solutions", f"{topic}.py")
    assert os.path.isfile(solution), f"exercises/{topic}.py has no solutions/{topic}.py"
    grader = os.path.join(ROOT, "tests", "grading", f"test_{topic}.py")
    assert os.path.isfile(grader), f"exercises/{topic}.py has no tests/grading/test_{topic}.py"
    bugs = modules(BUGZOO, f"{ch}_")
    assert len(bugs) >= 2, f"{ch}: at least two planted bugs in tests/grading/bugzoo/{ch}_*.py, " \
                           f"found {bugs}"

    stubs = public_functions(os.path.join(ROOT, "exercises", f"{topic}.py"))
    assert stubs, f"exercises/{topic}.py defines no exercise function"
    missing = sorted(set(stubs) - set(public_functions(solution)))
    assert not missing, f"solutions/{topic}.py lacks {missing}"
    for bug in bugs:
        chapter, breaks = bug_targets(os.path.join(BUGZOO, f"{bug}.py"))
        assert chapter == topic, f"bugzoo/{bug}.py: CHAPTER = {chapter!r}, expected {topic!r}"
        assert breaks in stubs, f"bugzoo/{bug}.py breaks {breaks!r}, not an exercise of {topic}"


def test_no_exercise_module_without_a_book_chapter():
    numbers = set(chapters())
    for folder in ("exercises", "solutions"):
        for name in modules(os.path.join(ROOT, folder), "ch"):
            assert name[:4] in numbers, f"{folder}/{name}.py has no book/{name[:4]}_* chapter"
