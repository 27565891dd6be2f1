"""Proof that the graders discriminate: for each chapter, in a fresh pytest process,

- every grader passes on ``solutions/``;
- every grader fails on the untouched stubs in ``exercises/`` (with their
  ``NotImplementedError``);
- every planted bug in ``bugzoo/`` for that chapter makes at least one grader of the exercise it
  breaks fail;
- every exercise (a public function of ``exercises/chNN_*.py``) has graders, and
  ``solutions/`` defines the same names.

This file grades nothing itself (no ``ex`` fixture), so it runs once whatever ``--impl`` is.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUGZOO = os.path.join(HERE, "bugzoo")

CHAPTERS = sorted(f[len("test_"):-3] for f in os.listdir(HERE)
                  if f.startswith("test_ch") and f.endswith(".py"))


def public_functions(path: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    return {node.name: node for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def is_stub(fn: ast.FunctionDef) -> bool:
    """A docstring, then ``raise NotImplementedError(...)`` and nothing else."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise):
        return False
    exc = body[0].exc
    exc = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def bugs_of(chapter: str) -> dict[str, object]:
    """``{name: module}`` of the bug-zoo variants planted in ``chapter``."""
    bugs = {}
    for f in sorted(os.listdir(BUGZOO)):
        if not f.endswith(".py") or f.startswith("_"):
            continue
        name = f[:-3]
        spec = importlib.util.spec_from_file_location(f"_bugzoo_check_{name}",
                                                      os.path.join(BUGZOO, f))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if module.CHAPTER == chapter:
            bugs[name] = module
    return bugs


def run_graders(chapter: str, impls: list[str], tmp_path) -> dict:
    """Run the chapter's graders once per implementation in a fresh process; return
    ``{impl: {exercise: [(test name, outcome, message), ...]}}``."""
    report = tmp_path / f"{chapter}.xml"
    cmd = [sys.executable, "-m", "pytest", os.path.join(HERE, f"test_{chapter}.py"),
           *(f"--impl={impl}" for impl in impls), "--rootdir", ROOT, "-o", "addopts=",
           "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:nbval",
           "-q", "--tb=no", f"--junitxml={report}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), \
        f"the graders did not run (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    results: dict = defaultdict(lambda: defaultdict(list))
    for case in ET.parse(report).iter("testcase"):
        props = [(p.get("name"), p.get("value")) for p in case.iter("property")]
        impl = [v for k, v in props if k == "impl"]
        exercises = [v for k, v in props if k == "exercise"]
        assert impl and exercises, f"{case.get('name')}: no impl/exercise recorded"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            outcome, message = "failed", bad.get("message") or ""
        elif case.find("skipped") is not None:
            outcome, message = "skipped", case.find("skipped").get("message") or ""
        else:
            outcome, message = "passed", ""
        for exercise in exercises:
            results[impl[0]][exercise].append((case.get("name"), outcome, message))
    return results


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_graders_discriminate(chapter, tmp_path):
    exercise_file = os.path.join(ROOT, "exercises", f"{chapter}.py")
    stubs = public_functions(exercise_file)
    solved = public_functions(os.path.join(ROOT, "solutions", f"{chapter}.py"))
    assert sorted(solved) == sorted(stubs), \
        f"exercises/ and solutions/ define different names for {chapter}"
    edited = [name for name, fn in stubs.items() if not is_stub(fn)]
    if edited:
        message = (f"exercises/{chapter}.py is not the untouched stubs ({', '.join(edited)} "
                   f"edited): the stub half of this check needs them")
        if os.environ.get("CI"):
            pytest.fail(message)  # the repository must ship stubs
        pytest.skip(message)  # a reader's own work, not a broken grader

    bugs = bugs_of(chapter)
    assert len(bugs) >= 2, f"{chapter}: the bug zoo needs at least two planted bugs"
    results = run_graders(chapter, ["solutions", "exercises", *(f"bugzoo:{b}" for b in bugs)],
                          tmp_path)

    # every exercise is graded, and only exercises are
    graded = set(results["solutions"])
    assert graded == set(stubs), (f"graded {sorted(graded)} but the exercises are "
                                  f"{sorted(stubs)}")

    for exercise, cases in results["solutions"].items():
        failed = [(n, m) for n, outcome, m in cases if outcome != "passed"]
        assert not failed, f"{exercise}: graders fail on solutions/: {failed[:3]}"

    for exercise, cases in results["exercises"].items():
        assert cases, f"{exercise}: no graders"
        not_failed = [n for n, outcome, _ in cases if outcome != "failed"]
        assert not not_failed, f"{exercise}: graders that do not fail on the stub: {not_failed}"
        stray = [(n, m) for n, _, m in cases if "NotImplementedError" not in m]
        assert not stray, f"{exercise}: graders failing on the stub for another reason: {stray}"

    for name, module in bugs.items():
        assert module.BREAKS in stubs, f"bugzoo/{name}.py breaks unknown {module.BREAKS!r}"
        caught = [n for n, outcome, _ in results[f"bugzoo:{name}"][module.BREAKS]
                  if outcome == "failed"]
        assert caught, (f"bugzoo/{name}.py ({module.BUG}) passes every grader of "
                        f"{module.BREAKS}: the graders miss this bug")
